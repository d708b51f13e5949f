/**
 * `npm run bench [-- --quick] [--history N] [--sizes 14,1000,10000]`: loads the built Worker with autocannon on
 * 127.0.0.1, beside a constant-response floor and a naive peer, under one Miniflare per registry
 * (three sizes; then a long synthetic history and a registry of one version with the same list),
 * and reads the workerd process's CPU time per request. Writes bench/results.json and prints a
 * table. Every figure is a ratio within one run; absolute numbers on a shared 2-core machine are
 * noise.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { type LoadCase, measureRounds, median, type Round, type RoundPlan, trimmedMean } from './rounds'
import { findWorkerdPid } from './workerd-cpu'
import { parseArgs } from 'node:util'
import { loadData } from '../src/cli/load-data'
import { generateData } from '../test/support/generate'
import { copyState, historyRegistry, writeNextData, writeOneVersionData } from './history'
import { type Release, viewPath } from '../src/domain/representation'
import { CURRENT_RELEASE_KEY, representationKey } from '../src/storage/keys'
import { bundleWorker, publishData, ROOT, serveRegistry } from '../test/support/harness'

const { values: options } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, history: { type: 'string', default: '1000' }, sizes: { type: 'string', default: '14,1000,10000' } },
})
const quick = options.quick
// 0 leaves the history registries out.
const HISTORY_VERSIONS = Number(options.history)
const SIZES = options.sizes.split(',').filter(Boolean).map(Number)
// Many short rounds, every case taking its turn in a new order each round, so that the load other
// processes put on the machine, which changes from second to second, falls on every case alike.
// A round lasts a fixed amount of workerd CPU rather than of wall time, or roundMaxSeconds where
// the load generator, not workerd, is the bottleneck (multi-megabyte lists at 10,000 entries).
const PLAN: RoundPlan = quick
  ? { rounds: 24, roundCpuTicks: 40, roundMaxSeconds: 1.5, warmupSeconds: 0.5, connections: 8 }
  : { rounds: 40, roundCpuTicks: 60, roundMaxSeconds: 3, warmupSeconds: 1, connections: 8 }
const LIST = '/subprocessors.json?region=eu&lang=en'
const ATOM = '/changes.atom?region=eu&lang=en'
const NAIVE_REGISTRY_KEY = 'naive/registry.json'

/**
 * A benchmark case. Its targets are ratios to its floor in the same registry: `rpsAtLeast` of the
 * floor's request rate, `cpuAtMost` of its workerd CPU time per request.
 */
interface Case {
  name: string
  path: string
  /** A floor: a Worker beside the registry that answers with a constant copy of `path`'s response. */
  floor?: true
  /** The floor this case is measured against; `floor` (a copy of the get-json list) unless named. */
  against?: string
  /** Sends If-None-Match with the ETag that `path` answers with, and expects 304. */
  revalidate?: boolean
  /** The naive peer, another Worker on the same Miniflare. */
  naive?: true
  /** A cold-path probe: a Worker that reads `path`'s stored value from KV on every request, and with 'verify' hashes it too. */
  probe?: 'read' | 'verify'
  rpsAtLeast?: number
  cpuAtMost?: number
}

const FLOOR = 'floor'
// One line per case; every ratio is to the case's floor.
const SIZE_CASES: Case[] = [
  { name: FLOOR, path: LIST, floor: true },
  { name: 'get-json', path: LIST, rpsAtLeast: 0.85, cpuAtMost: 1.15 },
  { name: 'get-csv', path: '/subprocessors.csv?region=eu&lang=en', cpuAtMost: 1.15 },
  { name: 'get-html', path: '/subprocessors.html?region=eu&lang=en', cpuAtMost: 1.15 },
  { name: 'revalidate-304', path: LIST, revalidate: true, rpsAtLeast: 0.9, cpuAtMost: 1.1 },
  // Its rounds interleave with the rest: each round first waits until workerd is idle, so the
  // garbage it leaves is collected before the next case's round starts.
  { name: 'naive-peer', path: LIST, naive: true },
  // What the Worker's cold path does once per value per isolate: read the list from KV, and check
  // it against its ETag. Their difference is what checking costs.
  { name: 'kv-read', path: LIST, probe: 'read' },
  { name: 'kv-verify', path: LIST, probe: 'verify' },
]

/**
 * History's cases, in a registry of `latest` versions. The feed is measured against a floor that
 * sends the feed's own bytes: a one-version registry's feed is empty, a long history's holds the
 * latest 50 changes, and only the Worker's work per request is comparable between them.
 */
