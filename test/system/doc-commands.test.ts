/**
 * Every shell example in README.md and docs/ that talks to the local registry runs here, as
 * written, against data/ served as `npm start` serves it (on free ports instead of 8787 and 8788,
 * with the documented webhook receiver listening). A transcript (`$ command`, then its output)
 * must print what it shows, `…` and `<placeholders>` standing for anything; any other block must
 * exit 0 with curl failing on an HTTP error. The other blocks are listed by name, with the reason
 * they cannot run here, so that a new one cannot slip past unnoticed. The JSON examples of a
 * list and of errors have the shape of what the registry answers, and the poller runs as written.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleWorker, freePort, publishData, ROOT, serveRegistry } from '../support/harness'
import { WORKING_DATA } from '../support/working-data'

const run = promisify(execFile)

interface Block {
  doc: string
  line: number
  text: string
}

/** The fenced blocks of one language in README.md and docs/, indented ones (inside a list) included. */
async function fencedBlocks(language: string): Promise<Block[]> {
  const docs = ['README.md', ...(await readdir(join(ROOT, 'docs'))).map((name) => `docs/${name}`)]
  const blocks: Block[] = []
  for (const doc of docs.filter((name) => name.endsWith('.md'))) {
    const markdown = await readFile(join(ROOT, doc), 'utf8')
    for (const match of markdown.matchAll(new RegExp(`^( *)\`\`\`${language}\\n([\\s\\S]*?)^\\1\`\`\``, 'gm'))) {
      const [, indent, body] = match
      const line = markdown.slice(0, match.index).split('\n').length
      const text = body!
        .split('\n')
        .map((row) => row.slice(indent!.length))
        .join('\n')
      blocks.push({ doc, line, text })
    }
  }
  return blocks
}

const LOCAL = 'http://127.0.0.1:8787'

/** Blocks that cannot run against a local registry, by their document and first line. */
const NOT_RUN_HERE: Record<string, string> = {
  'README.md › npm ci && npm start': 'the two commands themselves: CI runs `npm ci && npm test` from a clean clone',
  'docs/deploying.md › npx wrangler login': 'needs a Cloudflare account',
  "docs/evidence.md › curl -OJ 'https://subprocessors.example.com/subprocessors.csv?region=eu&lang=en'":
    'a deployed registry three versions in; test/system/evidence.test.ts runs `npm run verify` on such files',
  'docs/evidence.md › npm run keygen -- --out ~/.config/subprocessor-registry/signing.key':
    'writes a key file; test/system/evidence.test.ts runs keygen',
  'docs/format.md › npx subprocessor-watch conform https://subprocessors.example.com':
    'a deployed registry; test/system/watch-registry.test.ts runs conform against the Worker at every level',
  'docs/vendor-risk-tools.md › npx subprocessor-watch subscribe https://subprocessors.example.com \\':
    'a deployed registry and a public endpoint; test/system/watch-registry.test.ts subscribes to the Worker and receives its deliveries',
  'docs/changing-the-data.md › npm run announce -- add --entry acme-analytics.json --effective 2027-01-15':
    'edits data/announcements.json; test/system/commands.test.ts runs announce on a copy of the data',
  'docs/witnessing.md › npx subprocessor-watch keygen --name witness.example.com/acme-risk --out ~/.config/subprocessor-watch/witness.key':
    'writes a key file and serves a witness; client/test/witness.test.ts runs keygen and witness',
  'docs/witnessing.md › npx wrangler secret put WITNESS_SIGNING_KEY --config src/witness/wrangler.toml':
    'needs a Cloudflare account; test/system/witness-worker.test.ts serves the witness Worker',
  'docs/witnessing.md › npx subprocessor-watch verify liveagent-subprocessors-eu-en-v3.csv --evidence liveagent-subprocessors-v3.tlog-proof \\':
    'a deployed registry with witnesses; test/system/witnessing.test.ts verifies a tlog-proof against a policy',
  'docs/objections.md › npm run customers -- add --name "Acme GmbH" --key \'acme-gmbh.example/objections+…\'':
    'edits local D1 with a placeholder key; test/system/objections.test.ts runs customers add',
  'docs/objections.md › npx subprocessor-watch keygen --note --name acme-gmbh.example/objections --out acme.key':
    'writes a key file and a deployed registry; test/system/objections-npm-start.test.ts runs keygen --note, add, object and receipts under npm start',
  'docs/objections.md › npm run objections -- list':
    'needs an objection received; test/system/objections-npm-start.test.ts runs list and resolve under npm start',
  'docs/vendor-risk-tools.md › npm run tick -- --at 2027-01-15':
    'moves the local tick; test/unit/tick.test.ts and test/system/webhooks.test.ts run it',
}

