import { describe, expect, it } from 'vitest'
import { writeVerdicts } from '../../bench/cases'
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