const historyCases = (latest: number): Case[] => [
  { name: FLOOR, path: LIST, floor: true },
  { name: 'get-json', path: LIST, rpsAtLeast: 0.85, cpuAtMost: 1.15 },
  { name: 'revalidate-304', path: LIST, revalidate: true, rpsAtLeast: 0.9, cpuAtMost: 1.1 },
  { name: 'get-version', path: `${LIST}&version=${Math.ceil(latest / 2)}`, rpsAtLeast: 0.85, cpuAtMost: 1.15 },
  { name: 'atom-floor', path: ATOM, floor: true },
  { name: 'atom', path: ATOM, against: 'atom-floor', rpsAtLeast: 0.85, cpuAtMost: 1.15 },
  { name: 'atom-304', path: ATOM, revalidate: true, rpsAtLeast: 0.9, cpuAtMost: 1.1 },
  { name: 'since-304', path: `/changes.json?region=eu&lang=en&since=${Math.max(0, latest - 4)}`, revalidate: true, rpsAtLeast: 0.9, cpuAtMost: 1.1 },
]

/** The cases whose cost must not grow with history: each, × its floor, against the one-version registry's. */
const HISTORY_NEUTRAL = ['get-json', 'revalidate-304', 'get-version', 'atom', 'atom-304', 'since-304']
const HISTORY_TOLERANCE = 1.1

/** A registry to load: where its state is, and the data its naive peer is given. */
interface Registry {
  label: string
  cases: Case[]
  prepare(work: string, publishSeconds: Record<string, number>): Promise<{ state: string; dataDir: string }>
}

const sizeRegistry = (size: number): Registry => ({
  label: `${size} entries`,
  cases: SIZE_CASES,
  async prepare(work, publishSeconds) {
    const dataDir = size === 14 ? join(ROOT, 'data') : join(work, `data-${size}`)
    if (size !== 14) await generateData(size, dataDir)
    const state = join(work, `state-${size}`)
    const published = await publishData(dataDir, state)
    publishSeconds[String(size)] = Number(published.seconds.toFixed(2))
    console.log(`\n${size} entries: published in ${published.seconds.toFixed(2)} s`)
    return { state, dataDir }
  },
})

/**
 * The long history, built once and kept (bench/history.ts), then the next version published on a
 * copy of it and timed; and a registry of one version with the list that history has in force.
 */
function historyRegistries(versions: number): Registry[] {
  let built: ReturnType<typeof historyRegistry> | undefined
  const history = () =>
    (built ??= historyRegistry(versions, (version, seconds) => {
      if (version % 100 === 0) console.log(`  built version ${version} of ${versions} (${seconds.toFixed(2)} s for the last)`)
    }))
  return [
    {
      label: '1 version',
      cases: historyCases(1),
      async prepare(work) {
        const dataDir = join(work, 'data-one-version')
        await writeOneVersionData(await history(), dataDir)
        const state = join(work, 'state-one-version')
        await publishData(dataDir, state)
        console.log(`\n1 version, the list the history has in force now`)
        return { state, dataDir }
      },
    },
    {
      label: `${versions} versions`,
      cases: historyCases(versions),
      async prepare(work, publishSeconds) {
        const started = performance.now()
        const { persistTo, dataDir, buildSeconds } = await history()
        console.log(`\n${versions} versions: ${buildSeconds ? `built in ${buildSeconds.toFixed(0)} s` : 'built before'} (${((performance.now() - started) / 1000).toFixed(0)} s)`)
        // The next version, on a copy, so that the built history stays as it is for the next run.
        const copy = join(work, 'state-history-next')
        await copyState(persistTo, copy)
        const nextData = join(work, 'data-history-next')
        await writeNextData(await history(), versions, nextData)
        const next = await publishData(nextData, copy)
        if (!next.stdout.includes(`Published version ${versions + 1} `)) throw new Error(`the next publish did not make version ${versions + 1}:\n${next.stdout}`)
        publishSeconds[`version ${versions + 1}`] = Number(next.seconds.toFixed(2))
        console.log(`  version ${versions + 1} published on top in ${next.seconds.toFixed(2)} s`)
        return { state: persistTo, dataDir }
      },
    },
  ]
}

interface Run {
  registry: string
  case: string
  rps: number
  p50_ms: number
  p99_ms: number
  cpu_us_per_request: number
  rounds: Round[]
}

function loadCase(base: string, c: Case, etags: Map<string, string>): LoadCase {
  const headers: Record<string, string> = {}
  if (c.floor || c.probe) headers.host = `${c.name}.bench`
  if (c.naive) headers.host = 'naive.bench'
  if (c.revalidate) headers['if-none-match'] = etags.get(c.path)!
  return { name: c.name, url: `${base}${c.path}`, headers, status: c.revalidate ? 304 : 200 }
}

/**
 * A Worker that answers every request with a constant copy of one response: the same headers and
 * body bytes. It reads the bytes from KV once, so they sit in memory as the registry's do; a body
 * built by TextEncoder in the script measured up to twice as slow to send, which would flatter us.
 */
