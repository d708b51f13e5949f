/**
 * The benchmark's cases and their targets, and the verdicts on a run: what `bench/run.ts` loads
 * and what `bench/report.ts` writes into bench/README.md from bench/results.json.
 */
import { LOG_BLOCK_VERSIONS } from '../src/storage/log'
import type { Round } from './rounds'

export const LIST = '/subprocessors.json?region=eu&lang=en'
const ATOM = '/changes.atom?region=eu&lang=en'
export const NEGOTIATED = '/subprocessors?region=eu&lang=en'

/**
 * A benchmark case. Its targets are ratios to its floor in the same registry: `rpsAtLeast` of the
 * floor's request rate, `cpuAtMost` of its workerd CPU time per request.
 */
export interface Case {
  name: string
  path: string
  /** A floor: a Worker beside the registry that answers with a constant copy of `path`'s response. */
  floor?: true
  /** The floor this case is measured against; `floor` (a copy of the get-json list) unless named. */
  against?: string
  /** Sends this Accept, as a poller that negotiates does, instead of naming the format in the URL. */
  accept?: string
  /** Sends If-None-Match with the ETag that `path` answers with, and expects 304. */
  revalidate?: boolean
  /** The naive peer, another Worker on the same Miniflare. */
  naive?: true
  /** A cold-path probe: a Worker that reads `path`'s stored value from KV on every request, and with 'verify' hashes it too. */
  probe?: 'read' | 'verify'
  rpsAtLeast?: number
  cpuAtMost?: number
}

