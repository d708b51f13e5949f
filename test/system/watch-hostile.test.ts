/**
 * Registries that misbehave, each answered by `check` with a clear error and its exit code,
 * while everything stored about the registry stays exactly as it was. The registry is static
 * files at the Evidence level, signed with the tests' key; each case replaces what it serves.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { copyFile, cp, mkdtemp, readFile, rm } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from '../support/harness'
import { NEXT_SIGNER_KEY, NEXT_VERIFIER_KEY, signerKey, TEST_SIGNER_KEY, TEST_VERIFIER_KEY } from '../support/keys'
import { EXAMPLE_VENDOR, type StaticRegistry, serveStatic, writeStaticRegistry } from '../support/static-registry'
import { WATCH_CLI, watch, withoutLastCheck } from '../support/watch'

const ORIGIN = 'subprocessors.example.com/liveagent'
const KEY = signerKey(TEST_SIGNER_KEY, TEST_VERIFIER_KEY)
const NEXT = signerKey(NEXT_SIGNER_KEY, NEXT_VERIFIER_KEY)
const SIGNED: StaticRegistry = { ...EXAMPLE_VENDOR, evidence: { origin: ORIGIN, signer: KEY } }
const THIRD = { ...EXAMPLE_VENDOR.versions[1]!, publishedAt: '2026-05-01T09:00:00.000Z', changes: [] }

let work: string
let root: string
let state: string
let host: Awaited<ReturnType<typeof serveStatic>>
let misbehave: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined
const hung: ServerResponse[] = []

/** A directory serving `registry`, written once per name. */
async function served(name: string, registry: StaticRegistry): Promise<string> {
  const dir = join(work, name)
  await writeStaticRegistry(dir, registry)
  return dir
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'watch-hostile-'))
  state = join(work, 'state.json')
  root = await served('good', SIGNED)
  host = await serveStatic(
    () => root,
    (req, res) => misbehave?.(req, res) ?? false,
  )
  const added = await watch('add', host.url, '--state', state)
  expect(added.stdout).toContain(`Pinned on first sight, from its discovery document:\n  ${TEST_VERIFIER_KEY}`)
  expect(added.code).toBe(0)
  const checked = await watch('check', '--state', state, '--json')
  expect(JSON.parse(checked.stdout).reports[0]).toMatchObject({ outcome: 'unchanged', evidence: 'verified' })
})

afterAll(async () => {
  for (const res of hung) res.destroy()
  host?.server.close()
  await rm(work, { recursive: true, force: true })
})

const on =
  (path: string, answer: (res: ServerResponse, req: IncomingMessage) => void) =>
  (req: IncomingMessage, res: ServerResponse) => {
    if (new URL(req.url!, 'http://x').pathname !== path) return false
    answer(res, req)
    return true
  }

describe('add', () => {
  it('pins the key given with --key, and refuses a registry whose log that key does not sign', async () => {
    const given = join(work, 'given-key.json')
    const { code, stdout, stderr } = await watch('add', host.url, '--key', NEXT_VERIFIER_KEY, '--state', given)
    expect(stderr).toContain(`is not signed by the pinned key ${NEXT_VERIFIER_KEY}`)
    expect(stdout).toBe('')
    expect(code).toBe(2)
    expect(existsSync(given)).toBe(false)

    const right = await watch('add', host.url, '--key', TEST_VERIFIER_KEY, '--state', given)
    expect(right.stdout).toContain(`Pinned the key you gave:\n  ${TEST_VERIFIER_KEY}`)
    expect(right.code).toBe(0)
  })

  /** The CLI under a pseudo-terminal (util-linux `script`), answering its prompt with `answer`. */
  const onTerminal = (answer: string, state: string) =>
    new Promise<{ stdout: string }>((done, failed) => {
      const child = spawn(
        'script',
        ['-qec', `node --import tsx ${WATCH_CLI} add ${host.url} --state ${state}`, '/dev/null'],
        {
          cwd: ROOT,
        },
      )
      let stdout = ''
      child.stdout.on('data', (chunk) => {
        stdout += chunk
        if (stdout.includes('Pin it? [y/N]') && child.stdin.writable) child.stdin.end(`${answer}\n`)
      })
      child.on('error', failed)
      child.on('exit', () => done({ stdout }))
    })

  it('shows the key and pins it only when the answer is yes', async () => {
    const declined = join(work, 'declined.json')
    const no = await onTerminal('n', declined)
    expect(no.stdout).toContain(`signs its log with:\r\n  ${TEST_VERIFIER_KEY}`)
    expect(no.stdout).toContain('Not added.')
    expect(existsSync(declined)).toBe(false)

    const accepted = join(work, 'accepted.json')
    const yes = await onTerminal('y', accepted)
    expect(yes.stdout).toContain('Watching Example Vendor')
    expect(
      JSON.parse(await readFile(accepted, 'utf8')).registries[`${host.url}/.well-known/subprocessors`].log.keys,
    ).toEqual([TEST_VERIFIER_KEY])
  })
})

