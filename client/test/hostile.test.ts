/**
 * Registries that try to fool the client or hurt the machine it runs on. Each is a static registry
 * on loopback at the Evidence level, signed with the tests' key, that misbehaves in one way; for
 * each, `check` gives its exit code and message, and the state file's registries are kept byte
 * for byte (only the record of the check is new). Then the registry behaves again, and so does
 * the check.
 */
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  NEXT_SIGNER_KEY,
  NEXT_VERIFIER_KEY,
  signerKey,
  TEST_SIGNER_KEY,
  TEST_VERIFIER_KEY,
} from '../../test/support/keys'
import {
  EXAMPLE_VENDOR,
  type StaticRegistry,
  type StaticVersion,
  serveStatic,
  staticRegistryFiles,
  writeStaticRegistry,
} from '../../test/support/static-registry'
import { formatCheckpoint, signNote } from '../src/log/signed-note'
import { type Ran, recording, run, withoutChecks } from './support'

const ORIGIN = 'subprocessors.example.com/liveagent'
const KEY = signerKey(TEST_SIGNER_KEY, TEST_VERIFIER_KEY)
const NEXT = signerKey(NEXT_SIGNER_KEY, NEXT_VERIFIER_KEY)
const SIGNED: StaticRegistry = { ...EXAMPLE_VENDOR, regionLists: ['eu'], evidence: { origin: ORIGIN, signer: KEY } }
const THIRD: StaticVersion = { ...EXAMPLE_VENDOR.versions[1]!, publishedAt: '2026-05-01T09:00:00.000Z', changes: [] }
const FOURTH: StaticVersion = { ...THIRD, publishedAt: '2026-06-01T09:00:00.000Z' }
const V3: StaticRegistry = { ...SIGNED, versions: [...SIGNED.versions, THIRD] }
const MINUTE = 60_000

let work: string
let root: string
let state: string
let host: Awaited<ReturnType<typeof serveStatic>>
let misbehave: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined
const hung: ServerResponse[] = []
const registryUrl = () => `${host.url}/.well-known/subprocessors`

/** A directory serving `registry`, written once per name. */
async function served(name: string, registry: StaticRegistry): Promise<string> {
  const dir = join(work, name)
  await writeStaticRegistry(dir, registry)
  return dir
}

const on =
  (path: string, answer: (res: ServerResponse, req: IncomingMessage) => void) =>
  (req: IncomingMessage, res: ServerResponse) => {
    if (new URL(req.url!, 'http://x').pathname !== path) return false
    answer(res, req)
    return true
  }

/** A file of a registry as it would serve it. */
const fileOf = async (registry: StaticRegistry, path: string) => (await staticRegistryFiles(registry)).get(path)!

const watch = (...argv: string[]) => run([...argv, '--state', state, '--allow-private'])

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'client-hostile-'))
  state = join(work, 'state.json')
  root = await served('good', SIGNED)
  await served('v3', V3)
  host = await serveStatic(
    () => root,
    (req, res) => misbehave?.(req, res) ?? false,
  )
  const added = await watch('add', host.url)
  expect(added.stdout).toContain(`Pinned on first sight, from its discovery document:\n  ${TEST_VERIFIER_KEY}`)
  expect(added.code).toBe(0)
})

afterAll(async () => {
  for (const res of hung) res.destroy()
  host?.server.close()
  await rm(work, { recursive: true, force: true })
})

beforeEach(() => {
  misbehave = undefined
  root = join(work, 'good')
})

/** Runs `check` against the misbehaving registry: the exit code, the message, and the registries kept byte for byte. */
async function refused(exit: number, message: string, options: { now?: () => number } = {}): Promise<Ran> {
  const before = await readFile(state, 'utf8')
  const ran = await run(['check', '--state', state, '--allow-private', '--timeout', '1'], options)
  expect(ran.stdout).toContain(message)
  expect(ran.code).toBe(exit)
  const after = await readFile(state, 'utf8')
  expect(withoutChecks(after)).toBe(withoutChecks(before))
  expect(JSON.parse(after).checks[registryUrl()]).toMatchObject({
    outcome: exit === 2 ? 'evidence' : 'error',
    message: expect.stringContaining(message),
  })
  // The auditor's working paper shows the failure, though the state it keeps is the last good one.
  const { rows } = JSON.parse((await run(['export', '--format', 'json', '--state', state])).stdout)
  expect(rows).toHaveLength(2)
  expect(new Set(rows.map((row: { evidence: string }) => row.evidence))).toEqual(
    new Set([exit === 2 ? 'failed' : 'verified']),
  )
  return ran
}

