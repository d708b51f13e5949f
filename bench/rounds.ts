/**
 * Measured rounds of load against the workerd processes that Miniflare runs: request rate and
 * latency from autocannon, CPU time per request from /proc. The method, and why, is in
 * bench/README.md.
 */
import autocannon from 'autocannon'
import { CLOCK_TICKS_PER_SECOND, readCpuTicks, readMachineProcessTicks, readRssBytes } from './workerd-cpu'

/** One kind of request, loaded on its own for a round. */
export interface LoadCase {
  name: string
  url: string
  headers: Record<string, string>
  status: number
}

export interface Round {
  rps: number
  requests: number
  /** workerd's utime + stime over the round, in clock ticks. */
  cpu_ticks: number
  cpu_us_per_request: number
  /** Cores that processes other than workerd and the load generator kept busy, on average. */
  other_cores: number
  p50_ms: number
  p99_ms: number
  /** Which of the run's workerd processes it ran against; 0 in results from before there were several. */
  process?: number
}

export interface RoundPlan {
  /** Every case takes this many rounds, spread over `processes` workerd processes... */
  rounds: number
  processes: number
  /**
   * ...then the cases still undecided take further rounds on their own (with their floors), in
   * further processes, until none is left, the run has this many rounds, or these further
   * rounds have taken this long.
   */
  maxRounds: number
  extendSeconds: number
  /** A round lasts this much workerd CPU time... */
  roundCpuTicks: number
  /** ...or this much wall time, whichever comes first. */
  roundMaxSeconds: number
  warmupSeconds: number
  connections: number
}

// A warm-up cycle that grows workerd by less than this faults in under ~16,000 fresh pages, a few
// tens of milliseconds of CPU against the seconds a cycle takes.
const WARMUP_SETTLED_GROWTH_BYTES = 64 * 2 ** 20
const WARMUP_MAX_CYCLES = 20

/**
 * Rounds of every case in `plan.processes` workerd processes, one after another, then rounds of
 * the cases `undecided` names (with the floors they are measured against) in further processes.
 * The same script runs several per cent faster in one isolate than in another, for as long as the
 * process lives; spread over processes, no one floor's isolate decides a ratio. Each round is
 * tagged with its process, and pairs with its floor's round of the same process and position.
 */
export async function measureAcrossProcesses<C extends { name: string }>(
  cases: C[],
  plan: RoundPlan,
  measureIn: (taking: C[], rounds: number, process: number) => Promise<Map<string, Round[]>>,
  undecided: (rounds: Map<string, Round[]>) => string[],
): Promise<Map<string, Round[]>> {
  const all = new Map<string, Round[]>(cases.map((c) => [c.name, []]))
  const perProcess = Math.ceil(plan.rounds / plan.processes)
  let extendedSince: number | undefined
  for (let process = 0; ; process++) {
    let taking = cases
    if (process >= plan.processes) {
      extendedSince ??= performance.now()
      const names = new Set(undecided(all))
      const most = Math.max(...[...all.values()].map((rounds) => rounds.length))
      const late = performance.now() - extendedSince > plan.extendSeconds * 1000
      if (names.size === 0 || most + perProcess > plan.maxRounds || late) break
      taking = cases.filter((c) => names.has(c.name))
    }
    const measured = await measureIn(taking, perProcess, process)
    for (const [name, rounds] of measured) all.get(name)!.push(...rounds.map((round) => ({ ...round, process })))
  }
  return all
}

/**
 * Every case, `count` rounds, in a new order each round (`process` varies the orders), after a
 * warm-up, against one workerd process. Returns each case's rounds by name.
 */
export async function measureRounds(
  cases: LoadCase[],
  workerd: number,
  plan: RoundPlan,
  count: number,
  process = 0,
): Promise<Map<string, Round[]>> {
  const seen = await warmUp(cases, workerd, plan)
  const rounds = new Map<string, Round[]>(cases.map((c) => [c.name, []]))
  for (let round = 0; round < count; round++) {
    for (const c of shuffled(cases, process * count + round)) {
      // A round's size follows the medians of what the case has cost so far, so that one noisy
      // warm-up does not size every round.
      const { ticksPerRequest, rps } = seen.get(c.name)!
      const byCpu = plan.roundCpuTicks / median(ticksPerRequest)
      const byTime = median(rps) * plan.roundMaxSeconds
      const measured = await measureRound(
        c,
        Math.max(plan.connections, Math.round(Math.min(byCpu, byTime))),
        workerd,
        plan,
      )
      rounds.get(c.name)!.push(measured)
      ticksPerRequest.push(Math.max(1, measured.cpu_ticks) / measured.requests)
      rps.push(measured.rps)
    }
  }
  return rounds
}

