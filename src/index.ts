import { Hono } from 'hono'
import { cors } from 'hono/cors'
import { ALLOWED_METHODS, errorBody, RegistryError } from './domain/errors'
import { documents } from './routes/documents'
import { evidence } from './routes/evidence'
import { history } from './routes/history'
import { objections } from './routes/objections'
import { errorHeaders, PRIVATE_HEADERS } from './domain/headers'
import { CORS_OPTIONS, isPrivatePath, PRIVATE_PATHS } from './routes/serve'
import { answerKnownList, subprocessors } from './routes/subprocessors'
import { webhooks } from './routes/webhooks'
import { deliverBatch, recordDeadLetters } from './webhooks/deliver'
import { tick } from './webhooks/emit'
import type { DeliveryMessage } from './webhooks/queue'
import { recollectCosignatures } from './witnessing/cron'

export const app = new Hono<{ Bindings: Cloudflare.Env }>()

// Preflight only: every other response carries the CORS headers in its precomputed set. The
// webhook and admin routes answer a preflight without them, so a browser sends nothing there.
for (const path of PRIVATE_PATHS)
  app.options(path, (c) => c.body(null, 204, { ...PRIVATE_HEADERS, Allow: allowedMethods(c.req.path).join(', ') }))
app.options('*', cors(CORS_OPTIONS))

app.route('/', subprocessors)
app.route('/', evidence)
app.route('/', history)
app.route('/', documents)
app.route('/', webhooks)
app.route('/', objections)

const ROUTED_METHODS = ['GET', 'POST', 'DELETE'] as const

/** The methods a path has routes for, as `Allow` lists them: HEAD with GET, and OPTIONS always. */
function allowedMethods(path: string): string[] {
  const routed = ROUTED_METHODS.filter((method) =>
    app.router.match(method, path)[0].some(([[, route]]) => route.method === method),
  )
  if (routed.length === 0) return []
  return routed.flatMap((method) => (method === 'GET' ? ['GET', 'HEAD'] : [method])).concat('OPTIONS')
}

// Any method on a path that some route matches, but not with this method, is one the resource does not allow.
app.notFound((c) => {
  const allowed = allowedMethods(c.req.path)
  if (allowed.length > 0) {
    const readOnly = allowed.join() === ALLOWED_METHODS.join()
    throw new RegistryError(
      'method_not_allowed',
      readOnly ? 'This resource is read-only.' : `This resource allows ${allowed.join(', ')}.`,
      { allowed },
    )
  }
  throw new RegistryError('not_found', `There is nothing at ${c.req.path}.`)
})

app.onError((err, c) => {
  const error =
    err instanceof RegistryError
      ? err
      : new RegistryError(
          'internal_error',
          'The registry failed to answer; this is a fault of the registry, not of the request.',
        )
  if (!(err instanceof RegistryError)) console.error(err)
  return c.json(errorBody(error), error.status, errorHeaders(error, isPrivatePath(c.req.path)))
})

const DEAD_LETTER_QUEUE = 'subprocessor-webhooks-dlq'

export default {
  // A list request this isolate has resolved before skips Hono's dispatch (bench/README.md has the measurements).
  fetch: (request: Request, env: Cloudflare.Env, ctx?: ExecutionContext) =>
    answerKnownList(request) ?? app.fetch(request, env, ctx),
  // Every minute: the time-based transitions, then the events the change log calls for.
  async scheduled(controller, env) {
    const report = await tick(env, controller.scheduledTime)
    if (report.events || report.disabled || report.rotationsEnded)
      console.log(JSON.stringify({ event: 'webhook_tick', ...report }))
    // Until the current checkpoint has its witnesses' quorum: ask the ones that have not cosigned again.
    const witnessed = await recollectCosignatures(env)
    if (witnessed?.failed.length)
      console.log(
        JSON.stringify({
          event: 'witnesses_asked',
          size: witnessed.size,
          met: witnessed.met,
          failed: witnessed.failed,
        }),
      )
  },
  async queue(batch, env) {
    if (batch.queue === DEAD_LETTER_QUEUE) await recordDeadLetters(batch, env)
    else await deliverBatch(batch, env)
  },
} satisfies ExportedHandler<Cloudflare.Env, DeliveryMessage>