export const FLOOR = 'floor'
// One line per case; every ratio is to the case's floor.
export const SIZE_CASES: Case[] = [
  { name: FLOOR, path: LIST, floor: true },
  { name: 'get-json', path: LIST, rpsAtLeast: 0.9, cpuAtMost: 1.1 },
  // What a poller that negotiates sends: the same bytes as get-json, chosen by Accept.
  { name: 'get-negotiated', path: NEGOTIATED, accept: 'application/json', rpsAtLeast: 0.9, cpuAtMost: 1.1 },
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
export const historyCases = (latest: number): Case[] => [
  { name: FLOOR, path: LIST, floor: true },
  { name: 'get-json', path: LIST, rpsAtLeast: 0.85, cpuAtMost: 1.15 },
  { name: 'revalidate-304', path: LIST, revalidate: true, rpsAtLeast: 0.9, cpuAtMost: 1.1 },
  { name: 'get-version', path: `${LIST}&version=${Math.ceil(latest / 2)}`, rpsAtLeast: 0.85, cpuAtMost: 1.15 },
  { name: 'atom-floor', path: ATOM, floor: true },
  { name: 'atom', path: ATOM, against: 'atom-floor', rpsAtLeast: 0.85, cpuAtMost: 1.15 },
  { name: 'atom-304', path: ATOM, revalidate: true, rpsAtLeast: 0.9, cpuAtMost: 1.1 },
  {
    name: 'since-304',
    path: `/changes.json?region=eu&lang=en&since=${Math.max(0, latest - 4)}`,
    revalidate: true,
    rpsAtLeast: 0.9,
    cpuAtMost: 1.1,
  },
]

/** The cases whose cost must not grow with history: each, × its floor, against the one-version registry's. */
const HISTORY_NEUTRAL = ['get-json', 'revalidate-304', 'get-version', 'atom', 'atom-304', 'since-304']
const HISTORY_TOLERANCE = 1.1

export interface Run {
  registry: string
  case: string
  rps: number
  p50_ms: number
  p99_ms: number
  cpu_us_per_request: number
  rounds: Round[]
}

/** What one version's publish wrote to KV: values put, and their bytes. */
export interface VersionWrites {
  values: number
  bytes: number
}

export interface Results {
  runs: Run[]
  bundle_gzip_bytes: number
  publish_seconds: Record<string, number>
  other_cores: number
  /** What each version of the history wrote, by version; absent when the run built no history. */
  history_writes?: Record<string, VersionWrites>
}

/** The Workers Free plan's KV writes a day. */
export const FREE_PLAN_WRITES_A_DAY = 1000
/** The most a version whose change is one sentence may write, however long the history before it. */
const VERSION_VALUES_AT_MOST = 100
const VERSION_BYTES_AT_MOST = 2_000_000

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`

/**
 * The cost of publishing, version by version through the history: what versions 10, 100 and
 * 1,000 wrote, the most any version from 2 on wrote, whether later versions cost more than earlier
 * ones, and how many publishes the Free plan's writes allow a day.
 */
export function writeVerdicts(writes: Record<string, VersionWrites>): string[] {
  const check = (ok: boolean, text: string) => `${ok ? 'met    ' : 'MISSED '} ${text}`
  const versions = Object.keys(writes)
    .map(Number)
    .filter((version) => version >= 2)
    .sort((a, b) => a - b)
  if (versions.length === 0) return []
  const of = (version: number) => writes[String(version)]!
  const lines = [10, 100, 1000]
    .filter((version) => writes[String(version)])
    .map((version) => `writes  version ${version} wrote ${of(version).values} KV values, ${mib(of(version).bytes)}`)
  const most = (field: keyof VersionWrites) =>
    versions.reduce((top, version) => (of(version)[field] > of(top)[field] ? version : top))
  const [valuesTop, bytesTop] = [most('values'), most('bytes')]
  lines.push(
    check(
      of(valuesTop).values <= VERSION_VALUES_AT_MOST,
      `every version from 2 to ${versions.at(-1)} wrote at most ${of(valuesTop).values} KV values (version ${valuesTop}; ≤ ${VERSION_VALUES_AT_MOST})`,
    ),
    check(
      of(bytesTop).bytes <= VERSION_BYTES_AT_MOST,
      `every version from 2 to ${versions.at(-1)} wrote at most ${mib(of(bytesTop).bytes)} (version ${bytesTop}; ≤ 2 MB)`,
    ),
  )
  // Flat: a block of versions whose logs start again (log.ts) costs what any other does, however late in history.
  // The first block costs less, its change logs being shorter; within a block, each version's own log items grow.
  const last = versions.at(-1)!
  const blocks: number[] = []
  for (let from = LOG_BLOCK_VERSIONS + 1; from + LOG_BLOCK_VERSIONS - 1 <= last; from += LOG_BLOCK_VERSIONS) {
    const span = versions.filter((version) => version >= from && version < from + LOG_BLOCK_VERSIONS)
    blocks.push(span.reduce((sum, version) => sum + of(version).bytes, 0) / span.length)
  }
  if (blocks.length >= 2) {
    const [low, high] = [Math.min(...blocks), Math.max(...blocks)]
    lines.push(
      check(
        high <= low * 1.1,
        `each block of ${LOG_BLOCK_VERSIONS} versions from version ${LOG_BLOCK_VERSIONS + 1} to ${LOG_BLOCK_VERSIONS * (blocks.length + 1)} wrote ${mib(low)}–${mib(high)} a version on average, the costliest ${(high / low).toFixed(2)} × the cheapest (≤ 1.10)`,
      ),
    )
  }
  lines.push(
    `writes  the Free plan's ${FREE_PLAN_WRITES_A_DAY} KV writes a day allow ${Math.floor(FREE_PLAN_WRITES_A_DAY / of(valuesTop).values)} publishes of the costliest version`,
  )
  return lines
}

const runOf = (runs: Run[], registry: string, name: string) =>
  runs.find((run) => run.registry === registry && run.case === name)!
const rpsOf = (runs: Run[], registry: string, name: string) => runOf(runs, registry, name).rps
const casesOf = (registry: string) =>
  registry.endsWith('entries') ? SIZE_CASES : historyCases(Number.parseInt(registry, 10))
const floorOf = (run: Run) => casesOf(run.registry).find((c) => c.name === run.case)?.against ?? FLOOR

/** The middle value, and the quartiles either side of it: what the tables and verdicts quote. */
export function quartiles(values: number[]): { median: number; low: number; high: number } {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number) => {
    const position = q * (sorted.length - 1)
    const below = Math.floor(position)
    return sorted[below]! + (sorted[Math.min(below + 1, sorted.length - 1)]! - sorted[below]!) * (position - below)
  }
  return { median: at(0.5), low: at(0.25), high: at(0.75) }
}

/**
 * A case's ratios to its floor, round by round: the two ran in the same interleaved round of the
 * same workerd process, under the same load. A case that stopped early (its verdict decided) took
 * no part in later processes, whose floor rounds pair with another case's.
 */
