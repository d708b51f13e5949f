import { Hono } from 'hono'
import { cors } from 'hono/cors'
import { ALLOWED_METHODS, errorBody, RegistryError, RETRY_AFTER_SECONDS } from './domain/errors'
import { documents } from './routes/documents'
import { history } from './routes/history'
import { COMMON_HEADERS, CORS_OPTIONS } from './routes/serve'
import { subprocessors } from './routes/subprocessors'

const app = new Hono<{ Bindings: Cloudflare.Env }>()

// Preflight only: every other response carries the CORS headers in its precomputed set.
app.options('*', cors(CORS_OPTIONS))

app.route('/', subprocessors)
app.route('/', history)
app.route('/', documents)

// Only GET routes are registered, so a GET matches one handler; any other method on a path that
// GET would match is a method the resource does not allow, whatever the method's name.
app.notFound((c) => {
  if (c.req.method !== 'GET' && app.router.match('GET', c.req.path)[0].length > 0) {
    throw new RegistryError('method_not_allowed', 'This resource is read-only.', { allowed: ALLOWED_METHODS })
  }
  throw new RegistryError('not_found', `There is nothing at ${c.req.path}.`)
})

app.onError((err, c) => {
  const error = err instanceof RegistryError ? err : new RegistryError('internal_error', 'The registry failed to answer; this is a fault of the registry, not of the request.')
  if (!(err instanceof RegistryError)) console.error(err)
  if (error.status === 405) c.header('Allow', ALLOWED_METHODS.join(', '))
  if (error.status === 503) c.header('Retry-After', String(RETRY_AFTER_SECONDS))
  return c.json(errorBody(error), error.status, { ...COMMON_HEADERS, 'Cache-Control': 'no-store' })
})

export default app
