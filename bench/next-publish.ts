/**
 * `tsx bench/next-publish.ts [VERSIONS] [RUNS]`: the next publish on top of the history bench's
 * registry (bench/history.ts builds it, or finds it built), timed as `npm run bench` times it: the
 * whole publish-data command, on a fresh copy of the history each run. What the publisher prints
 * of its own phases is shown beside each time. For work on publish time, in a minute rather than
 * the whole bench's quarter of an hour.
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { publishData } from '../test/support/harness'
import { copyState, historyRegistry, writeNextData } from './history'

const versions = Number(process.argv[2] ?? 1000)
const runs = Number(process.argv[3] ?? 5)
const built = await historyRegistry(versions, (version, seconds) => {
  if (version % 100 === 0)
    console.log(`  built version ${version} of ${versions} (${seconds.toFixed(2)} s for the last)`)
})
const work = await mkdtemp(join(tmpdir(), 'registry-next-publish-'))
try {
  const data = join(work, 'data')
  await writeNextData(built, versions, data)
  const times: number[] = []
  for (let run = 0; run < runs; run++) {
    const copy = join(work, `state-${run}`)
    await copyState(built.persistTo, copy)
    execFileSync('sync')
    const { seconds, stdout } = await publishData(data, copy)
    if (!stdout.includes(`Published version ${versions + 1} `))
      throw new Error(`no version ${versions + 1}:\n${stdout}`)
    times.push(seconds)
    const phases = stdout.split('\n').filter((line) => / in [0-9.]+ s/.test(line))
    console.log(`${seconds.toFixed(2)} s  ${phases.join('  ')}`)
    await rm(copy, { recursive: true, force: true })
  }
  const sorted = [...times].sort((a, b) => a - b)
  console.log(
    `version ${versions + 1} on top of ${versions}: median ${sorted[Math.floor(runs / 2)]!.toFixed(2)} s of ${runs} (${sorted[0]!.toFixed(2)}–${sorted.at(-1)!.toFixed(2)} s)`,
  )
} finally {
  await rm(work, { recursive: true, force: true })
}
