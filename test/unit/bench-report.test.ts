import { describe, expect, it } from 'vitest'
import { type Case, medianInterval, roundRatios, undecidedCases, writeVerdicts } from '../../bench/cases'
import { measureAcrossProcesses, type Round } from '../../bench/rounds'
import { readReportInputs, withReport } from '../../bench/report'

describe('bench/README.md', () => {
  it('shows the table and verdicts of bench/results.json, as bench/report.ts writes them', async () => {
    const { readme, results } = await readReportInputs()
    expect(readme).toBe(withReport(readme, results))
  })

  it("would show another run's figures: the section is rendered from the results, not kept", async () => {
    const { readme, results } = await readReportInputs()
    const faster = { ...results, runs: results.runs.map((run) => ({ ...run, rps: run.rps * 2 })) }
    expect(withReport(readme, faster)).not.toBe(readme)
  })
})

describe('the verdicts on what each version of the history wrote', () => {
  const history = (cost: (version: number) => { values: number; bytes: number }) =>
    Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [String(i + 1), cost(i + 1)]))

  it('meets the targets when every version writes little and each block of versions costs what the others do', () => {
    const lines = writeVerdicts(history((version) => ({ values: 27, bytes: 600_000 + (version % 7) * 1000 })))
    expect(lines.filter((line) => line.startsWith('MISSED'))).toEqual([])
    expect(lines).toContain('writes  version 100 wrote 27 KV values, 0.57 MiB')
    expect(lines).toContain("writes  the Free plan's 1000 KV writes a day allow 37 publishes of the costliest version")
  })

  it.each([
    [
      'one version past 100 values',
      (version: number) => ({ values: version === 500 ? 101 : 27, bytes: 600_000 }),
      'version 500; ≤ 100',
    ],
    [
      'one version past 2 MB',
      (version: number) => ({ values: 27, bytes: version === 700 ? 2_000_001 : 600_000 }),
      'version 700; ≤ 2 MB',
    ],
    [
      'bytes that grow with history',
      (version: number) => ({ values: 27, bytes: 500_000 + version * 1000 }),
      '(≤ 1.10)',
    ],
  ])('misses for %s', (_, cost, named) => {
    const missed = writeVerdicts(history(cost)).filter((line) => line.startsWith('MISSED'))
    expect(missed).toHaveLength(1)
    expect(missed[0]).toContain(named)
  })
})

describe('where the median of the rounds lies, at 95 %', () => {
  const ascending = (n: number) => Array.from({ length: n }, (_, i) => i + 1)

  it.each([
    // n, the kth smallest and largest: the binomial's 95 % order statistics for the median.
    [7, null],
    [8, { low: 1, high: 8 }],
    [24, { low: 7, high: 18 }],
    [96, { low: 38, high: 59 }],
  ])('of %i rounds', (n, interval) => {
    expect(medianInterval(ascending(n).reverse())).toEqual(interval)
  })
})

