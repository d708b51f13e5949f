/**
 * `receive --port P`: a webhook receiver on 127.0.0.1:P. Each delivery is verified with
 * `standardwebhooks` against the secret given or those `subscribe` stored, and recorded once:
 * a delivery sent again (the same `webhook-id`, as retries are) is acknowledged, not recorded twice.
 */
import { appendFile, readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { Context } from '../cli/context.js'
import { UsageError } from '../cli/exit.js'
import { serveUntilStopped } from '../cli/serve.js'
import { verifyDelivery } from '../webhook.js'

const MAX_BODY = 1024 * 1024

/** The ids already recorded in the log, so that a restart does not record a retry twice. */
async function recordedIds(log: string): Promise<Set<string>> {
  const text = await readFile(log, 'utf8').catch(() => '')
  const ids = new Set<string>()
  for (const line of text.split('\n')) {
    try {
      const id = (JSON.parse(line) as { id?: unknown }).id
      if (typeof id === 'string') ids.add(id)
    } catch {}
  }
  return ids
}

export async function receive(ctx: Context): Promise<number> {
  const port = ctx.number('port') ?? usage('receive needs --port P')
  const stored = Object.values((await ctx.store().load()).subscriptions).map((s) => s.secret)
  const given = ctx.options.secret ?? ctx.io.env.WEBHOOK_SECRET
  const secrets = [...(given ? [given] : []), ...stored]
  if (secrets.length === 0) usage('receive needs --secret (or WEBHOOK_SECRET), or a subscription made with subscribe')
  const log = ctx.options.log
  const seen = await recordedIds(log)
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req) {
      size += (chunk as Buffer).byteLength
      if (size > MAX_BODY) return res.writeHead(413).end()
      chunks.push(chunk as Buffer)
    }
    const body = Buffer.concat(chunks).toString('utf8')
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]))
    let delivery: ReturnType<typeof verifyDelivery> | null = null
    let refusal = 'No secret verifies it'
    for (const secret of secrets) {
      try {
        delivery = verifyDelivery(secret, headers, body)
        break
      } catch (error) {
        refusal = (error as Error).message
      }
    }
    if (!delivery) {
      ctx.warn(`Refused a delivery: ${refusal}`)
      return res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: refusal }))
    }
    if (seen.has(delivery.id)) {
      ctx.line(`${delivery.type} ${delivery.id}: already recorded; acknowledged again`)
      return res.writeHead(204).end()
    }
    seen.add(delivery.id)
    await appendFile(log, `${JSON.stringify({ receivedAt: new Date().toISOString(), ...delivery })}\n`)
    ctx.line(`${delivery.type} ${delivery.id}: verified and recorded in ${log}`)
    res.writeHead(204).end()
  })
  await serveUntilStopped(ctx, server, port, (url) => [`Receiving webhook deliveries at ${url}/`], '/')
  return 0
}

function usage(message: string): never {
  throw new UsageError(message)
}
