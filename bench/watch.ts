/**
 * `npm run bench:watch`: `subprocessor-watch check` over 1,000 registries that have not changed,
 * as a vendor-risk team's cron runs it. 100 local hosts (ports on 127.0.0.1) serve 10 registries
 * each, static files at the Evidence level; every request is answered 304. The built CLI runs
 * with its defaults (16 registries at once, 4 per host), once over 1 registry and once over all
 * 1,000, alternately, 3 rounds; wall time and peak memory are its own. Writes the figures into
 * bench/README.md between the watch markers.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { JsonFileStore } from '../client/src/node'
import { MemoryStore } from '../client/src/state'
import { Watcher } from '../client/src/watcher'
import { ROOT } from '../test/support/harness'
import { signerKey, TEST_SIGNER_KEY, TEST_VERIFIER_KEY } from '../test/support/keys'
import { EXAMPLE_VENDOR, serveStatic, writeStaticRegistry } from '../test/support/static-registry'

const run = promisify(execFile)
const HOSTS = 100
const PER_HOST = 10
const ROUNDS = 3
const ALL = HOSTS * PER_HOST
const START = '<!-- watch results: written by bench/watch.ts; edit neither by hand -->'
const END = '<!-- end of watch results -->'

const work = await mkdtemp(join(tmpdir(), 'bench-watch-'))
const servers: Awaited<ReturnType<typeof serveStatic>>[] = []
try {
  await run('npx', ['tsc', '-p', 'client'], { cwd: ROOT })
  const signer = signerKey(TEST_SIGNER_KEY, TEST_VERIFIER_KEY)
  for (let k = 0; k < PER_HOST; k++)
    await writeStaticRegistry(join(work, 'site', `r${k}`), {
      ...EXAMPLE_VENDOR,
      vendor: `Example Vendor ${k}`,
      prefix: `/r${k}`,
      evidence: { origin: 'subprocessors.example.com/liveagent', signer },
    })
  for (let h = 0; h < HOSTS; h++) servers.push(await serveStatic(() => join(work, 'site')))

  // The portfolio, added once (not measured): the same state file for both sizes, one of them cut to 1.
  const memory = new MemoryStore()
  const adding = new Watcher(memory)
  for (const server of servers)
    for (let k = 0; k < PER_HOST; k++)
      await adding.add(`${server.url}/r${k}/.well-known/subprocessors`, { allowPrivate: true })
  const all = await memory.load()
  const files = { [ALL]: join(work, 'all.json'), 1: join(work, 'one.json') }
  await new JsonFileStore(files[ALL]!).update((state) => Object.assign(state, all))
  const [first] = Object.entries(all.registries)
  await new JsonFileStore(files[1]).update((state) =>
    Object.assign(state, { ...all, registries: Object.fromEntries([first!]) }),
  )

  const measure = async (size: number) => {
    for (const server of servers) server.requests.length = 0
    const started = performance.now()
    const { stdout, stderr } = await run(
      process.execPath,
      [join(ROOT, 'bench', 'watch-child.mjs'), 'check', '--state', files[size]!, '--json'],
      {
        cwd: work,
        maxBuffer: 64 * 1024 * 1024,
      },
    )
    const seconds = (performance.now() - started) / 1000
    const requests = servers.flatMap((server) => server.requests)
    const reports = JSON.parse(stdout).reports as { outcome: string }[]
    if (reports.length !== size || reports.some((report) => report.outcome !== 'unchanged'))
      throw new Error(`check over ${size} did not find every registry unchanged`)
    if (requests.some((request) => request.status !== 304)) throw new Error('a request was not answered 304')
    return { seconds, maxRssMb: Number(/maxRSS (\d+)/.exec(stderr)![1]) / 1024, requests: requests.length }
  }
  const rounds: { one: Awaited<ReturnType<typeof measure>>; all: Awaited<ReturnType<typeof measure>> }[] = []
  for (let round = 0; round < ROUNDS; round++) rounds.push({ one: await measure(1), all: await measure(ALL) })
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
  const allSeconds = median(rounds.map((r) => r.all.seconds))
  const one = median(rounds.map((r) => r.one.seconds))
  const lines = [
    START,
    '',
    `\`npm run bench:watch\`, ${new Date().toISOString().slice(0, 10)}: ${HOSTS} hosts × ${PER_HOST} registries, ${rounds[0]!.all.requests} requests per pass (${rounds[0]!.all.requests / ALL} per registry), every one answered 304.`,
    '',
    '| registries | wall time (median of 3) | runs | peak RSS |',
    '|---:|---:|---|---:|',
    `| 1 | ${one.toFixed(2)} s | ${rounds.map((r) => r.one.seconds.toFixed(2)).join(', ')} | ${median(rounds.map((r) => r.one.maxRssMb)).toFixed(0)} MB |`,
    `| ${ALL.toLocaleString('en')} | ${allSeconds.toFixed(2)} s | ${rounds.map((r) => r.all.seconds.toFixed(2)).join(', ')} | ${median(rounds.map((r) => r.all.maxRssMb)).toFixed(0)} MB |`,
    '',
    `${ALL.toLocaleString('en')} registries take ${(allSeconds / one).toFixed(1)} × the time of one: one is mostly Node starting, and each further registry adds ${(((allSeconds - one) / (ALL - 1)) * 1000).toFixed(1)} ms.`,
    '',
    END,
  ]
  console.log(lines.slice(2, -2).join('\n'))
  const readmePath = join(ROOT, 'bench', 'README.md')
  const readme = await readFile(readmePath, 'utf8')
  const from = readme.indexOf(START)
  const to = readme.indexOf(END)
  if (from === -1 || to < from) throw new Error(`bench/README.md has no section between ${START} and ${END}`)
  await writeFile(readmePath, readme.slice(0, from) + lines.join('\n') + readme.slice(to + END.length))
} finally {
  for (const server of servers) server.server.close()
  await rm(work, { recursive: true, force: true })
}