describe('the cases that take further rounds', () => {
  const round = (cpu: number, rps = 1000): Round => ({
    rps,
    requests: 1000,
    cpu_ticks: 40,
    cpu_us_per_request: cpu,
    other_cores: 0,
    p50_ms: 1,
    p99_ms: 2,
  })
  const cases: Case[] = [
    { name: 'floor', path: '/', floor: true },
    { name: 'get-json', path: '/', cpuAtMost: 1.1 },
    { name: 'atom-floor', path: '/a', floor: true },
    { name: 'atom', path: '/a', against: 'atom-floor', rpsAtLeast: 0.9 },
    { name: 'naive', path: '/' },
  ]
  // Ratios to a floor of 100 µs and 1,000 req/s, one per round.
  const rounds = (json: number[], atomRps: number[]) =>
    new Map<string, Round[]>([
      ['floor', json.map(() => round(100))],
      ['get-json', json.map((ratio) => round(100 * ratio))],
      ['atom-floor', atomRps.map(() => round(100))],
      ['atom', atomRps.map((ratio) => round(100, 1000 * ratio))],
      ['naive', json.map(() => round(5000))],
    ])
  const spread = (centre: number, n: number) => Array.from({ length: n }, (_, i) => centre + (i - n / 2) * 0.01)

  it.each([
    ['none, when every interval lies on one side of its target', spread(1.0, 24), spread(1.05, 24), []],
    [
      'a CPU ratio whose interval holds its target, with its floor',
      spread(1.1, 24),
      spread(1.05, 24),
      ['get-json', 'floor'],
    ],
    [
      'a rate whose interval holds its target, with its own floor',
      spread(1.0, 24),
      spread(0.9, 24),
      ['atom', 'atom-floor'],
    ],
    [
      'every targeted case, before there are rounds enough for an interval',
      spread(0.5, 7),
      spread(2, 7),
      ['get-json', 'floor', 'atom', 'atom-floor'],
    ],
    ['a CPU ratio whose interval lies above its target: a miss, decided', spread(1.5, 24), spread(1.05, 24), []],
  ])('%s', (_, json, atom, expected) => {
    expect(undecidedCases(cases, rounds(json, atom)).sort()).toEqual([...expected].sort())
  })

  it('pairs a case that stopped early with the first rounds of a floor that went on', () => {
    const measured = rounds(spread(1.0, 24), spread(1.05, 24))
    // The floor's later rounds cost less, so that paired with them get-json would sit at its target; it took none of them.
    measured.set('floor', [...measured.get('floor')!, ...Array.from({ length: 40 }, () => round(100 / 1.1))])
    expect(undecidedCases(cases, measured)).toEqual([])
  })

  const inProcess = (process: number, cpu: number[]) => cpu.map((us) => ({ ...round(us), process }))

  it('pairs each round with the floor round of the same process and position', () => {
    // The floor ran in three processes; the case, decided after the first, took part again in the third only.
    const floor = [...inProcess(0, [100, 100]), ...inProcess(1, [200, 200]), ...inProcess(2, [400, 400])]
    const own = [...inProcess(0, [110, 120]), ...inProcess(2, [440, 480])]
    expect(roundRatios(own, floor, 'cpu_us_per_request')).toEqual([1.1, 1.2, 1.1, 1.2])
  })

  it('refuses a round that has no floor round in its process to pair with', () => {
    expect(() => roundRatios(inProcess(1, [100]), inProcess(0, [100]), 'cpu_us_per_request')).toThrow(
      'a round of process 1 has no floor round to pair with',
    )
  })
})

describe('rounds spread over workerd processes', () => {
  const plan = {
    rounds: 24,
    processes: 3,
    maxRounds: 48,
    extendSeconds: 600,
    roundCpuTicks: 40,
    roundMaxSeconds: 1,
    warmupSeconds: 0,
    connections: 1,
  }
  const cases = [{ name: 'floor' }, { name: 'get-json' }, { name: 'get-csv' }]
  const fake = (calls: string[][]) => async (taking: { name: string }[], count: number) => {
    calls.push(taking.map((c) => c.name))
    return new Map(
      taking.map((c) => [
        c.name,
        Array.from(
          { length: count },
          (): Round => ({
            rps: 1,
            requests: 1,
            cpu_ticks: 1,
            cpu_us_per_request: 1,
            other_cores: 0,
            p50_ms: 1,
            p99_ms: 1,
          }),
        ),
      ]),
    )
  }

  it('takes every case in each of the first processes, then the undecided ones in further processes, up to the most rounds', async () => {
    const calls: string[][] = []
    const measured = await measureAcrossProcesses(cases, plan, fake(calls), () => ['get-json', 'floor'])
    expect(calls).toEqual([
      ['floor', 'get-json', 'get-csv'],
      ['floor', 'get-json', 'get-csv'],
      ['floor', 'get-json', 'get-csv'],
      ['floor', 'get-json'],
      ['floor', 'get-json'],
      ['floor', 'get-json'],
    ])
    expect(measured.get('get-json')!.map((round) => round.process)).toEqual(
      [0, 1, 2, 3, 4, 5].flatMap((process) => Array(8).fill(process)),
    )
    expect(measured.get('get-csv')).toHaveLength(24)
  })

  it('stops after the first processes when nothing is undecided', async () => {
    const calls: string[][] = []
    await measureAcrossProcesses(cases, plan, fake(calls), () => [])
    expect(calls).toHaveLength(3)
  })
})