/** Reads one stored value on every request, as a cold isolate does once, and with `verify` hashes it as the reader does. */
function probeWorker(key: string, verify: boolean): string {
  return `export default { async fetch(request, env) {
  const body = await env.REGISTRY.get(${JSON.stringify(key)}, 'arrayBuffer')
  ${verify ? "const digest = await crypto.subtle.digest('SHA-256', body)" : 'const digest = body'}
  return new Response(String(body.byteLength + digest.byteLength))
} }`
}

function floorWorker(headers: Record<string, string>, bodyKey: string): string {
  return `const HEADERS = ${JSON.stringify(headers)}
let body
export default { async fetch(request, env) {
  body ??= new Uint8Array(await env.REGISTRY.get(${JSON.stringify(bodyKey)}, 'arrayBuffer'))
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
    const registries = [...SIZES.map(sizeRegistry), ...(HISTORY_VERSIONS > 0 ? historyRegistries(HISTORY_VERSIONS) : [])]
    for (const registry of registries) {
      const { state, dataDir } = await registry.prepare(work, publishSeconds)
      const loaded = await loadData(dataDir)
      if (!loaded.ok) throw new Error(`${dataDir} does not validate`)

      // Each floor answers with a constant copy of the response it stands beside, headers and
      // all, so that a ratio to it measures the Worker's own work per request and nothing else.
      const probe = await serveRegistry({ scriptPath, persistTo: state })
      // autocannon asks for no compression, so neither does the probe.
      const fetchPlain = (path: string) => fetch(`${probe.url}${path}`, { headers: { 'accept-encoding': 'identity' } })
      const floors: { name: string; body: Uint8Array; headers: Record<string, string> }[] = []
      for (const c of registry.cases.filter((c) => c.floor)) {
        const res = await fetchPlain(c.path)
        if (res.status !== 200) throw new Error(`${registry.label}: ${c.path} answered ${res.status}`)
        const headers = Object.fromEntries([...res.headers].filter(([name]) => !['content-length', 'content-encoding', 'transfer-encoding'].includes(name)))
        floors.push({ name: c.name, body: new Uint8Array(await res.arrayBuffer()), headers })
      }
      const etags = new Map<string, string>()
      for (const { path } of registry.cases.filter((c) => c.revalidate || !(c.floor || c.probe))) {
        const res = await fetchPlain(path)
        await res.arrayBuffer()
        if (res.status !== 200) throw new Error(`${registry.label}: ${path} answered ${res.status}`)
        etags.set(path, res.headers.get('ETag')!)
      }
      const stored = JSON.parse((await (await probe.mf.getKVNamespace('REGISTRY')).get(CURRENT_RELEASE_KEY, 'text'))!) as Release
      const listKey = representationKey(stored, 0, viewPath({ kind: 'list', region: 'eu', lang: 'en', format: 'json' }))
      await probe.mf.dispose()

      const { mf, url } = await serveRegistry({
        scriptPath,
        persistTo: state,
        others: [
          ...floors.map(({ name, headers }) => ({ name, modules: true, script: floorWorker(headers, `bench/${name}-body`), routes: [`${name}.bench/*`] })),
          ...registry.cases.filter((c) => c.probe).map((c) => ({ name: c.name, modules: true, script: probeWorker(listKey, c.probe === 'verify'), routes: [`${c.name}.bench/*`] })),
          { name: 'naive', modules: true, scriptPath: naivePath, modulesRoot: join(work, 'naive'), routes: ['naive.bench/*'], bindings: { NAIVE_REGISTRY_KEY } },
        ],
      })
      try {
        const kv = await mf.getKVNamespace('REGISTRY')
        for (const { name, body } of floors) await kv.put(`bench/${name}-body`, body)
        if (registry.cases.some((c) => c.naive)) await kv.put(NAIVE_REGISTRY_KEY, JSON.stringify(loaded.data))
        const rounds = await measureRounds(registry.cases.map((c) => loadCase(url, c, etags)), findWorkerdPid(), PLAN)
        for (const c of registry.cases) {
          const measured = rounds.get(c.name)!
          // Request rate: the median round, with its own latencies. CPU: the trimmed mean of the rounds.
          const byRate = [...measured].sort((a, b) => a.rps - b.rps)
          const middle = byRate[Math.floor(byRate.length / 2)]!
          const cpu = trimmedMean(measured.map((round) => round.cpu_us_per_request))
          const run: Run = { registry: registry.label, case: c.name, rps: middle.rps, p50_ms: middle.p50_ms, p99_ms: middle.p99_ms, cpu_us_per_request: Number(cpu.toFixed(1)), rounds: measured }
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

const runOf = (runs: Run[], registry: string, name: string) => runs.find((run) => run.registry === registry && run.case === name)!
const rpsOf = (runs: Run[], registry: string, name: string) => runOf(runs, registry, name).rps
const casesOf = (registry: string) => (registry.endsWith('entries') ? SIZE_CASES : historyCases(Number.parseInt(registry, 10)))
const floorOf = (run: Run) => casesOf(run.registry).find((c) => c.name === run.case)?.against ?? FLOOR
const rpsRatio = (runs: Run[], run: Run) => run.rps / rpsOf(runs, run.registry, floorOf(run))
const cpuRatio = (runs: Run[], run: Run) => run.cpu_us_per_request / runOf(runs, run.registry, floorOf(run)).cpu_us_per_request

export function table(runs: Run[]): string {
  const lines = ['| registry | case | req/s | p50 ms | p99 ms | × floor | CPU µs/req | CPU × floor |', '|---|---|---:|---:|---:|---:|---:|---:|']
  for (const run of runs) {
    lines.push(`| ${run.registry} | ${run.case} | ${run.rps.toFixed(0)} | ${run.p50_ms} | ${run.p99_ms} | ${rpsRatio(runs, run).toFixed(2)} | ${run.cpu_us_per_request.toFixed(0)} | ${cpuRatio(runs, run).toFixed(2)} |`)
  }
  return lines.join('\n')
}

export function verdicts({ runs, bundle_gzip_bytes, publish_seconds }: { runs: Run[]; bundle_gzip_bytes: number; publish_seconds: Record<string, number> }): string[] {
  const check = (ok: boolean, text: string) => `${ok ? 'met    ' : 'MISSED '} ${text}`
  const lines: string[] = []
  const registries = [...new Set(runs.map((run) => run.registry))]
  for (const registry of registries) {
    for (const c of casesOf(registry)) {
      const run = runOf(runs, registry, c.name)
      const floor = c.against ?? FLOOR
      if (c.rpsAtLeast !== undefined) lines.push(check(rpsRatio(runs, run) >= c.rpsAtLeast, `${registry}: ${c.name} ${rpsRatio(runs, run).toFixed(2)} × ${floor} req/s (≥ ${c.rpsAtLeast.toFixed(2)})`))
      if (c.cpuAtMost !== undefined) lines.push(check(cpuRatio(runs, run) <= c.cpuAtMost, `${registry}: ${c.name} ${cpuRatio(runs, run).toFixed(2)} × ${floor} CPU/req (≤ ${c.cpuAtMost.toFixed(2)})`))
    }
  }
  for (const registry of registries.filter((registry) => casesOf(registry).some((c) => c.probe))) {
    const read = runOf(runs, registry, 'kv-read').cpu_us_per_request
    const verify = runOf(runs, registry, 'kv-verify').cpu_us_per_request
    lines.push(`cold    ${registry}: checking the list against its ETag adds ${(verify - read).toFixed(0)} µs CPU to a cold load (KV read ${read.toFixed(0)} µs, ${(verify / read).toFixed(2)} ×); a warm request never checks`)
  }
  if (registries.includes('1000 entries')) {
    const naive = rpsOf(runs, '1000 entries', 'get-json') / rpsOf(runs, '1000 entries', 'naive-peer')
    lines.push(check(naive >= 3, `1000 entries: get-json ${naive.toFixed(1)} × naive-peer (≥ 3)`))
  }
  if (registries.includes('10000 entries') && registries.includes('14 entries')) {
    const growth = rpsOf(runs, '10000 entries', 'revalidate-304') / rpsOf(runs, '14 entries', 'revalidate-304')
    lines.push(check(growth >= 0.85, `revalidate-304 at 10000 entries is ${growth.toFixed(2)} × its rate at 14 (within 15%)`))
  }
  const long = registries.find((registry) => registry.endsWith('versions'))
  if (long && registries.includes('1 version')) {
    for (const name of HISTORY_NEUTRAL) {
      const ratio = cpuRatio(runs, runOf(runs, long, name)) / cpuRatio(runs, runOf(runs, '1 version', name))
      lines.push(check(ratio <= HISTORY_TOLERANCE, `${long}: ${name} CPU × floor is ${ratio.toFixed(2)} × that of 1 version (≤ ${HISTORY_TOLERANCE.toFixed(2)})`))
    }
    const next = Object.entries(publish_seconds).find(([label]) => label.startsWith('version '))
    if (next) lines.push(check(next[1] <= 10, `publishing ${next[0]} on top of ${long} took ${next[1]} s (≤ 10 s)`))
  }
  lines.push(check(bundle_gzip_bytes <= 64 * 1024, `bundle ${(bundle_gzip_bytes / 1024).toFixed(1)} KiB gzip (≤ 64 KiB)`))
  if (publish_seconds['10000'] !== undefined) lines.push(check(publish_seconds['10000'] <= 15, `publishing 10000 entries took ${publish_seconds['10000']} s (≤ 15 s)`))
  return lines
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main()