const nameOf = (block: Block) =>
  `${block.doc} › ${block.text
    .split('\n')[0]!
    .replace(/^\$ /, '')
    .replace(/\s+#.*$/, '')}`
const runsHere = (block: Block) => block.text.includes(LOCAL) && !(nameOf(block) in NOT_RUN_HERE)

interface Step {
  command: string
  output: string
}

/** A transcript's commands (continued lines kept) and the output shown after each. */
function transcript(text: string): Step[] {
  const steps: Step[] = []
  const rows = text.replace(/\n$/, '').split('\n')
  for (let i = 0; i < rows.length; i++) {
    if (!rows[i]!.startsWith('$ ')) {
      steps.at(-1)!.output += `${rows[i]}\n`
      continue
    }
    let command = rows[i]!.slice(2)
    while (command.endsWith('\\')) command = `${command}\n${rows[++i]}`
    steps.push({ command, output: '' })
  }
  return steps
}

/** Shown output as a pattern: `…` and `<placeholder>` match anything; line breaks and indentation do not count. */
function shownAsPattern(shown: string): RegExp {
  const flat = shown.replace(/\n\s*/g, '')
  const pattern = flat
    .split(/(…|<[^>]+>)/)
    .map((part, i) => (i % 2 ? '.*?' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('')
  return new RegExp(`^${pattern}$`, 's')
}

let work: string
let mf: Miniflare
let receiver: ChildProcess
let registryPort: number
let receiverPort: number
let blocks: Block[]

/**
 * Where a documented JSON example and a real answer differ in shape: object keys, array items the
 * example shows, and the type of every value. Values are examples and may differ.
 */
function shapeDifferences(example: unknown, actual: unknown, path = '$'): string[] {
  if (Array.isArray(example))
    return Array.isArray(actual)
      ? example.flatMap((item, i) => {
          // An example may show any item of a list: one with an id is compared with the answer's item of that id.
          const id = (item as { id?: unknown } | null)?.id
          const match = id === undefined ? actual[i] : actual.find((other) => other?.id === id)
          return shapeDifferences(item, match, `${path}[${id === undefined ? i : JSON.stringify(id)}]`)
        })
      : [`${path}: an array in the example`]
  if (example !== null && typeof example === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual))
      return [`${path}: an object in the example`]
    const keys = new Set([...Object.keys(example), ...Object.keys(actual)])
    return [...keys].flatMap((key) =>
      !(key in example)
        ? [`${path}.${key}: missing from the example`]
        : !(key in actual)
          ? [`${path}.${key}: not in the answer`]
          : shapeDifferences(
              (example as Record<string, unknown>)[key],
              (actual as Record<string, unknown>)[key],
              `${path}.${key}`,
            ),
    )
  }
  const typeOf = (value: unknown) => (value === null ? 'null' : typeof value)
  // An example shows one moment: a value it shows unset (an `until` with nothing announced) may be set in data/.
  return typeOf(example) === typeOf(actual) || (example === null && typeof actual === 'string')
    ? []
    : [`${path}: ${typeOf(example)} in the example, ${typeOf(actual)} in the answer`]
}

