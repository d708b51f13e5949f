import { describe, expect, it } from 'vitest'
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