/** Once the registry behaves again, so does the check. */
async function behavesAgain() {
  misbehave = undefined
  root = join(work, 'good')
  const again = await run(['check', '--state', state, '--allow-private', '--json'])
  expect(JSON.parse(again.stdout).reports[0]).toMatchObject({ evidence: 'verified', version: 2 })
  expect(again.code).toBe(0)
}

describe('trust that cannot be downgraded or swapped', () => {
  it('a registry that drops its signed log and serves a forged list: exit 2', async () => {
    const forged: StaticVersion = { ...THIRD, entries: THIRD.entries.slice(0, 1) }
    root = await served('no-evidence', { ...EXAMPLE_VENDOR, versions: [...EXAMPLE_VENDOR.versions, forged] })
    await refused(2, 'no longer offers its signed log, which it kept when it was added')
    await behavesAgain()
  })

  it("the signed eu list served at the all list's URL: exit 2, and the portfolio keeps every row", async () => {
    root = join(work, 'v3')
    const eu = await fileOf(V3, 'lists/eu.en.json')
    misbehave = on('/lists/all.en.json', (res) => res.writeHead(200, { ETag: '"eu"' }).end(eu))
    await refused(
      2,
      `/lists/all.en.json is not the list of region all in en that version 3's logged manifest lists there`,
    )
    await behavesAgain()
  })

  it('an edited change log announcing a change the log never held: exit 2, and no event', async () => {
    root = join(work, 'v3')
    const log = JSON.parse(String(await fileOf(V3, 'changes.json')))
    log.changes.unshift({
      id: 'v3/example-spy/added/2027-01-01T00:00:00.000Z',
      type: 'added',
      entry: { id: 'example-spy', name: 'Example Spy Ltd.' },
      regions: ['eu'],
      version: 3,
      announcedAt: '2026-05-01T09:00:00.000Z',
      effectiveAt: '2099-01-01T00:00:00.000Z',
      objectionDeadline: '2026-05-02T00:00:00.000Z',
      withdrawn: null,
    })
    misbehave = on('/changes.json', (res) => res.writeHead(200).end(JSON.stringify(log)))
    const ran = await refused(
      2,
      "/changes.json is not the whole change log of region all in en that version 3's logged manifest lists there",
    )
    expect(ran.stdout).not.toContain('Example Spy')
    await behavesAgain()
  })

  it('a wrong signature: exit 2', async () => {
    root = join(work, 'v3')
    const note = String(await fileOf(V3, 'log/checkpoint'))
    // Flip one bit of the signature, keeping the key id: the key is right, the signature is not.
    const [head, signature] = [note.slice(0, note.lastIndexOf(' ') + 1), note.slice(note.lastIndexOf(' ') + 1)]
    const bytes = Buffer.from(signature.trim(), 'base64')
    bytes[10] = bytes[10]! ^ 1
    misbehave = on('/log/checkpoint', (res) => res.writeHead(200).end(`${head}${bytes.toString('base64')}\n`))
    await refused(2, `fails its signature: the signature by ${ORIGIN}+2dfe35cd does not verify`)
    await behavesAgain()
  })

  it('a history rewritten under the same key: exit 2', async () => {
    const [first, second] = SIGNED.versions
    root = await served('rewritten', {
      ...SIGNED,
      versions: [{ ...first!, entries: first!.entries.slice(1) }, second!, THIRD],
    })
    await refused(2, 'the log of 3 versions does not extend the log of 2 seen before: its history was rewritten')
    await behavesAgain()
  })

  it('a key changed without a rotation in the log: exit 2', async () => {
    root = await served('new-key', { ...V3, evidence: { origin: ORIGIN, signer: NEXT } })
    await refused(2, `is not signed by the pinned key ${TEST_VERIFIER_KEY}`)
    await behavesAgain()
  })

  it('a rotation retires the old key: a checkpoint signed by it alone afterwards is refused', async () => {
    const rotated = join(work, 'rotated.json')
    await copyFile(state, rotated)
    const rotation = { origin: ORIGIN, signer: NEXT, rotatingFrom: KEY, rotateAt: 3 }
    root = await served('rotation', { ...V3, evidence: rotation })
    const followed = await run(['check', '--state', rotated, '--allow-private', '--json'])
    expect(JSON.parse(followed.stdout).reports[0]).toMatchObject({ version: 3, evidence: 'verified' })
    expect(JSON.parse(await readFile(rotated, 'utf8')).registries[registryUrl()].log.keys).toEqual([
      TEST_VERIFIER_KEY,
      NEXT_VERIFIER_KEY,
    ])
    // Version 4, whose checkpoint the retired key signs, and not the new one.
    const four = { ...V3, versions: [...V3.versions, FOURTH], evidence: rotation }
    root = await served('rotation-4', four)
    const body = String(await fileOf(four, 'log/checkpoint')).split('\n\n')[0]!
    const byOldKey = await signNote(`${body}\n`, [KEY])
    misbehave = on('/log/checkpoint', (res) => res.writeHead(200).end(byOldKey))
    const before = await readFile(rotated, 'utf8')
    const refusedOld = await run(['check', '--state', rotated, '--allow-private'])
    expect(refusedOld.stdout).toContain(`is not signed by the pinned key ${NEXT_VERIFIER_KEY}`)
    expect(refusedOld.code).toBe(2)
    expect(withoutChecks(await readFile(rotated, 'utf8'))).toBe(withoutChecks(before))
  })

  it('a version served before its log holds it is pending for an hour, then an evidence failure', async () => {
    const copy = join(work, 'pending.json')
    await copyFile(state, copy)
    const ahead = await served('ahead', V3)
    const good = await staticRegistryFiles(SIGNED)
    // Version 3 beside the checkpoint and tiles of version 2: a checkpoint's cache behind.
    misbehave = (req, res) => {
      const path = new URL(req.url!, 'http://x').pathname.slice(1)
      if (!path.startsWith('log/')) return false
      const file = good.get(path)
      res.writeHead(file ? 200 : 404).end(file)
      return true
    }
    root = ahead
    const start = Date.now()
    const behind = await run(['check', '--state', copy, '--allow-private', '--json'], { now: () => start })
    expect(JSON.parse(behind.stdout).reports[0]).toMatchObject({
      outcome: 'unchanged',
      version: 2,
      evidence: 'pending',
    })
    expect(behind.code).toBe(0)
    const still = await run(['check', '--state', copy, '--allow-private', '--json'], { now: () => start + 59 * MINUTE })
    expect(JSON.parse(still.stdout).reports[0]).toMatchObject({ evidence: 'pending' })
    const late = await run(['check', '--state', copy, '--allow-private'], { now: () => start + 61 * MINUTE })
    expect(late.stdout).toContain('has served version 3 since')
    expect(late.stdout).toContain('but its signed log still holds only 2 versions')
    expect(late.code).toBe(2)

    misbehave = undefined
    const caughtUp = await run(['check', '--state', copy, '--allow-private', '--json'], {
      now: () => start + 62 * MINUTE,
    })
    expect(JSON.parse(caughtUp.stdout).reports[0]).toMatchObject({ version: 3, evidence: 'verified' })
  })

  it('a whole registry rolled back to an older, consistent state: exit 2, since its log shrank', async () => {
    const copy = join(work, 'rollback.json')
    await copyFile(state, copy)
    root = join(work, 'v3')
    expect((await run(['check', '--state', copy, '--allow-private'])).code).toBe(0)
    root = join(work, 'good')
    const rolled = await run(['check', '--state', copy, '--allow-private'])
    expect(rolled.stdout).toContain("the log shrank from 3 to 2 versions: a registry's log only grows")
    expect(rolled.code).toBe(2)
    // An older discovery beside the current log is a cache behind: exit 3.
    const v3 = await staticRegistryFiles(V3)
    misbehave = (req, res) => {
      const path = new URL(req.url!, 'http://x').pathname.slice(1)
      if (!path.startsWith('log/')) return false
      res.writeHead(200).end(v3.get(path))
      return true
    }
    const stale = await run(['check', '--state', copy, '--allow-private'])
    expect(stale.stdout).toContain(
      'serves version 2, older than version 3 read before, while its log still holds version 3',
    )
    expect(stale.code).toBe(3)
  })
})

