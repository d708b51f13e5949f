/**
 * subprocessor-watch: a vendor-risk team's watch over every vendor's sub-processor registry.
 * Human output by default (progress on stderr for long runs, then a table); --json for machines.
 */
import { createServer } from 'node:http'
import { appendFile } from 'node:fs/promises'
import { createInterface } from 'node:readline/promises'
import { parseArgs } from 'node:util'
import { conform } from './conform.js'
import { WatchError } from './http.js'
import { JsonFileStore } from './node.js'
import type { RegistryState } from './state.js'
import { type RegistryReport, Watcher } from './watcher.js'
import { verifyDelivery } from './webhook.js'

/** Exit codes of `check`, for cron and CI; the most serious outcome of any registry wins. */
export const EXIT = { unchanged: 0, changed: 1, evidence: 2, error: 3, usage: 64 } as const

const USAGE = `Usage: subprocessor-watch <command> [options]

  add <url> [--key KEY] [--lang LANG] [--yes]   watch a registry; pins its log's key
  remove <url>                                   stop watching it
  check                                          one pass over every registry
  diff <url> --from N --to M                     what changed between two versions
  export --format csv|json                       every vendor × sub-processor, for auditors
  receive --port P --secret S [--log FILE]       verify and record webhook deliveries
  conform <url> [--key KEY]                      run the format's MUSTs, level by level

Options: --state FILE (default subprocessor-watch.json), --json, --timeout SECONDS,
         --max-bytes N, --concurrency N, --per-host N

check exits 0 when nothing changed, 1 with changes, 2 when a registry's evidence fails
(its last good state is kept), 3 when a registry could not be read; 64 on a usage error.`

const { values: options, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        state: { type: 'string', default: process.env.SUBPROCESSOR_WATCH_STATE ?? 'subprocessor-watch.json' },
        json: { type: 'boolean', default: false },
        key: { type: 'string' },
        lang: { type: 'string' },
        yes: { type: 'boolean', default: false },
        from: { type: 'string' },
        to: { type: 'string' },
        format: { type: 'string' },
        port: { type: 'string' },
        secret: { type: 'string' },
        log: { type: 'string', default: 'subprocessor-watch-deliveries.jsonl' },
        timeout: { type: 'string' },
        'max-bytes': { type: 'string' },
        concurrency: { type: 'string' },
        'per-host': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    })
  } catch (error) {
    usage((error as Error).message)
  }
})()

function usage(message?: string): never {
  if (message) console.error(`subprocessor-watch: ${message}\n`)
  console.error(USAGE)
  process.exit(EXIT.usage)
}

const number = (name: string, value: string | undefined) => {
  if (value === undefined) return undefined
  const parsed = Number(value)
  if (!Number.isFinite(parsed) || parsed <= 0) usage(`--${name} must be a positive number`)
  return parsed
}

const print = (value: unknown) => console.log(JSON.stringify(value, null, 2))
const progress = process.stderr.isTTY && !options.json

const watcher = new Watcher(new JsonFileStore(options.state!), {
  limits: {
    ...(options.timeout ? { timeoutMs: number('timeout', options.timeout)! * 1000 } : {}),
    ...(options['max-bytes'] ? { maxBytes: number('max-bytes', options['max-bytes']) } : {}),
  },
  concurrency: number('concurrency', options.concurrency),
  perHost: number('per-host', options['per-host']),
  onProgress: progress
    ? (done, total, report) => process.stderr.write(`\r[${done}/${total}] ${report.vendor.slice(0, 40).padEnd(40)}`)
    : undefined,
})

async function run(command: string, args: string[]): Promise<number> {
  switch (command) {
    case 'add':
      return add(args[0] ?? usage('add needs the registry URL'))
    case 'remove': {
      const removed = await watcher.remove(args[0] ?? usage('remove needs the registry URL'))
      console.log(removed ? 'Removed.' : 'Not watched; nothing to remove.')
      return removed ? 0 : EXIT.error
    }
    case 'check':
      return check()
    case 'diff':
      return diff(args[0] ?? usage('diff needs the registry URL'))
    case 'export':
      return exportPortfolio()
    case 'receive':
      return receive()
    case 'conform':
      return conformance(args[0] ?? usage('conform needs the registry URL'))
    default:
      usage(`unknown command "${command}"`)
  }
}

