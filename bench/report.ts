/**
 * `npm run bench:report`: writes the results section of bench/README.md from bench/results.json,
 * so that the figures there are always the last run's, never pasted. `npm run bench` runs it too,
 * and a unit test holds the two equal.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Results, table, verdicts } from './cases'

const BENCH = fileURLToPath(new URL('.', import.meta.url))
export const START = '<!-- results: written by bench/report.ts from bench/results.json; edit neither by hand -->'
export const END = '<!-- end of results -->'

const publishLabel = (label: string) => (/^\d+$/.test(label) ? `${label} entries` : `${label} on top of the history`)

export function renderReport(results: Results): string {
  const publishing = Object.entries(results.publish_seconds).map(
    ([label, seconds]) => `${publishLabel(label)} in ${seconds} s`,
  )
  return [
    START,
    '',
    table(results.runs),
    '',
    `Publishing, the whole \`publish-data\` command from process start: ${publishing.join('; ')}. The Worker bundle: ${(results.bundle_gzip_bytes / 1024).toFixed(1)} KiB gzip. Other processes kept ${results.other_cores.toFixed(2)} cores busy in the median round.`,
    '',
    '```',
    ...verdicts(results),
    '```',
    '',
    END,
  ].join('\n')
}

/** The README with its results section rendered from these results. */
export function withReport(readme: string, results: Results): string {
  const from = readme.indexOf(START)
  const to = readme.indexOf(END)
  if (from === -1 || to < from) throw new Error(`bench/README.md has no results section between ${START} and ${END}`)
  return readme.slice(0, from) + renderReport(results) + readme.slice(to + END.length)
}

export async function readReportInputs(): Promise<{ readme: string; results: Results }> {
  const [readme, results] = await Promise.all([
    readFile(join(BENCH, 'README.md'), 'utf8'),
    readFile(join(BENCH, 'results.json'), 'utf8'),
  ])
  return { readme, results: JSON.parse(results) as Results }
}

export async function writeReport(): Promise<void> {
  const { readme, results } = await readReportInputs()
  await writeFile(join(BENCH, 'README.md'), withReport(readme, results))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeReport()
  console.log('Wrote the results section of bench/README.md from bench/results.json.')
}