export function roundRatios(rounds: Round[], floor: Round[], field: 'rps' | 'cpu_us_per_request'): number[] {
  const floorsOf = new Map<number, Round[]>()
  for (const round of floor) {
    const process = round.process ?? 0
    floorsOf.set(process, [...(floorsOf.get(process) ?? []), round])
  }
  const taken = new Map<number, number>()
  return rounds.map((round) => {
    const process = round.process ?? 0
    const position = taken.get(process) ?? 0
    taken.set(process, position + 1)
    const paired = floorsOf.get(process)?.[position]
    if (!paired) throw new Error(`a round of process ${process} has no floor round to pair with`)
    return round[field] / paired[field]
  })
}

/**
 * Where the median of these values lies, at 95 % confidence, whatever their distribution: between
 * the kth smallest and the kth largest, k from the binomial's normal approximation. Null for
 * fewer than the 8 values that it needs.
 */
export function medianInterval(values: number[]): { low: number; high: number } | null {
  const n = values.length
  const k = Math.floor((n - 1.96 * Math.sqrt(n)) / 2)
  if (k < 1) return null
  const sorted = [...values].sort((a, b) => a - b)
  return { low: sorted[k - 1]!, high: sorted[n - k]! }
}

/**
 * The targeted cases whose median ratio to the floor could still fall either side of a target,
 * with the floors they are measured against: what the bench measures further, so that a verdict
 * is the median's and not the noise's.
 */
export function undecidedCases(cases: Case[], rounds: Map<string, Round[]>): string[] {
  const undecided = new Set<string>()
  for (const c of cases) {
    const floorName = c.against ?? FLOOR
    const [own, floor] = [rounds.get(c.name), rounds.get(floorName)]
    if (!own || !floor) continue
    const open = (field: 'rps' | 'cpu_us_per_request', target: number | undefined) => {
      if (target === undefined) return false
      const interval = medianInterval(roundRatios(own, floor, field))
      return interval === null || (interval.low <= target && interval.high >= target)
    }
    if (open('cpu_us_per_request', c.cpuAtMost) || open('rps', c.rpsAtLeast)) undecided.add(c.name).add(floorName)
  }
  return [...undecided]
}

/**
 * A case's ratio to its floor as the median of the rounds, their spread (first to third
 * quartile) and where the median lies at 95 % confidence; one ratio of the two figures for
 * results that kept no rounds.
 */
function ratioToFloor(runs: Run[], run: Run, field: 'rps' | 'cpu_us_per_request') {
  const floor = runOf(runs, run.registry, floorOf(run))
  if (run.rounds?.length && run.rounds.length <= (floor.rounds?.length ?? 0)) {
    const ratios = roundRatios(run.rounds, floor.rounds, field)
    return { ...quartiles(ratios), interval: medianInterval(ratios) }
  }
  const ratio = run[field] / floor[field]
  return { median: ratio, low: ratio, high: ratio, interval: null }
}
const rpsSpread = (runs: Run[], run: Run) => ratioToFloor(runs, run, 'rps')
const cpuSpread = (runs: Run[], run: Run) => ratioToFloor(runs, run, 'cpu_us_per_request')
const rpsRatio = (runs: Run[], run: Run) => rpsSpread(runs, run).median
const cpuRatio = (runs: Run[], run: Run) => cpuSpread(runs, run).median
const spread = ({ low, high }: { low: number; high: number }) => `${low.toFixed(2)}–${high.toFixed(2)}`
const ofRounds = (run: Run, ratio: ReturnType<typeof ratioToFloor>) =>
  `median of ${run.rounds?.length ?? 1} rounds${ratio.interval ? `, 95 % within ${spread(ratio.interval)}` : ''} (spread ${spread(ratio)}`

export function table(runs: Run[]): string {
  const lines = [
    '| registry | case | req/s | p50 ms | p99 ms | × floor | spread | CPU µs/req | CPU × floor | spread |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const run of runs) {
    const [rate, cpu] = [rpsSpread(runs, run), cpuSpread(runs, run)]
    lines.push(
      `| ${run.registry} | ${run.case} | ${run.rps.toFixed(0)} | ${run.p50_ms} | ${run.p99_ms} | ${rate.median.toFixed(2)} | ${spread(rate)} | ${run.cpu_us_per_request.toFixed(0)} | ${cpu.median.toFixed(2)} | ${spread(cpu)} |`,
    )
  }
  return lines.join('\n')
}