async function add(url: string): Promise<number> {
  if (!options.key && !options.yes && process.stdin.isTTY) {
    const { url: at, discovery } = await watcher.discover(url)
    const key = discovery.evidence?.verifierKey
    if (key) {
      console.log(`${at} signs its log with:\n  ${key}`)
      const answer = await createInterface({ input: process.stdin, output: process.stdout }).question(
        'Compare it with the key the vendor gave you another way. Pin it? [y/N] ',
      )
      if (!/^y(es)?$/i.test(answer.trim())) {
        console.log('Not added.')
        return EXIT.usage
      }
    }
  }
  const { registry, key, keySource } = await watcher.add(url, { key: options.key, lang: options.lang })
  if (options.json)
    print({ registry: registry.url, vendor: registry.vendor, version: registry.version, key, keySource })
  else {
    console.log(
      `Watching ${registry.vendor} (${registry.url}): version ${registry.version}, ${registry.entries.length} sub-processors.`,
    )
    if (keySource === 'discovery')
      console.log(
        `Pinned on first sight, from its discovery document:\n  ${key}\nCompare it with the key the vendor gives you another way.`,
      )
    else if (keySource === 'given') console.log(`Pinned the key you gave:\n  ${key}`)
    else console.log('It serves no signed log: changes are watched, evidence is not.')
  }
  return 0
}

async function check(): Promise<number> {
  const { reports, events } = await watcher.check()
  if (progress) process.stderr.write('\n')
  if (options.json) print({ reports })
  else {
    for (const event of events)
      console.log(
        `${event.vendor}: ${event.kind} ${event.subprocessor.name ?? event.subprocessor.id} (${event.regions.join(', ') || 'no region'}), effective ${event.effectiveAt.slice(0, 10)}${event.objectionDeadline ? `, object by ${event.objectionDeadline.slice(0, 10)}` : ''}`,
      )
    table(reports)
  }
  const outcomes = new Set(reports.map((report) => report.outcome))
  return outcomes.has('evidence')
    ? EXIT.evidence
    : outcomes.has('error')
      ? EXIT.error
      : outcomes.has('changed')
        ? EXIT.changed
        : EXIT.unchanged
}

function table(reports: RegistryReport[]) {
  const rows = reports.map((r) => [r.vendor, String(r.version ?? '—'), r.outcome, r.evidence, String(r.events.length)])
  const header = ['vendor', 'version', 'outcome', 'evidence', 'events']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  console.log(line(header))
  for (const row of rows) console.log(line(row))
  for (const r of reports.filter((r) => r.message)) console.log(`\n${r.message}.\n  ${r.hint}`)
  const count = (outcome: string) => reports.filter((r) => r.outcome === outcome).length
  console.log(
    `\n${reports.length} ${reports.length === 1 ? 'registry' : 'registries'}: ${count('changed')} changed, ${count('unchanged')} unchanged, ${count('evidence')} evidence failures, ${count('error')} errors.`,
  )
}

async function diff(url: string): Promise<number> {
  const from = number('from', options.from) ?? usage('diff needs --from N')
  const to = number('to', options.to) ?? usage('diff needs --to M')
  const result = await watcher.diff(url, from, to, options.lang)
  if (options.json) print(result)
  else {
    console.log(`${result.registry}: version ${from} → ${to}`)
    for (const e of result.added) console.log(`  added     ${e.id}  ${e.name ?? ''}`)
    for (const e of result.removed) console.log(`  removed   ${e.id}  ${e.name ?? ''}`)
    for (const e of result.modified) console.log(`  modified  ${e.id}  ${e.fields.map((f) => f.field).join(', ')}`)
    if (!result.added.length && !result.removed.length && !result.modified.length) console.log('  no change')
  }
  return 0
}

const CSV_COLUMNS = [
  'vendor',
  'registry',
  'version',
  'published',
  'evidence',
  'last_check',
  'subprocessor_id',
  'name',
  'purpose',
  'location',
  'regions',
]

