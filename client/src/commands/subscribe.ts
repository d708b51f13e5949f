/**
 * `subscribe <url> --endpoint URL --port P --regions R[,R…]`: subscribes an endpoint to a
 * registry's webhooks, end to end. The registry proves the endpoint wants them by sending a
 * challenge before it issues the secret (WebSub's intent verification), so for the length of
 * the request this command listens on 127.0.0.1:P, where the endpoint URL must lead, and echoes
 * the challenge only when it carries the token it sent. It then keeps the secret and the
 * management token in the state file, where `receive` finds them.
 */
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { Context } from '../cli/context.js'
import { UsageError } from '../cli/exit.js'
import { WatchError } from '../errors.js'
import { allowedUrl, asWatchError, DEFAULT_LIMITS, readBounded } from '../http.js'
import { parseJson } from '../json.js'
import { guardedFetch } from '../node.js'

const list = (value: string | undefined) =>
  value
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean)

export async function subscribe(ctx: Context): Promise<number> {
  const given = ctx.arg(0, 'subscribe needs the registry URL')
  const endpoint = ctx.options.endpoint ?? usage('subscribe needs --endpoint URL: where the registry will send events')
  const port = ctx.number('port') ?? usage('subscribe needs --port P: where --endpoint leads on this machine')
  const regions = list(ctx.options.regions) ?? usage('subscribe needs --regions, such as eu or eu,uk')
  const languages = list(ctx.options.languages)
  const events = list(ctx.options.events)
  const stored = (await ctx.store().load()).registries
  const watcher = ctx.watcher()
  const registryUrl = Object.keys(stored).find((url) => url === given) ?? given
  const allowPrivate = ctx.options['allow-private'] || (stored[registryUrl]?.allowPrivate ?? false)
  const { url, discovery } = await watcher.discover(registryUrl, { allowPrivate })
  if (!discovery.push)
    throw new WatchError(
      'error',
      `${url} sends no webhooks`,
      'Only registries at the Push level do; poll it with check.',
    )
  const net = { origin: new URL(url).origin, allowPrivate }
  const subscribeUrl = allowedUrl(net, discovery.push.subscribe, url).href
  const token = randomBytes(24).toString('base64url')

  const listener = createServer(async (req, res) => {
    let body = ''
    for await (const chunk of req) if ((body += chunk).length > 64 * 1024) return res.writeHead(413).end()
    let event: { type?: unknown; data?: { challenge?: unknown; verificationToken?: unknown } } = {}
    try {
      event = JSON.parse(body)
    } catch {}
    // Only the challenge of this very request: no stranger can subscribe this endpoint.
    if (
      event.type !== 'webhook.verification' ||
      event.data?.verificationToken !== token ||
      typeof event.data.challenge !== 'string'
    )
      return res.writeHead(403).end()
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ challenge: event.data.challenge }))
  })
  await new Promise<void>((listening) => listener.listen(port, '127.0.0.1', listening))
  const limits = { ...DEFAULT_LIMITS, ...(ctx.options.timeout ? { timeoutMs: ctx.number('timeout')! * 1000 } : {}) }
  let answer: Record<string, unknown>
  let status: number
  try {
    const fetcher = ctx.io.fetch ?? guardedFetch({ allowPrivate, lookup: ctx.io.lookup })
    const res = await fetcher(subscribeUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({
        url: endpoint,
        regions,
        ...(languages ? { languages } : {}),
        ...(events ? { events } : {}),
        verificationToken: token,
      }),
      // A redirect could send the request, and the secret's answer, anywhere.
      redirect: 'manual',
      signal: AbortSignal.timeout(limits.timeoutMs),
    })
    status = res.status
    answer = (parseJson(await readBounded(res, subscribeUrl, 256 * 1024), subscribeUrl) ?? {}) as Record<
      string,
      unknown
    >
  } catch (error) {
    throw asWatchError(error, subscribeUrl, limits)
  } finally {
    listener.close()
    listener.closeAllConnections()
  }
  if (status !== 201 || typeof answer.id !== 'string' || typeof answer.secret !== 'string') {
    const error = (answer.error ?? {}) as { code?: unknown; message?: unknown }
    throw new WatchError(
      'error',
      `${subscribeUrl} refused the subscription: ${status}${typeof error.code === 'string' ? ` ${error.code.slice(0, 40)}` : ''}${typeof error.message === 'string' ? `: ${error.message.slice(0, 300)}` : ''}`,
      "Check that --endpoint leads to this machine on --port, and that the regions and languages are the registry's.",
    )
  }
  const subscription = {
    id: answer.id.slice(0, 200),
    registry: url,
    endpoint,
    secret: answer.secret.slice(0, 200),
    managementToken: typeof answer.managementToken === 'string' ? answer.managementToken.slice(0, 200) : null,
    regions,
    languages: languages ?? null,
    events: Array.isArray(answer.events)
      ? answer.events.filter((e): e is string => typeof e === 'string').slice(0, 16)
      : [],
    createdAt: new Date(ctx.io.now?.() ?? Date.now()).toISOString(),
  }
  await ctx.store().update((state) => {
    state.subscriptions[subscription.id] = subscription
  })
  if (ctx.options.json) ctx.json({ id: subscription.id, registry: url, endpoint, regions, events: subscription.events })
  else {
    ctx.line(
      `Subscribed ${endpoint} to ${discovery.company.service ?? discovery.company.name} (${url}): ${subscription.id}.`,
    )
    ctx.line(
      `The secret and the management token are kept in ${ctx.options.state}; \`receive --port ${port}\` verifies each delivery with them.`,
    )
  }
  return 0
}

function usage(message: string): never {
  throw new UsageError(message)
}
