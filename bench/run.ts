/**
 * `npm run bench [-- --quick]`: loads the built Worker with autocannon on 127.0.0.1, beside a
 * constant-response floor and a naive peer, under one Miniflare per registry size. Writes
 * bench/results.json and prints a table. Every figure is a ratio within one run; absolute
 * numbers on a shared 2-core machine are noise.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { build } from 'esbuild'
import { loadData } from '../src/cli/load-data'
import { generateData } from './generate'
import { bundleWorker, publishData, ROOT, serveRegistry } from './harness'

const quick = process.argv.includes('--quick')
const SIZES = [14, 1000, 10000]
// Cases take turns, round after round, so that drift in the machine's load spreads over all of them.
const ROUNDS = quick ? 5 : 7
const SECONDS = quick ? 1 : 4
const WARMUP_SECONDS = quick ? 0.5 : 1
const CONNECTIONS = 8
const LIST = '/subprocessors.json?region=eu&lang=en'
const NAIVE_REGISTRY_KEY = 'naive/registry.json'

interface Run {
  size: number
  case: string
  rps: number
  p50_ms: number
  p99_ms: number
}

interface Case {
  name: string
  host?: string
  path: string
  headers?: Record<string, string>
  status: number
}

async function load(base: string, c: Case, seconds: number): Promise<autocannon.Result> {
  const result = await autocannon({
    url: `${base}${c.path}`,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { ...(c.host ? { host: c.host } : {}), ...c.headers },
  })
  const statuses = Object.keys(result.statusCodeStats ?? {})
  if (result.errors || result.timeouts || statuses.some((status) => Number(status) !== c.status)) {
    throw new Error(`${c.name}: expected only ${c.status}, got ${JSON.stringify(result.statusCodeStats)}, ${result.errors} errors, ${result.timeouts} timeouts`)
  }
  return result
}

const FLOOR_BODY_KEY = 'bench/floor-body'

/**
 * A Worker that answers every request with a constant copy of one response: the same headers and
 * body bytes. It reads the bytes from KV once, so they sit in memory as the registry's do; a body
 * built by TextEncoder in the script measured up to twice as slow to send, which would flatter us.
 */
function floorWorker(headers: Record<string, string>): string {
  return `const HEADERS = ${JSON.stringify(headers)}
let body
export default { async fetch(request, env) {
  body ??= new Uint8Array(await env.REGISTRY.get(${JSON.stringify(FLOOR_BODY_KEY)}, 'arrayBuffer'))
  return new Response(body, { headers: HEADERS })
} }`
}