/** One field as RFC 4180 wants it, and never a formula when a spreadsheet opens it. */
const csvField = (value: string) => {
  // Full-width signs and leading spaces start formulas too (OWASP CSV injection).
  const safe = /^(?:[\t\r]|\s*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20])/u.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

async function exportPortfolio(): Promise<number> {
  if (options.format !== 'csv' && options.format !== 'json') usage('export needs --format csv or --format json')
  const state = await watcher.store.load()
  const rows = Object.values(state.registries).flatMap((registry: RegistryState) =>
    registry.entries.map((entry) => ({
      vendor: registry.vendor,
      registry: registry.url,
      version: registry.version,
      published: registry.publishedAt,
      // A failed check keeps the last good state, but the working paper must show the failure.
      evidence: registry.lastCheck?.outcome === 'evidence' ? 'failed' : registry.evidence,
      last_check: registry.lastCheck ? `${registry.lastCheck.outcome} ${registry.lastCheck.at}` : '',
      subprocessor_id: entry.id,
      name: entry.name ?? '',
      purpose: entry.purpose ?? '',
      location: entry.location ?? '',
      regions: entry.regions.join(' '),
    })),
  )
  if (options.format === 'json') print({ registries: Object.keys(state.registries).length, rows })
  else {
    const lines = [
      CSV_COLUMNS.join(','),
      ...rows.map((row) => CSV_COLUMNS.map((c) => csvField(String(row[c as keyof typeof row]))).join(',')),
    ]
    process.stdout.write(`\ufeff${lines.join('\r\n')}\r\n`)
  }
  return 0
}

async function receive(): Promise<number> {
  const port = number('port', options.port) ?? usage('receive needs --port P')
  const secret = options.secret ?? process.env.WEBHOOK_SECRET ?? usage('receive needs --secret (or WEBHOOK_SECRET)')
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req) {
      size += (chunk as Buffer).byteLength
      if (size > 1024 * 1024) return res.writeHead(413).end()
      chunks.push(chunk as Buffer)
    }
    const body = Buffer.concat(chunks).toString('utf8')
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]))
    try {
      const delivery = verifyDelivery(secret, headers, body)
      await appendFile(options.log!, `${JSON.stringify({ receivedAt: new Date().toISOString(), ...delivery })}\n`)
      console.log(`${delivery.type} ${delivery.id}: verified and recorded in ${options.log}`)
      res.writeHead(204).end()
    } catch (error) {
      console.error(`Refused a delivery: ${(error as Error).message}`)
      res
        .writeHead(400, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ error: (error as Error).message }))
    }
  })
  await new Promise<void>((listening) => server.listen(port, '127.0.0.1', listening))
  console.log(`Receiving webhook deliveries at http://127.0.0.1:${port}/`)
  await new Promise((closed) => server.on('close', closed))
  return 0
}

async function conformance(url: string): Promise<number> {
  const report = await conform(url, {
    key: options.key,
    limits: options.timeout ? { timeoutMs: number('timeout', options.timeout)! * 1000 } : {},
  })
  if (options.json) print(report)
  else {
    for (const check of report.checks)
      console.log(
        `${check.ok ? 'PASS' : 'FAIL'}  ${check.level.padEnd(8)}  ${check.must}${check.detail ? ` (${check.detail})` : ''}`,
      )
    console.log(
      `\n${Object.entries(report.levels)
        .map(([level, verdict]) => `${level}: ${verdict}`)
        .join(', ')}`,
    )
  }
  return Object.values(report.levels).includes('fail') ? 1 : 0
}

// Last: every declaration above is initialised before the command runs.
const [command, ...args] = positionals
if (options.help || !command) usage()

try {
  process.exitCode = await run(command!, args)
} catch (error) {
  if (!(error instanceof WatchError)) throw error
  if (options.json) print({ error: { kind: error.kind, message: error.message, hint: error.hint } })
  else console.error(`${error.message}.\n${error.hint}`)
  process.exitCode = error.kind === 'evidence' ? EXIT.evidence : EXIT.error
}