/** The example's ports swapped for this run's, and every curl made to fail on an HTTP error. */
async function shell(script: string): Promise<string> {
  const local = script.replaceAll(':8787', `:${registryPort}`).replaceAll(':8788', `:${receiverPort}`)
  const { stdout } = await run(
    'bash',
    ['-c', `set -euo pipefail\ncurl() { command curl --fail --silent --show-error "$@"; }\nset -x\n${local}`],
    { cwd: work, timeout: 20_000, maxBuffer: 16 * 1024 * 1024 },
  ).catch((error) => {
    throw new Error(`exit ${error.code}: ${error.stderr}`)
  })
  return stdout.replaceAll(`:${registryPort}`, ':8787').replaceAll(`:${receiverPort}`, ':8788')
}

beforeAll(async () => {
  blocks = await fencedBlocks('sh')
  // `npx subprocessor-watch` runs the compiled client, as after `npm ci`: compiled from this source.
  await run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'client'], { cwd: ROOT })
  const state = await mkdtemp(join(tmpdir(), 'doc-commands-'))
  const { scriptPath } = await bundleWorker(join(state, 'dist'))
  await publishData(WORKING_DATA, join(state, 'state'))
  registryPort = await freePort()
  receiverPort = await freePort()
  ;({ mf } = await serveRegistry({
    scriptPath,
    persistTo: join(state, 'state'),
    port: registryPort,
    // What `npm start` gives the Worker: its --var flags, and the secret `.dev.vars` holds.
    bindings: {
      WEBHOOK_ALLOW_LOCAL_HTTP: 'true',
      PUBLIC_ORIGIN: `http://127.0.0.1:${registryPort}`,
      WEBHOOK_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
    },
  }))
  // The receiver runs where the examples run, inside the repository so that its import of
  // standardwebhooks resolves as a user's would; `tee subscription.json` writes beside it.
  work = join(ROOT, '.wrangler', 'tmp', `doc-commands-${process.pid}`)
  await rm(work, { recursive: true, force: true })
  await mkdir(work, { recursive: true })
  const markdown = await readFile(join(ROOT, 'docs', 'vendor-risk-tools.md'), 'utf8')
  const code = /```js\n(\/\/ receiver\.mjs[\s\S]*?)```/.exec(markdown)![1]!
  await writeFile(join(work, 'receiver.mjs'), code.replace('.listen(8788,', `.listen(${receiverPort},`))
  receiver = spawn(process.execPath, ['receiver.mjs'], { cwd: work, stdio: 'ignore' })
  for (let i = 0; i < 100 && !(await fetch(`http://127.0.0.1:${receiverPort}`).catch(() => null)); i++)
    await new Promise((done) => setTimeout(done, 50))
}, 120_000)

afterAll(async () => {
  receiver?.kill()
  await mf?.dispose()
  await rm(work, { recursive: true, force: true })
})