async function main() {
  const started = performance.now()
  const work = await mkdtemp(join(tmpdir(), 'registry-bench-'))
  try {
    const { scriptPath, gzipBytes, wranglerReport } = await bundleWorker(join(work, 'dist'))
    console.log(`Worker bundle: ${gzipBytes} bytes gzip (wrangler: ${wranglerReport})`)
    const naivePath = join(work, 'naive', 'index.js')
    await build({ entryPoints: [join(ROOT, 'bench', 'naive-peer.ts')], bundle: true, format: 'esm', platform: 'neutral', outfile: naivePath, logLevel: 'error' })

    const runs: Run[] = []
    const publishSeconds: Record<string, number> = {}
    for (const size of SIZES) {
      const dataDir = size === 14 ? join(ROOT, 'data') : join(work, `data-${size}`)
      if (size !== 14) await generateData(size, dataDir)
      const loaded = await loadData(dataDir)
      if (!loaded.ok || loaded.data.subprocessors.subprocessors.length !== size) throw new Error(`${dataDir} does not hold ${size} valid entries`)
      const state = join(work, `state-${size}`)
      const published = await publishData(dataDir, state)
      publishSeconds[String(size)] = Number(published.seconds.toFixed(2))
      console.log(`\n${size} entries: published in ${published.seconds.toFixed(2)} s`)

      // The floor answers with a constant copy of the list it stands beside, headers and all,
      // so that a ratio to it measures the Worker's own work per request and nothing else.
      const probe = await serveRegistry({ scriptPath, persistTo: state })
      // autocannon asks for no compression, so neither does the probe.
      const first = await fetch(`${probe.url}${LIST}`, { headers: { 'accept-encoding': 'identity' } })
      const listBody = new Uint8Array(await first.arrayBuffer())
      const listHeaders = Object.fromEntries([...first.headers].filter(([name]) => !['content-length', 'content-encoding', 'transfer-encoding'].includes(name)))
      const etag = first.headers.get('ETag')!
      await probe.mf.dispose()

      const { mf, url } = await serveRegistry({
        scriptPath,
        persistTo: state,
        others: [
          { name: 'floor', modules: true, script: floorWorker(listHeaders), routes: ['floor.bench/*'] },
          { name: 'naive', modules: true, scriptPath: naivePath, modulesRoot: join(work, 'naive'), routes: ['naive.bench/*'], bindings: { NAIVE_REGISTRY_KEY } },
        ],
      })
      try {
        const kv = await mf.getKVNamespace('REGISTRY')
        await kv.put(FLOOR_BODY_KEY, listBody)
        await kv.put(NAIVE_REGISTRY_KEY, JSON.stringify(loaded.data))
        const cases: Case[] = [
          { name: 'floor', host: 'floor.bench', path: '/', status: 200 },
          { name: 'get-json', path: LIST, status: 200 },
          { name: 'get-csv', path: '/subprocessors.csv?region=eu&lang=en', status: 200 },
          { name: 'get-html', path: '/subprocessors.html?region=eu&lang=en', status: 200 },
          { name: 'revalidate-304', path: LIST, headers: { 'if-none-match': etag }, status: 304 },
          { name: 'naive-peer', host: 'naive.bench', path: LIST, status: 200 },
        ]
        const rounds = new Map<string, autocannon.Result[]>(cases.map((c) => [c.name, []]))
        // The naive peer renders a whole registry per request; its garbage would land on whichever
        // case came next, so it runs its rounds after the others.
        const [naive, ...ours] = [cases.at(-1)!, ...cases.slice(0, -1)]
        for (const group of [ours, [naive]]) {
          for (let round = 0; round < ROUNDS; round++) {
            // A new order every round, so that no case always follows the same neighbour.
            for (const c of shuffled(group, round)) {
              if (round === 0) await load(url, c, WARMUP_SECONDS)
              rounds.get(c.name)!.push(await load(url, c, SECONDS))
            }
          }
        }
        for (const c of cases) {
          // The median round by throughput, with its own latencies.
          const sorted = rounds.get(c.name)!.sort((a, b) => a.requests.average - b.requests.average)
          const median = sorted[Math.floor(sorted.length / 2)]!
          const run = { size, case: c.name, rps: Number(median.requests.average.toFixed(1)), p50_ms: median.latency.p50, p99_ms: median.latency.p99 }
          runs.push(run)
          console.log(`  ${c.name.padEnd(15)} ${String(run.rps).padStart(9)} req/s  p50 ${run.p50_ms} ms  p99 ${run.p99_ms} ms  (rounds: ${sorted.map((r) => r.requests.average.toFixed(0)).join(', ')})`)
        }
      } finally {
        await mf.dispose()
      }
    }

    const results = { runs, bundle_gzip_bytes: gzipBytes, publish_seconds: publishSeconds }
    await writeFile(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`)
    console.log(`\n${table(runs)}\n`)
    console.log(verdicts(results).join('\n'))
    console.log(`\nWrote bench/results.json in ${((performance.now() - started) / 1000).toFixed(0)} s (${quick ? 'quick' : 'full'}: median of ${ROUNDS} rounds of ${SECONDS} s per case after ${WARMUP_SECONDS} s of warm-up, ${CONNECTIONS} connections).`)
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

/** A deterministic shuffle, so that two runs take the cases in the same orders. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items]
  // mulberry32 in 32-bit integer steps: a float LCG past 2^53 drops its low bits, and left the
  // floor in the same slot in most rounds.
  let state = (seed * 0x9e3779b9) >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = Math.imul(state ^ (state >>> 15), state | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

const rpsOf = (runs: Run[], size: number, name: string) => runs.find((run) => run.size === size && run.case === name)!.rps

export function table(runs: Run[]): string {
  const lines = ['| entries | case | req/s | p50 ms | p99 ms | × floor |', '|---:|---|---:|---:|---:|---:|']
  for (const run of runs) {
    lines.push(`| ${run.size} | ${run.case} | ${run.rps.toFixed(0)} | ${run.p50_ms} | ${run.p99_ms} | ${(run.rps / rpsOf(runs, run.size, 'floor')).toFixed(2)} |`)
  }
  return lines.join('\n')
}

export function verdicts({ runs, bundle_gzip_bytes, publish_seconds }: { runs: Run[]; bundle_gzip_bytes: number; publish_seconds: Record<string, number> }): string[] {
  const check = (ok: boolean, text: string) => `${ok ? 'met    ' : 'MISSED '} ${text}`
  const lines: string[] = []
  for (const size of SIZES) {
    const floor = rpsOf(runs, size, 'floor')
    lines.push(check(rpsOf(runs, size, 'get-json') >= 0.85 * floor, `${size}: get-json ${(rpsOf(runs, size, 'get-json') / floor).toFixed(2)} × floor (≥ 0.85)`))
    lines.push(check(rpsOf(runs, size, 'revalidate-304') >= 0.9 * floor, `${size}: revalidate-304 ${(rpsOf(runs, size, 'revalidate-304') / floor).toFixed(2)} × floor (≥ 0.90)`))
  }
  const naive = rpsOf(runs, 1000, 'get-json') / rpsOf(runs, 1000, 'naive-peer')
  lines.push(check(naive >= 3, `1000: get-json ${naive.toFixed(1)} × naive-peer (≥ 3)`))
  const growth = rpsOf(runs, 10000, 'revalidate-304') / rpsOf(runs, 14, 'revalidate-304')
  lines.push(check(growth >= 0.85, `revalidate-304 at 10000 is ${growth.toFixed(2)} × its rate at 14 (within 15%)`))
  lines.push(check(bundle_gzip_bytes <= 64 * 1024, `bundle ${(bundle_gzip_bytes / 1024).toFixed(1)} KiB gzip (≤ 64 KiB)`))
  lines.push(check((publish_seconds['10000'] ?? Infinity) <= 15, `publishing 10000 entries took ${publish_seconds['10000']} s (≤ 15 s)`))
  return lines
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main()
