import { Hono } from 'hono'
import { cors } from 'hono/cors'
import { secureHeaders } from 'hono/secure-headers'
import { ALLOWED_METHODS, errorBody, RegistryError } from './domain/errors'
import { documents } from './routes/documents'
import { subprocessors } from './routes/subprocessors'

const app = new Hono<{ Bindings: Cloudflare.Env }>()

app.use(cors({ origin: '*', allowMethods: ALLOWED_METHODS, exposeHeaders: ['ETag', 'Last-Modified', 'Content-Location', 'Content-Language', 'Content-Disposition', 'Link'] }))
app.use(secureHeaders({ crossOriginResourcePolicy: 'cross-origin', xFrameOptions: 'DENY' }))

app.route('/', subprocessors)
app.route('/', documents)

app.notFound((c) => {
  throw new RegistryError(404, 'not_found', `There is nothing at ${c.req.path}.`)
})

app.onError((err, c) => {
  const error = err instanceof RegistryError ? err : new RegistryError(503, 'unavailable', 'The registry could not answer; try again shortly.')
  if (!(err instanceof RegistryError)) console.error(err)
  if (error.status === 405) c.header('Allow', ALLOWED_METHODS.join(', '))
  c.header('Cache-Control', 'no-store')
  return c.json(errorBody(error), error.status)
})

export default app