export function verdicts({
  runs,
  bundle_gzip_bytes,
  publish_seconds,
  history_writes,
}: Pick<Results, 'runs' | 'bundle_gzip_bytes' | 'publish_seconds' | 'history_writes'>): string[] {
  const check = (ok: boolean, text: string) => `${ok ? 'met    ' : 'MISSED '} ${text}`
  const lines: string[] = []
  const registries = [...new Set(runs.map((run) => run.registry))]
  for (const registry of registries) {
    for (const c of casesOf(registry)) {
      const run = runOf(runs, registry, c.name)
      // A results file from before a case was added has no run of it.
      if (!run) continue
      const floor = c.against ?? FLOOR
      if (c.rpsAtLeast !== undefined)
        lines.push(
          check(
            rpsRatio(runs, run) >= c.rpsAtLeast,
            `${registry}: ${c.name} ${rpsRatio(runs, run).toFixed(2)} × ${floor} req/s, ${ofRounds(run, rpsSpread(runs, run))}; ≥ ${c.rpsAtLeast.toFixed(2)})`,
          ),
        )
      if (c.cpuAtMost !== undefined)
        lines.push(
          check(
            cpuRatio(runs, run) <= c.cpuAtMost,
            `${registry}: ${c.name} ${cpuRatio(runs, run).toFixed(2)} × ${floor} CPU/req, ${ofRounds(run, cpuSpread(runs, run))}; ≤ ${c.cpuAtMost.toFixed(2)})`,
          ),
        )
    }
  }
  for (const registry of registries.filter((registry) => casesOf(registry).some((c) => c.probe))) {
    const read = runOf(runs, registry, 'kv-read').cpu_us_per_request
    const verify = runOf(runs, registry, 'kv-verify').cpu_us_per_request
    lines.push(
      `cold    ${registry}: checking the list against its ETag adds ${(verify - read).toFixed(0)} µs CPU to a cold load (KV read ${read.toFixed(0)} µs, ${(verify / read).toFixed(2)} ×); a warm request never checks`,
    )
  }
  for (const registry of registries.filter((registry) => runOf(runs, registry, 'get-negotiated'))) {
    const ratio =
      runOf(runs, registry, 'get-negotiated').cpu_us_per_request / runOf(runs, registry, 'get-json').cpu_us_per_request
    lines.push(
      check(
        ratio <= 1.05,
        `${registry}: get-negotiated CPU/req is ${ratio.toFixed(2)} × get-json's, the explicit URL's (≤ 1.05)`,
      ),
    )
  }
  if (registries.includes('1000 entries')) {
    const naive = rpsOf(runs, '1000 entries', 'get-json') / rpsOf(runs, '1000 entries', 'naive-peer')
    lines.push(check(naive >= 3, `1000 entries: get-json ${naive.toFixed(1)} × naive-peer (≥ 3)`))
  }
  if (registries.includes('10000 entries') && registries.includes('14 entries')) {
    const growth = rpsOf(runs, '10000 entries', 'revalidate-304') / rpsOf(runs, '14 entries', 'revalidate-304')
    lines.push(
      check(growth >= 0.85, `revalidate-304 at 10000 entries is ${growth.toFixed(2)} × its rate at 14 (within 15%)`),
    )
  }
  const long = registries.find((registry) => registry.endsWith('versions'))
  if (long && registries.includes('1 version')) {
    for (const name of HISTORY_NEUTRAL) {
      const ratio = cpuRatio(runs, runOf(runs, long, name)) / cpuRatio(runs, runOf(runs, '1 version', name))
      lines.push(
        check(
          ratio <= HISTORY_TOLERANCE,
          `${long}: ${name} CPU × floor is ${ratio.toFixed(2)} × that of 1 version (≤ ${HISTORY_TOLERANCE.toFixed(2)})`,
        ),
      )
    }
    const next = Object.entries(publish_seconds).find(([label]) => label.startsWith('version '))
    if (next) lines.push(check(next[1] <= 3, `publishing ${next[0]} on top of ${long} took ${next[1]} s (≤ 3 s)`))
  }
  if (history_writes) lines.push(...writeVerdicts(history_writes))
  lines.push(
    check(bundle_gzip_bytes <= 64 * 1024, `bundle ${(bundle_gzip_bytes / 1024).toFixed(1)} KiB gzip (≤ 64 KiB)`),
  )
  if (publish_seconds['10000'] !== undefined)
    lines.push(
      check(publish_seconds['10000'] <= 15, `publishing 10000 entries took ${publish_seconds['10000']} s (≤ 15 s)`),
    )
  return lines
}
