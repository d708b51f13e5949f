/**
 * The benchmark's cases and their targets, and the verdicts on a run: what `bench/run.ts` loads
 * and what `bench/report.ts` writes into bench/README.md from bench/results.json.
 */
import type { Round } from './rounds'

export const LIST = '/subprocessors.json?region=eu&lang=en'
const ATOM = '/changes.atom?region=eu&lang=en'
const NEGOTIATED = '/subprocessors?region=eu&lang=en'

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
  { name: 'get-json', path: LIST, rpsAtLeast: 0.85, cpuAtMost: 1.1 },
  // What a poller that negotiates sends: the same bytes as get-json, chosen by Accept.
  { name: 'get-negotiated', path: NEGOTIATED, accept: 'application/json', rpsAtLeast: 0.85, cpuAtMost: 1.1 },
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

export interface Results {
  runs: Run[]
  bundle_gzip_bytes: number
  publish_seconds: Record<string, number>
  other_cores: number
}

const runOf = (runs: Run[], registry: string, name: string) =>
  runs.find((run) => run.registry === registry && run.case === name)!
const rpsOf = (runs: Run[], registry: string, name: string) => runOf(runs, registry, name).rps
const casesOf = (registry: string) =>
  registry.endsWith('entries') ? SIZE_CASES : historyCases(Number.parseInt(registry, 10))
const floorOf = (run: Run) => casesOf(run.registry).find((c) => c.name === run.case)?.against ?? FLOOR
const rpsRatio = (runs: Run[], run: Run) => run.rps / rpsOf(runs, run.registry, floorOf(run))
const cpuRatio = (runs: Run[], run: Run) =>
  run.cpu_us_per_request / runOf(runs, run.registry, floorOf(run)).cpu_us_per_request

export function table(runs: Run[]): string {
  const lines = [
    '| registry | case | req/s | p50 ms | p99 ms | × floor | CPU µs/req | CPU × floor |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ]
  for (const run of runs) {
    lines.push(
      `| ${run.registry} | ${run.case} | ${run.rps.toFixed(0)} | ${run.p50_ms} | ${run.p99_ms} | ${rpsRatio(runs, run).toFixed(2)} | ${run.cpu_us_per_request.toFixed(0)} | ${cpuRatio(runs, run).toFixed(2)} |`,
    )
  }
  return lines.join('\n')
}

export function verdicts({
  runs,
  bundle_gzip_bytes,
  publish_seconds,
}: Pick<Results, 'runs' | 'bundle_gzip_bytes' | 'publish_seconds'>): string[] {
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
            `${registry}: ${c.name} ${rpsRatio(runs, run).toFixed(2)} × ${floor} req/s (≥ ${c.rpsAtLeast.toFixed(2)})`,
          ),
        )
      if (c.cpuAtMost !== undefined)
        lines.push(
          check(
            cpuRatio(runs, run) <= c.cpuAtMost,
            `${registry}: ${c.name} ${cpuRatio(runs, run).toFixed(2)} × ${floor} CPU/req (≤ ${c.cpuAtMost.toFixed(2)})`,
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
    if (next) lines.push(check(next[1] <= 5, `publishing ${next[0]} on top of ${long} took ${next[1]} s (≤ 5 s)`))
  }
  lines.push(
    check(bundle_gzip_bytes <= 64 * 1024, `bundle ${(bundle_gzip_bytes / 1024).toFixed(1)} KiB gzip (≤ 64 KiB)`),
  )
  if (publish_seconds['10000'] !== undefined)
    lines.push(
      check(publish_seconds['10000'] <= 15, `publishing 10000 entries took ${publish_seconds['10000']} s (≤ 15 s)`),
    )
  return lines
}