describe('check against a hostile registry', () => {
  it.each<[string, number, string, () => Promise<void>]>([
    [
      'a wrong signature',
      2,
      `fails its signature: the signature by ${ORIGIN}+2dfe35cd does not verify`,
      async () => {
        const note = await readFile(join(root, 'log', 'checkpoint'), 'utf8')
        // Flip one bit of the signature, keeping the key id: the key is right, the signature is not.
        const [head, signature] = [note.slice(0, note.lastIndexOf(' ') + 1), note.slice(note.lastIndexOf(' ') + 1)]
        const bytes = Buffer.from(signature.trim(), 'base64')
        bytes[10] = bytes[10]! ^ 1
        misbehave = on('/log/checkpoint', (res) => res.writeHead(200).end(`${head}${bytes.toString('base64')}\n`))
      },
    ],
    [
      'an inconsistent checkpoint: its history rewritten',
      2,
      'the log of 3 versions does not extend the log of 2 seen before: its history was rewritten',
      async () => {
        const [first, second] = SIGNED.versions
        const rewritten = { ...first!, entries: first!.entries.slice(1) }
        root = await served('rewritten', { ...SIGNED, versions: [rewritten, second!, THIRD] })
      },
    ],
    [
      'a key changed without a rotation in the log',
      2,
      `is not signed by the pinned key ${TEST_VERIFIER_KEY}`,
      async () => {
        root = await served('new-key', {
          ...SIGNED,
          versions: [...SIGNED.versions, THIRD],
          evidence: { origin: ORIGIN, signer: NEXT },
        })
      },
    ],
    [
      'invalid JSON',
      3,
      '/.well-known/subprocessors is not valid JSON',
      async () => {
        misbehave = on('/.well-known/subprocessors', (res) =>
          res.writeHead(200).end('{"format": "subprocessor-registry/1.0",'),
        )
      },
    ],
    [
      'a body of 50 MB',
      3,
      '/lists/all.en.json sent more than 5242880 bytes; the client refuses a body that large',
      async () => {
        misbehave = on('/lists/all.en.json', (res) => res.writeHead(200).end(Buffer.alloc(50 * 1024 * 1024, 32)))
      },
    ],
    [
      'a server that never answers',
      3,
      '/.well-known/subprocessors did not answer within 1 s',
      async () => {
        misbehave = on('/.well-known/subprocessors', (res) => void hung.push(res))
      },
    ],
    [
      'a redirect to another host',
      3,
      'redirects to another host, http://localhost:',
      async () => {
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
      async () => {
        misbehave = (_req, res) => {
          res.writeHead(500).end('down')
          return true
        }
      },
    ],
  ])('%s: exit %i, and the stored state is kept', async (_name, exit, message, make) => {
    const before = await readFile(state, 'utf8')
    await make()
    try {
      const { code, stdout } = await watch('check', '--state', state, '--timeout', '1')
      expect(stdout).toContain(message)
      expect(code).toBe(exit)
      const after = await readFile(state, 'utf8')
      expect(withoutLastCheck(after)).toEqual(withoutLastCheck(before))
      expect(JSON.parse(after).registries[`${host.url}/.well-known/subprocessors`].lastCheck).toMatchObject({
        outcome: exit === 2 ? 'evidence' : 'error',
        message: expect.stringContaining(message),
      })
      // The auditor's working paper shows the failure, though the state it keeps is the last good one.
      const { rows } = JSON.parse((await watch('export', '--format', 'json', '--state', state)).stdout)
      expect(new Set(rows.map((row: { evidence: string }) => row.evidence))).toEqual(
        new Set([exit === 2 ? 'failed' : 'verified']),
      )
    } finally {
      misbehave = undefined
      root = join(work, 'good')
    }
    // Once the registry behaves again, so does the check.
    expect((await watch('check', '--state', state)).code).toBe(0)
  })

  it("a list ahead of its log's checkpoint is pending, and verified once the log catches up", async () => {
    const copy = join(work, 'pending.json')
    await copyFile(state, copy)
    const ahead = await served('ahead', { ...SIGNED, versions: [...SIGNED.versions, THIRD] })
    // The checkpoint and tiles of version 2 beside the list of version 3: a checkpoint cache behind.
    await rm(join(ahead, 'log'), { recursive: true })
    await cp(join(work, 'good', 'log'), join(ahead, 'log'), { recursive: true })
    root = ahead
    const behind = await watch('check', '--state', copy, '--json')
    expect(JSON.parse(behind.stdout).reports[0]).toMatchObject({
      outcome: 'unchanged',
      version: 3,
      evidence: 'pending',
    })
    expect(behind.code).toBe(0)

    root = await served('caught-up', { ...SIGNED, versions: [...SIGNED.versions, THIRD] })
    const caughtUp = await watch('check', '--state', copy, '--json')
    expect(JSON.parse(caughtUp.stdout).reports[0]).toMatchObject({ version: 3, evidence: 'verified' })
    root = join(work, 'good')
  })

  it('follows a key rotation that the log records under the old key', async () => {
    root = await served('rotated', {
      ...SIGNED,
      versions: [...SIGNED.versions, THIRD],
      evidence: { origin: ORIGIN, signer: NEXT, rotatingFrom: KEY, rotateAt: 3 },
    })
    const { code, stdout } = await watch('check', '--state', state, '--json')
    expect(JSON.parse(stdout).reports[0]).toMatchObject({ outcome: 'unchanged', version: 3, evidence: 'verified' })
    expect(code).toBe(0)
    const registry = JSON.parse(await readFile(state, 'utf8')).registries[`${host.url}/.well-known/subprocessors`]
    expect(registry.log).toMatchObject({ keys: [TEST_VERIFIER_KEY, NEXT_VERIFIER_KEY], size: 3 })
  })

  it('a registry that disappears: exit 3, and the stored state is kept', async () => {
    const before = await readFile(state, 'utf8')
    await new Promise((closed) => host.server.close(closed))
    host.server.closeAllConnections()
    const { code, stdout } = await watch('check', '--state', state, '--timeout', '1')
    expect(stdout).toContain('/.well-known/subprocessors could not be reached')
    expect(stdout).toContain('Check the address and your network; the registry may have closed.')
    expect(code).toBe(3)
    expect(withoutLastCheck(await readFile(state, 'utf8'))).toEqual(withoutLastCheck(before))
  })
})