describe('the examples in README.md and docs/', () => {
  it('either run here or are listed with the reason they cannot', () => {
    const unlisted = blocks.filter((block) => !runsHere(block)).map(nameOf)
    expect(unlisted.sort()).toEqual(Object.keys(NOT_RUN_HERE).sort())
  })

  it('run against the local registry and print what they show', async () => {
    const local = blocks.filter(runsHere)
    expect(local.length).toBeGreaterThan(4)
    for (const block of local) {
      const where = `${block.doc}:${block.line}`
      if (block.text.startsWith('$ ')) {
        // One shell for the whole transcript, so that a variable set by one command reaches the next.
        const steps = transcript(block.text)
        const printed = (await shell(steps.map(({ command }) => `${command}\nprintf '\\036'`).join('\n'))).split('\x1e')
        for (const [i, step] of steps.entries()) {
          const flat = printed[i]!.replace(/\r/g, '').replace(/\n\s*/g, '')
          expect(flat, `${where}: ${step.command}`).toMatch(shownAsPattern(step.output))
        }
      } else {
        await expect(shell(block.text), where).resolves.toBeTypeOf('string')
        for (const [, file] of block.text.matchAll(/# saves (\S+)/g))
          expect(existsSync(join(work, file!)), `${where}: saves ${file}`).toBe(true)
      }
    }
  }, 120_000)

  it('shows a list, and both error shapes, as the registry answers them', async () => {
    const base = `http://127.0.0.1:${registryPort}`
    const [list] = (await fencedBlocks('json')).filter((block) => block.doc === 'docs/api.md')
    const example = JSON.parse(list!.text)
    const answer = await (
      await fetch(`${base}/subprocessors.json?region=${example.region.id}&lang=${example.language}`)
    ).json()
    expect(shapeDifferences(example, answer)).toEqual([])

    const [unknownRegion, invalidBody] = (await fencedBlocks('json'))
      .filter((block) => block.doc === 'docs/errors.md')
      .map((block) => JSON.parse(block.text))
    expect(await (await fetch(`${base}/subprocessors?region=mars`)).json()).toEqual(unknownRegion)
    const refused = await fetch(`${base}/webhooks`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: 'https://10.0.0.1/hooks', regions: ['eu', 'mars'] }),
    })
    expect(shapeDifferences(invalidBody, await refused.json())).toEqual([])
  })

  it('has a library example that watches the registry, twice over', async () => {
    const markdown = await readFile(join(ROOT, 'docs', 'vendor-risk-tools.md'), 'utf8')
    const example = /```js\n(import \{ fileWatcher \} from 'subprocessor-watch\/node'[\s\S]*?)```/.exec(markdown)![1]!
    // The local registry is on loopback: the one host a user must allow by name.
    const local = example
      .replace("'https://subprocessors.example.com'", `'http://127.0.0.1:${registryPort}'`)
      .replace('await watcher.add(vendor)', 'await watcher.add(vendor, { allowPrivate: true })')
    expect(local).not.toContain('subprocessors.example.com')
    expect(local).toContain('allowPrivate: true')
    await writeFile(join(work, 'watch.mjs'), local)
    // The second run finds the registry watched already, and nothing new.
    for (const _ of [1, 2]) await run(process.execPath, ['watch.mjs'], { cwd: work })
    const state = JSON.parse(await readFile(join(work, 'portfolio.json'), 'utf8'))
    const url = `http://127.0.0.1:${registryPort}/.well-known/subprocessors`
    expect(state.registries[url]).toMatchObject({ vendor: 'LiveAgent', version: 1, evidence: 'verified' })
    expect(state.checks[url]).toMatchObject({ outcome: 'unchanged' })
  })

  it('has a poller that reports the version it finds, then nothing new', async () => {
    const markdown = await readFile(join(ROOT, 'docs', 'vendor-risk-tools.md'), 'utf8')
    await writeFile(join(work, 'poll.mjs'), /```js\n(\/\/ poll\.mjs[\s\S]*?)```/.exec(markdown)![1]!)
    const poller = spawn(process.execPath, ['poll.mjs', `http://127.0.0.1:${registryPort}`, 'eu', '1'], { cwd: work })
    let printed = ''
    poller.stdout.on('data', (chunk) => (printed += chunk))
    poller.stderr.on('data', (chunk) => (printed += chunk))
    for (let i = 0; i < 100 && !printed.includes('nothing new'); i++) await new Promise((done) => setTimeout(done, 50))
    poller.kill()
    // As the doc shows it, with a line for each change announced in data/, if any.
    const [, lines, count] =
      /^((?: {2}v1 .*\n)*)\S+Z version 1: (\d+) changes\n\S+Z nothing new after version 1\n/.exec(printed) ?? [printed]
    expect(lines?.split('\n').length, printed).toBe(Number(count) + 1)
  })
})