/**
 * Timed warm-ups of every case, cycle after cycle, until workerd's resident memory stops growing.
 * At 10,000 entries it grows by about 2 GiB over the first thousand multi-megabyte responses, and
 * until it stops, page faults double the CPU time per request. The last cycle gives each case a
 * first estimate of its rate and CPU per request.
 */
async function warmUp(
  cases: LoadCase[],
  workerd: number,
  plan: RoundPlan,
): Promise<Map<string, { ticksPerRequest: number[]; rps: number[] }>> {
  const seen = new Map<string, { ticksPerRequest: number[]; rps: number[] }>()
  for (let cycle = 1; cycle <= WARMUP_MAX_CYCLES; cycle++) {
    const rssBefore = readRssBytes(workerd)
    for (const c of cases) {
      await settle(workerd)
      const ticksBefore = readCpuTicks(workerd)
      const started = performance.now()
      const result = await load(c, { duration: plan.warmupSeconds }, plan.connections)
      const seconds = (performance.now() - started) / 1000
      // settle() also lets workerd finish the requests the timed run cut off, so that their CPU counts here.
      await settle(workerd)
      const requests = Math.max(1, result.requests.total)
      seen.set(c.name, {
        ticksPerRequest: [Math.max(1, readCpuTicks(workerd) - ticksBefore) / requests],
        rps: [requests / seconds],
      })
    }
    const rss = readRssBytes(workerd)
    if (cycle > 1 && rss - rssBefore < WARMUP_SETTLED_GROWTH_BYTES) {
      console.log(`  warm-up: ${cycle} cycles, workerd holds ${(rss / 2 ** 20).toFixed(0)} MiB`)
      break
    }
  }
  return seen
}

/**
 * A measured round: a fixed number of requests, so that every request whose CPU time falls in
 * the round also counts in it (a timed run cuts off the requests in flight when it stops).
 */
async function measureRound(c: LoadCase, amount: number, workerd: number, plan: RoundPlan): Promise<Round> {
  await settle(workerd)
  const ticksBefore = readCpuTicks(workerd)
  const selfBefore = readCpuTicks(process.pid)
  const machineBefore = readMachineProcessTicks()
  const started = performance.now()
  const result = await load(c, { amount }, plan.connections)
  const seconds = (performance.now() - started) / 1000
  const ticks = readCpuTicks(workerd) - ticksBefore
  const others = readMachineProcessTicks() - machineBefore - ticks - (readCpuTicks(process.pid) - selfBefore)
  const requests = result.requests.total
  return {
    rps: Number((requests / seconds).toFixed(1)),
    requests,
    cpu_ticks: ticks,
    cpu_us_per_request: Number((((ticks / CLOCK_TICKS_PER_SECOND) * 1e6) / requests).toFixed(1)),
    other_cores: Number(Math.max(0, others / CLOCK_TICKS_PER_SECOND / seconds).toFixed(2)),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
  }
}

async function load(
  c: LoadCase,
  limit: { duration: number } | { amount: number },
  connections: number,
): Promise<autocannon.Result> {
  const result = await autocannon({
    url: c.url,
    connections,
    ...limit,
    // autocannon notices the end of a run only when it samples, every second by default, which
    // would pad a short round with idle time.
    sampleInt: 10,
    headers: c.headers,
  })
  const statuses = Object.keys(result.statusCodeStats ?? {})
  if (result.errors || result.timeouts || statuses.some((status) => Number(status) !== c.status)) {
    throw new Error(
      `${c.name}: expected only ${c.status}, got ${JSON.stringify(result.statusCodeStats)}, ${result.errors} errors, ${result.timeouts} timeouts`,
    )
  }
  return result
}

/**
 * Waits (at most 2 s) until workerd spends no clock tick over 50 ms, so that work one case leaves
 * behind (garbage collection, requests a timed warm-up cut off) is not billed to the next.
 */
async function settle(workerd: number): Promise<void> {
  const deadline = performance.now() + 2000
  let ticks = readCpuTicks(workerd)
  while (performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    const now = readCpuTicks(workerd)
    if (now === ticks) return
    ticks = now
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

/**
 * The mean of the middle three quarters of the values. Dropping the top eighth sheds rounds that
 * contention inflated; a mean rather than a median averages out the 10 ms tick's rounding, and
 * holds still where the rounds of a case fall into two clusters (get-csv at 10,000 entries).
 */
export function trimmedMean(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const eighth = Math.floor(sorted.length / 8)
  const middle = sorted.slice(eighth, sorted.length - eighth)
  return middle.reduce((sum, value) => sum + value, 0) / middle.length
}

export function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
}
