/**
 * `npm run objections -- list | resolve DIGEST --outcome OUTCOME --reason TEXT [--registry URL] [--token T]`
 *
 * The operator's side of objections, through the Worker's admin routes: the Worker holds the
 * receipt key that signs resolutions. The registry is http://127.0.0.1:8787 (`npm start`) unless
 * `--registry` names another; the token is `--token`, else `ADMIN_TOKEN`, else, for a local
 * registry, the one `npm start` wrote to `.dev.vars`.
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { OUTCOMES } from '../domain/objection'

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    registry: { type: 'string', default: 'http://127.0.0.1:8787' },
    token: { type: 'string' },
    outcome: { type: 'string' },
    reason: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
})

const usage = `usage: npm run objections -- list | resolve DIGEST --outcome (${OUTCOMES.join('|')}) --reason TEXT [--registry URL] [--token T]`

interface Listed {
  changes: {
    change: string
    objections: {
      customer: { id: string; name: string }
      category: string
      reason: string
      receivedAt: string
      digest: string
      status: string
      resolution: { outcome: string; resolvedAt: string } | null
    }[]
  }[]
}

async function adminToken(registry: URL): Promise<string> {
  if (options.token) return options.token
  if (process.env.ADMIN_TOKEN) return process.env.ADMIN_TOKEN
  if (['127.0.0.1', 'localhost', '[::1]'].includes(registry.hostname)) {
    const vars = await readFile('.dev.vars', 'utf8').catch(() => '')
    const token = /^ADMIN_TOKEN=(.+)$/m.exec(vars)?.[1]
    if (token) return token.trim()
  }
  throw new Error('Give the admin token with --token or ADMIN_TOKEN.')
}

/** The answer's error in one line: its code and message, never more than the first 300 characters. */
async function refusal(res: Response): Promise<string> {
  const text = (await res.text()).slice(0, 4096)
  try {
    const { error } = JSON.parse(text) as { error: { code: string; message: string } }
    return `${res.status} ${error.code}: ${String(error.message).slice(0, 300)}`
  } catch {
    return `${res.status}`
  }
}

const [command, digest] = positionals
try {
  const registry = new URL(options.registry)
  const headers = { Authorization: `Bearer ${await adminToken(registry)}` }
  if (command === 'list') {
    const res = await fetch(new URL('/objections', registry), { headers })
    if (!res.ok) throw new Error(`${registry.origin} refused: ${await refusal(res)}`)
    const listed = (await res.json()) as Listed
    if (options.json) console.log(JSON.stringify(listed, null, 2))
    else if (listed.changes.length === 0) console.log('No objection has been received.')
    else
      for (const { change, objections } of listed.changes) {
        console.log(`${change}: ${objections.length} objection${objections.length === 1 ? '' : 's'}`)
        for (const o of objections)
          console.log(
            `  ${o.receivedAt}  ${o.customer.name} (${o.customer.id})  ${o.category}: ${o.reason}\n    ${o.digest}  ${o.resolution ? `${o.resolution.outcome} at ${o.resolution.resolvedAt}` : 'open'}`,
          )
      }
  } else if (command === 'resolve') {
    if (!digest || !options.outcome || !options.reason)
      throw new Error(`resolve needs DIGEST, --outcome and --reason\n${usage}`)
    const path = digest.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
    const res = await fetch(new URL(`/objections/${encodeURIComponent(path)}/resolution`, registry), {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify({ outcome: options.outcome, reason: options.reason }),
    })
    if (res.status !== 201) throw new Error(`${registry.origin} refused: ${await refusal(res)}`)
    console.log(
      `Resolved: ${options.outcome}. The signed resolution, also pushed to the customer's webhook if it has one:`,
    )
    process.stdout.write(await res.text())
  } else {
    console.error(usage)
    process.exitCode = 64
  }
} catch (error) {
  console.error((error as Error).message)
  process.exitCode ||= 1
}
