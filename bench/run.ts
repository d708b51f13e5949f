/**
 * `npm run bench [-- --quick] [--history N] [--sizes 14,1000,10000]`: loads the built Worker with autocannon on
 * 127.0.0.1, beside a constant-response floor and a naive peer, under several Miniflares per
 * registry one after another (three sizes; then a long synthetic history and a registry of one
 * version with the same list), and reads the workerd process's CPU time per request. Writes bench/results.json and prints a
 * table. Every figure is a ratio within one run; absolute numbers on a shared 2-core machine are
 * noise.
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import {
  type Case,
  historyCases,
  type Run,
  SIZE_CASES,
  table,
  undecidedCases,
  type VersionWrites,
  verdicts,
} from './cases'
import { type LoadCase, measureAcrossProcesses, measureRounds, median, type RoundPlan } from './rounds'
import { writeReport } from './report'
import { findWorkerdPid } from './workerd-cpu'
import { parseArgs } from 'node:util'
import { loadData } from '../src/cli/load-data'
import { generateData } from '../test/support/generate'
import { copyState, historyRegistry, writeNextData, writeOneVersionData } from './history'
import { type Release, viewPath } from '../src/domain/representation'
import { bundleOf, CURRENT_RELEASE_KEY, representationKey } from '../src/storage/keys'
import { bundleWorker, publishData, ROOT, serveRegistry } from '../test/support/harness'

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    history: { type: 'string', default: '1000' },
    sizes: { type: 'string', default: '14,1000,10000' },
  },
})
const quick = options.quick
// 0 leaves the history registries out.
const HISTORY_VERSIONS = Number(options.history)
const SIZES = options.sizes.split(',').filter(Boolean).map(Number)
// Many short rounds, every case taking its turn in a new order each round, so that the load other
// processes put on the machine, which changes from second to second, falls on every case alike.
// A round lasts a fixed amount of workerd CPU rather than of wall time, or roundMaxSeconds where
// the load generator, not workerd, is the bottleneck (multi-megabyte lists at 10,000 entries).
// The machine's noise averages out only over time (a second's CPU per request varies by about a
// fifth), so a case whose target is still within its median's 95 % interval takes further rounds.
const PLAN: RoundPlan = quick
  ? {
      rounds: 24,
      processes: 3,
      maxRounds: 96,
      extendSeconds: 240,
      roundCpuTicks: 40,
      roundMaxSeconds: 1.5,
      warmupSeconds: 0.5,
      connections: 8,
    }
  : {
      rounds: 40,
      processes: 4,
      maxRounds: 160,
      extendSeconds: 480,
      roundCpuTicks: 60,
      roundMaxSeconds: 3,
      warmupSeconds: 1,
      connections: 8,
    }
const NAIVE_REGISTRY_KEY = 'naive/registry.json'

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
function historyRegistries(versions: number, writes: { byVersion?: Record<string, VersionWrites> }): Registry[] {
  let built: ReturnType<typeof historyRegistry> | undefined
  const history = () =>
    (built ??= historyRegistry(versions, (version, seconds) => {
      if (version % 100 === 0)
        console.log(`  built version ${version} of ${versions} (${seconds.toFixed(2)} s for the last)`)
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
        const { persistTo, dataDir, buildSeconds, writes: byVersion } = await history()
        writes.byVersion = byVersion
        console.log(
          `\n${versions} versions: ${buildSeconds ? `built in ${buildSeconds.toFixed(0)} s` : 'built before'} (${((performance.now() - started) / 1000).toFixed(0)} s)`,
        )
        // The next version, on a copy, so that the built history stays as it is for the next run;
        // three times, each on a fresh copy whose writes reach the disk before the clock starts, so
        // that the bench's own copying does not slow the publish it measures.
        const nextData = join(work, 'data-history-next')
        await writeNextData(await history(), versions, nextData)
        const times: number[] = []
        for (let run = 0; run < 3; run++) {
          const copy = join(work, `state-history-next-${run}`)
          await copyState(persistTo, copy)
          execFileSync('sync')
          const next = await publishData(nextData, copy)
          if (!next.stdout.includes(`Published version ${versions + 1} `))
            throw new Error(`the next publish did not make version ${versions + 1}:\n${next.stdout}`)
          times.push(Number(next.seconds.toFixed(2)))
          await rm(copy, { recursive: true, force: true })
        }
        publishSeconds[`version ${versions + 1}`] = median(times)
        console.log(`  version ${versions + 1} published on top in ${times.join(', ')} s (median ${median(times)} s)`)
        return { state: persistTo, dataDir }
      },
    },
  ]
}

function loadCase(base: string, c: Case, etags: Map<string, string>): LoadCase {
  const headers: Record<string, string> = {}
  if (c.floor || c.probe) headers.host = `${c.name}.bench`
  if (c.naive) headers.host = 'naive.bench'
  if (c.accept) headers.accept = c.accept
  if (c.revalidate) headers['if-none-match'] = etags.get(c.path)!
  return { name: c.name, url: `${base}${c.path}`, headers, status: c.revalidate ? 304 : 200 }
}

/**
 * Reads one stored value on every request, as a cold isolate does once (a bundle decompressed
 * whole), and with `verify` hashes it as the reader does.
 */
