import { Hono } from 'hono'
import { cors } from 'hono/cors'
import { ALLOWED_METHODS, errorBody, RegistryError } from './domain/errors'
import { documents } from './routes/documents'
import { COMMON_HEADERS, CORS_OPTIONS } from './routes/respond'
import { subprocessors } from './routes/subprocessors'

const app = new Hono<{ Bindings: Cloudflare.Env }>()

// Preflight only: every other response carries the CORS headers in its precomputed set.
app.options('*', cors(CORS_OPTIONS))

app.route('/', subprocessors)
app.route('/', documents)

app.notFound((c) => {
  throw new RegistryError(404, 'not_found', `There is nothing at ${c.req.path}.`)
})

app.onError((err, c) => {
  const error = err instanceof RegistryError ? err : new RegistryError(503, 'unavailable', 'The registry could not answer; try again shortly.')
  if (!(err instanceof RegistryError)) console.error(err)
  if (error.status === 405) c.header('Allow', ALLOWED_METHODS.join(', '))
  return c.json(errorBody(error), error.status, { ...COMMON_HEADERS, 'Cache-Control': 'no-store' })
})

export default app
