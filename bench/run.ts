/**
 * `npm run bench [-- --quick]`: loads the built Worker with autocannon on 127.0.0.1, beside a
 * constant-response floor and a naive peer, under one Miniflare per registry size, and reads the
 * workerd process's CPU time per request. Writes bench/results.json and prints a table. Every
 * figure is a ratio within one run; absolute numbers on a shared 2-core machine are noise.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { type LoadCase, measureRounds, median, type Round, type RoundPlan, trimmedMean } from './rounds'
import { findWorkerdPid } from './workerd-cpu'
import { loadData } from '../src/cli/load-data'
import { generateData } from '../test/support/generate'
import { bundleWorker, publishData, ROOT, serveRegistry } from '../test/support/harness'

const quick = process.argv.includes('--quick')
const SIZES = [14, 1000, 10000]
// Many short rounds, every case taking its turn in a new order each round, so that the load other
// processes put on the machine, which changes from second to second, falls on every case alike.
// A round lasts a fixed amount of workerd CPU rather than of wall time, or roundMaxSeconds where
// the load generator, not workerd, is the bottleneck (multi-megabyte lists at 10,000 entries).
const PLAN: RoundPlan = quick
  ? { rounds: 24, roundCpuTicks: 40, roundMaxSeconds: 1.5, warmupSeconds: 0.5, connections: 8 }
  : { rounds: 40, roundCpuTicks: 60, roundMaxSeconds: 3, warmupSeconds: 1, connections: 8 }
const LIST = '/subprocessors.json?region=eu&lang=en'
const NAIVE_REGISTRY_KEY = 'naive/registry.json'

/**
 * A benchmark case. Its targets are ratios to the floor at the same size: `rpsAtLeast` of the
 * floor's request rate, `cpuAtMost` of its workerd CPU time per request.
 */
interface Case {
  name: string
  path: string
  /** Routes the request to another Worker on the same Miniflare. */
  host?: string
  /** Sends If-None-Match with the ETag that `path` answers with, and expects 304. */
  revalidate?: boolean
  rpsAtLeast?: number
  cpuAtMost?: number
}

const FLOOR = 'floor'
// One line per case; every ratio is to the floor.
const CASES: Case[] = [
  { name: FLOOR, host: 'floor.bench', path: '/' },
  { name: 'get-json', path: LIST, rpsAtLeast: 0.85, cpuAtMost: 1.15 },
  { name: 'get-csv', path: '/subprocessors.csv?region=eu&lang=en', cpuAtMost: 1.15 },
  { name: 'get-html', path: '/subprocessors.html?region=eu&lang=en', cpuAtMost: 1.15 },
  { name: 'revalidate-304', path: LIST, revalidate: true, rpsAtLeast: 0.9, cpuAtMost: 1.1 },
  // Its rounds interleave with the rest: each round first waits until workerd is idle, so the
  // garbage it leaves is collected before the next case's round starts.
  { name: 'naive-peer', host: 'naive.bench', path: LIST },
]

interface Run {
  size: number
  case: string
  rps: number
  p50_ms: number
  p99_ms: number
  cpu_us_per_request: number
  rounds: Round[]
}