function probeWorker(key: string, bundled: boolean, verify: boolean): string {
  return `export default { async fetch(request, env) {
  const stored = await env.REGISTRY.get(${JSON.stringify(key)}, ${bundled ? "'stream'" : "'arrayBuffer'"})
  const body = ${bundled ? "await new Response(stored.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer()" : 'stored'}
  ${verify ? "const digest = await crypto.subtle.digest('SHA-256', body)" : 'const digest = body'}
  return new Response(String(body.byteLength + digest.byteLength))
} }`
}

/**
 * A Worker that answers every request with a constant copy of one response: the same headers and
 * body bytes. It reads the bytes from KV once, into a Blob, as the registry keeps what it serves:
 * a Response shares a Blob's bytes and copies an array's, so an array here would flatter us (a
 * body built by TextEncoder in the script measured up to twice as slow to send, likewise).
 */
function floorWorker(headers: Record<string, string>, bodyKey: string): string {
  return `const HEADERS = ${JSON.stringify(headers)}
let body
export default { async fetch(request, env) {
  body ??= new Blob([await env.REGISTRY.get(${JSON.stringify(bodyKey)}, 'arrayBuffer')])
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
    await build({
      entryPoints: [join(ROOT, 'bench', 'naive-peer.ts')],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      outfile: naivePath,
      logLevel: 'error',
    })

    const runs: Run[] = []
    const historyWrites: { byVersion?: Record<string, VersionWrites> } = {}
    const publishSeconds: Record<string, number> = {}
    const registries = [
      ...SIZES.map(sizeRegistry),
      ...(HISTORY_VERSIONS > 0 ? historyRegistries(HISTORY_VERSIONS, historyWrites) : []),
    ]
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
        const headers = Object.fromEntries(
          [...res.headers].filter(
            ([name]) => !['content-length', 'content-encoding', 'transfer-encoding'].includes(name),
          ),
        )
        floors.push({ name: c.name, body: new Uint8Array(await res.arrayBuffer()), headers })
      }
      const etags = new Map<string, string>()
      for (const { path } of registry.cases.filter((c) => c.revalidate || !(c.floor || c.probe))) {
        const res = await fetchPlain(path)
        await res.arrayBuffer()
        if (res.status !== 200) throw new Error(`${registry.label}: ${path} answered ${res.status}`)
        etags.set(path, res.headers.get('ETag')!)
      }
      const stored = JSON.parse(
        (await (await probe.mf.getKVNamespace('REGISTRY')).get(CURRENT_RELEASE_KEY, 'text'))!,
      ) as Release
      const listValue = representationKey(
        stored,
        0,
        viewPath({ kind: 'list', region: 'eu', lang: 'en', format: 'json' }),
      )
      // Where the list is stored: in its bundle, which a cold isolate reads and decompresses whole.
      const listBundle = bundleOf(stored, listValue)
      await probe.mf.dispose()

      const others = [
        ...floors.map(({ name, headers }) => ({
          name,
          modules: true,
          script: floorWorker(headers, `bench/${name}-body`),
          routes: [`${name}.bench/*`],
        })),
        ...registry.cases
          .filter((c) => c.probe)
          .map((c) => ({
            name: c.name,
            modules: true,
            script: probeWorker(listBundle ?? listValue, listBundle !== null, c.probe === 'verify'),
            routes: [`${c.name}.bench/*`],
          })),
        {
          name: 'naive',
          modules: true,
          scriptPath: naivePath,
          modulesRoot: join(work, 'naive'),
          routes: ['naive.bench/*'],
          bindings: { NAIVE_REGISTRY_KEY },
        },
      ]
      // Each process serves the same stored state afresh: its own isolates, warmed up anew.
      const measureIn = async (taking: Case[], count: number, process: number) => {
        const { mf, url } = await serveRegistry({ scriptPath, persistTo: state, others })
        try {
          const kv = await mf.getKVNamespace('REGISTRY')
          for (const { name, body } of floors) await kv.put(`bench/${name}-body`, body)
          if (taking.some((c) => c.naive)) await kv.put(NAIVE_REGISTRY_KEY, JSON.stringify(loaded.data))
          const loads = taking.map((c) => loadCase(url, c, etags))
          return await measureRounds(loads, findWorkerdPid(), PLAN, count, process)
        } finally {
          await mf.dispose()
        }
      }
      const rounds = await measureAcrossProcesses(registry.cases, PLAN, measureIn, (measured) =>
        undecidedCases(registry.cases, measured),
      )
      for (const c of registry.cases) {
        const measured = rounds.get(c.name)!
        // Request rate: the median round, with its own latencies. CPU: the median round. Ratios to the floor are per round (cases.ts).
        const byRate = [...measured].sort((a, b) => a.rps - b.rps)
        const middle = byRate[Math.floor(byRate.length / 2)]!
        const cpu = median(measured.map((round) => round.cpu_us_per_request))
        const run: Run = {
          registry: registry.label,
          case: c.name,
          rps: middle.rps,
          p50_ms: middle.p50_ms,
          p99_ms: middle.p99_ms,
          cpu_us_per_request: Number(cpu.toFixed(1)),
          rounds: measured,
        }
        runs.push(run)
        console.log(
          `  ${c.name.padEnd(15)} ${run.rps.toFixed(0).padStart(6)} req/s  p50 ${run.p50_ms} ms  p99 ${run.p99_ms} ms  ${run.cpu_us_per_request.toFixed(0).padStart(6)} µs CPU/req  (req/s ${byRate[0]!.rps.toFixed(0)}–${byRate.at(-1)!.rps.toFixed(0)}, µs ${Math.min(...measured.map((r) => r.cpu_us_per_request)).toFixed(0)}–${Math.max(...measured.map((r) => r.cpu_us_per_request)).toFixed(0)})`,
        )
      }
    }

    const otherCores = median(runs.flatMap((run) => run.rounds.map((round) => round.other_cores)))
    const results = {
      runs,
      bundle_gzip_bytes: gzipBytes,
      publish_seconds: publishSeconds,
      other_cores: otherCores,
      ...(historyWrites.byVersion ? { history_writes: historyWrites.byVersion } : {}),
    }
    await writeFile(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`)
    await writeReport()
    console.log(`\n${table(runs)}\n`)
    console.log(verdicts(results).join('\n'))
    console.log(
      `\nWrote bench/results.json in ${((performance.now() - started) / 1000).toFixed(0)} s (${quick ? 'quick' : 'full'}: ${PLAN.rounds} rounds per case, up to ${PLAN.maxRounds} for an undecided one, of ${PLAN.roundCpuTicks} ticks of workerd CPU or ${PLAN.roundMaxSeconds} s, ${PLAN.connections} connections).`,
    )
    console.log(
      `Other processes kept ${otherCores.toFixed(2)} of ${availableParallelism()} cores busy in the median round.`,
    )
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main()