describe('one hostile registry never hurts the others, or the machine', () => {
  it('a checkpoint that claims 10^15 versions: refused before a single tile is read', async () => {
    root = join(work, 'v3')
    const note = await signNote(
      formatCheckpoint({ origin: ORIGIN, size: 10 ** 15, root: new Uint8Array(32), extensions: [] }),
      [KEY],
    )
    misbehave = on('/log/checkpoint', (res) => res.writeHead(200).end(note))
    host.requests.length = 0
    await refused(
      3,
      'claims 1000000000000000 versions, 999999999999998 more than this client has read; it reads at most 65536',
    )
    expect(host.requests.filter((r) => r.path.startsWith('/log/tile/'))).toEqual([])
    await behavesAgain()
  })

  it.each([
    ['the checkpoint', 'checkpoint', 'http://169.254.169.254/latest/meta-data/'],
    ['the tiles', 'tiles', 'http://169.254.169.254/tile/'],
  ])('a link for %s to another origin is never followed', async (_name, member, target) => {
    root = join(work, 'v3')
    const discovery = JSON.parse(String(await fileOf(V3, '.well-known/subprocessors')))
    discovery.evidence[member] = target
    misbehave = on('/.well-known/subprocessors', (res) => res.writeHead(200).end(JSON.stringify(discovery)))
    const { fetch, urls } = recording()
    const before = await readFile(state, 'utf8')
    const ran = await run(['check', '--state', state, '--allow-private'], { fetch })
    expect(ran.stdout).toContain(
      'links http://169.254.169.254, another origin; the client reads a registry only on its own origin',
    )
    expect(ran.code).toBe(3)
    expect(urls.filter((url) => !url.startsWith(host.url))).toEqual([])
    expect(withoutChecks(await readFile(state, 'utf8'))).toBe(withoutChecks(before))
    await behavesAgain()
  })

  it('an answer that is not JSON is named, never echoed: not in the message, the output or the state', async () => {
    misbehave = on('/.well-known/subprocessors', (res) => res.writeHead(200).end('<html>token=SECRET-7f3a</html>'))
    const ran = await refused(3, '/.well-known/subprocessors is not valid JSON (30 bytes)')
    expect(`${ran.stdout}${ran.stderr}${await readFile(state, 'utf8')}`).not.toContain('SECRET-7f3a')
    await behavesAgain()
  })

  it('a discovery document nested 20,000 deep: refused before it is parsed, and nothing crashes', async () => {
    root = join(work, 'v3')
    const discovery = String(await fileOf(V3, '.well-known/subprocessors'))
    const nested = `${discovery.trimEnd().slice(0, -1)}, "x-acme": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`
    misbehave = on('/.well-known/subprocessors', (res) => res.writeHead(200).end(nested))
    await refused(3, '/.well-known/subprocessors nests deeper than 32 levels; the client refuses it')
    await behavesAgain()
  })

  it.each<[string, number, string, () => void]>([
    [
      'a body of 50 MB',
      3,
      '/.well-known/subprocessors sent more than 5242880 bytes; the client refuses a body that large',
      () => {
        misbehave = on('/.well-known/subprocessors', (res) =>
          res.writeHead(200).end(Buffer.alloc(50 * 1024 * 1024, 32)),
        )
      },
    ],
    [
      'a server that never answers',
      3,
      '/.well-known/subprocessors did not answer within 1 s',
      () => {
        misbehave = on('/.well-known/subprocessors', (res) => void hung.push(res))
      },
    ],
    [
      'a redirect to another host',
      3,
      'redirects to another host, http://localhost:',
      () => {
        const elsewhere = host.url.replace('127.0.0.1', 'localhost')
        misbehave = on('/.well-known/subprocessors', (res) =>
          res.writeHead(302, { Location: `${elsewhere}/.well-known/subprocessors` }).end(),
        )
      },
    ],
    [
      '500s',
      3,
      '/.well-known/subprocessors answered 500, a fault of the registry',
      () => {
        misbehave = (_req, res) => {
          res.writeHead(500).end('down')
          return true
        }
      },
    ],
  ])('%s: exit %i, and the stored state is kept', async (_name, exit, message, make) => {
    make()
    await refused(exit, message)
    await behavesAgain()
  })

  it('a registry that disappears: exit 3, and the stored state is kept', async () => {
    const gone = await serveStatic(() => join(work, 'good'))
    const file = join(work, 'gone.json')
    expect((await run(['add', gone.url, '--state', file, '--allow-private'])).code).toBe(0)
    const before = await readFile(file, 'utf8')
    await new Promise((closed) => gone.server.close(closed))
    gone.server.closeAllConnections()
    const ran = await run(['check', '--state', file, '--allow-private', '--timeout', '1'])
    expect(ran.stdout).toContain('/.well-known/subprocessors could not be reached')
    expect(ran.stdout).toContain('Check the address and your network; the registry may have closed.')
    expect(ran.code).toBe(3)
    expect(withoutChecks(await readFile(file, 'utf8'))).toBe(withoutChecks(before))
  })
})