function loadCase(base: string, c: Case, etags: Map<string, string>): LoadCase {
  const headers: Record<string, string> = {}
  if (c.host) headers.host = c.host
  if (c.revalidate) headers['if-none-match'] = etags.get(c.path)!
  return { name: c.name, url: `${base}${c.path}`, headers, status: c.revalidate ? 304 : 200 }
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
      const etags = new Map<string, string>()
      for (const { path } of CASES.filter((c) => c.revalidate)) {
        const response = await fetch(`${probe.url}${path}`, { headers: { 'accept-encoding': 'identity' } })
        await response.arrayBuffer()
        etags.set(path, response.headers.get('ETag')!)
      }
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
        const rounds = await measureRounds(CASES.map((c) => loadCase(url, c, etags)), findWorkerdPid(), PLAN)
        for (const c of CASES) {
          const measured = rounds.get(c.name)!
          // Request rate: the median round, with its own latencies. CPU: the trimmed mean of the rounds.
          const byRate = [...measured].sort((a, b) => a.rps - b.rps)
          const middle = byRate[Math.floor(byRate.length / 2)]!
          const cpu = trimmedMean(measured.map((round) => round.cpu_us_per_request))
          const run: Run = { size, case: c.name, rps: middle.rps, p50_ms: middle.p50_ms, p99_ms: middle.p99_ms, cpu_us_per_request: Number(cpu.toFixed(1)), rounds: measured }
          runs.push(run)
          console.log(`  ${c.name.padEnd(15)} ${run.rps.toFixed(0).padStart(6)} req/s  p50 ${run.p50_ms} ms  p99 ${run.p99_ms} ms  ${run.cpu_us_per_request.toFixed(0).padStart(6)} µs CPU/req  (req/s ${byRate[0]!.rps.toFixed(0)}–${byRate.at(-1)!.rps.toFixed(0)}, µs ${Math.min(...measured.map((r) => r.cpu_us_per_request)).toFixed(0)}–${Math.max(...measured.map((r) => r.cpu_us_per_request)).toFixed(0)})`)
        }
      } finally {
        await mf.dispose()
      }
    }

    const otherCores = median(runs.flatMap((run) => run.rounds.map((round) => round.other_cores)))
    const results = { runs, bundle_gzip_bytes: gzipBytes, publish_seconds: publishSeconds, other_cores: otherCores }
    await writeFile(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`)
    console.log(`\n${table(runs)}\n`)
    console.log(verdicts(results).join('\n'))
    console.log(`\nWrote bench/results.json in ${((performance.now() - started) / 1000).toFixed(0)} s (${quick ? 'quick' : 'full'}: ${PLAN.rounds} rounds per case of ${PLAN.roundCpuTicks} ticks of workerd CPU or ${PLAN.roundMaxSeconds} s, ${PLAN.connections} connections).`)
    console.log(`Other processes kept ${otherCores.toFixed(2)} of ${availableParallelism()} cores busy in the median round.`)
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

const runOf = (runs: Run[], size: number, name: string) => runs.find((run) => run.size === size && run.case === name)!
const rpsOf = (runs: Run[], size: number, name: string) => runOf(runs, size, name).rps
const rpsRatio = (runs: Run[], run: Run) => run.rps / rpsOf(runs, run.size, FLOOR)
const cpuRatio = (runs: Run[], run: Run) => run.cpu_us_per_request / runOf(runs, run.size, FLOOR).cpu_us_per_request

export function table(runs: Run[]): string {
  const lines = ['| entries | case | req/s | p50 ms | p99 ms | × floor | CPU µs/req | CPU × floor |', '|---:|---|---:|---:|---:|---:|---:|---:|']
  for (const run of runs) {
    lines.push(`| ${run.size} | ${run.case} | ${run.rps.toFixed(0)} | ${run.p50_ms} | ${run.p99_ms} | ${rpsRatio(runs, run).toFixed(2)} | ${run.cpu_us_per_request.toFixed(0)} | ${cpuRatio(runs, run).toFixed(2)} |`)
  }
  return lines.join('\n')
}

export function verdicts({ runs, bundle_gzip_bytes, publish_seconds }: { runs: Run[]; bundle_gzip_bytes: number; publish_seconds: Record<string, number> }): string[] {
  const check = (ok: boolean, text: string) => `${ok ? 'met    ' : 'MISSED '} ${text}`
  const lines: string[] = []
  for (const size of SIZES) {
    for (const c of CASES) {
      const run = runOf(runs, size, c.name)
      if (c.rpsAtLeast !== undefined) lines.push(check(rpsRatio(runs, run) >= c.rpsAtLeast, `${size}: ${c.name} ${rpsRatio(runs, run).toFixed(2)} × floor req/s (≥ ${c.rpsAtLeast.toFixed(2)})`))
      if (c.cpuAtMost !== undefined) lines.push(check(cpuRatio(runs, run) <= c.cpuAtMost, `${size}: ${c.name} ${cpuRatio(runs, run).toFixed(2)} × floor CPU/req (≤ ${c.cpuAtMost.toFixed(2)})`))
    }
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
