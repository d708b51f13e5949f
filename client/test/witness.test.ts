/**
 * `keygen` and `witness`: a C2SP tlog-witness served by the client, answered over HTTP exactly as
 * the spec gives each status and body, with its state saved before it answers and one answer per
 * old size however many requests race.
 */
import { createPublicKey, verify as verifyEd25519 } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signerKey, TEST_SIGNER_KEY, TEST_VERIFIER_KEY } from '../../test/support/keys'
import { toBase64, utf8 } from '../src/bytes'
import { parseCosignerKey, verifyCosignatures } from '../src/cosign/cosignature'
import { MerkleTree } from '../src/log/merkle'
import { formatCheckpoint, generateKey, parseSignerKey, type SignerKey, signNote } from '../src/log/signed-note'
import { freePort } from '../../test/support/harness'
import { run, serving } from './support'

const ORIGIN = 'subprocessors.example.com/liveagent'
const KEY = signerKey(TEST_SIGNER_KEY, TEST_VERIFIER_KEY)
let other: SignerKey
let impostor: SignerKey
let work: string
let witnessKey: string
let keyFile: string
let listFile: string
let stateFile: string
let witness: Awaited<ReturnType<typeof serving>>
const leaves = Array.from({ length: 32 }, (_, i) => crypto.subtle.digest('SHA-256', utf8(`leaf ${i}`)))

async function tree(size: number) {
  return MerkleTree.fromLeafHashes((await Promise.all(leaves.slice(0, size))).map((hash) => new Uint8Array(hash)))
}

async function checkpoint(size: number, key = KEY, origin = key.name, root?: Uint8Array): Promise<string> {
  const hash = root ?? (await (await tree(size)).root())
  return signNote(formatCheckpoint({ origin, size, root: hash, extensions: [] }), [key])
}

async function proof(from: number, to: number): Promise<string> {
  if (from === 0 || from === to) return ''
  return (await (await tree(to)).consistencyProof(from, to)).map((hash) => `${toBase64(hash)}\n`).join('')
}

async function submit(body: string) {
  const res = await fetch(`${witness.url}/add-checkpoint`, { method: 'POST', body })
  return { status: res.status, type: res.headers.get('Content-Type'), body: await res.text() }
}

const request = async (old: number, size: number, key = KEY) =>
  `old ${old}\n${await proof(old, size)}\n${await checkpoint(size, key)}`

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'client-witness-'))
  other = await parseSignerKey((await generateKey('other.example/log')).signer)
  impostor = await parseSignerKey((await generateKey(ORIGIN)).signer)
  keyFile = join(work, 'witness.key')
  listFile = join(work, 'logs.txt')
  stateFile = join(work, 'witness-state.json')
  const made = await run(['keygen', '--name', 'witness.example/w1', '--out', keyFile])
  expect(made.code).toBe(0)
  witnessKey = made.stdout.trim().split('\n').at(-1)!
  await writeFile(
    listFile,
    [
      '# the logs this witness cosigns',
      'logs/v0',
      `vkey ${TEST_VERIFIER_KEY}`,
      'origin none',
      'qpd 1440',
      'contact privacy@example.com',
      '',
      `vkey ${other.verifier.text}`,
      'qpd 24',
      'contact ops@other.example',
      '',
    ].join('\n'),
  )
  witness = await serving(['witness', '--port', String(await freePort()), '--key', keyFile, '--logs', listFile, '--witness-state', stateFile])
})

afterAll(async () => {
  await witness?.stop()
  await rm(work, { recursive: true, force: true })
})

describe('keygen', () => {
  it('prints a cosignature verifier key (type 0x04) and writes the private key, readable by its owner only', async () => {
    const key = await parseCosignerKey(witnessKey)
    expect(key.name).toBe('witness.example/w1')
    expect(Buffer.from(witnessKey.split('+')[2]!, 'base64')[0]).toBe(0x04)
    expect((await readFile(keyFile, 'utf8')).startsWith('PRIVATE+KEY+witness.example/w1+')).toBe(true)
    const { stat } = await import('node:fs/promises')
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600)
  })

  it('never overwrites a key', async () => {
    const again = await run(['keygen', '--name', 'witness.example/w1', '--out', keyFile])
    expect(again.code).toBe(64)
    expect(again.stderr).toContain('exists: keygen never overwrites a key')
  })
})

describe('witness: POST /add-checkpoint', () => {
  it('cosigns a first checkpoint from old 0: Ed25519 over "cosignature/v1", the time, and the note text', async () => {
    const before = Math.floor(Date.now() / 1000)
    const answer = await submit(await request(0, 3))
    expect(answer.status).toBe(200)
    expect(answer.body).toMatch(/^— witness\.example\/w1 [A-Za-z0-9+/]+=*\n$/)
    const [cosignature] = await verifyCosignatures(`${await checkpoint(3)}${answer.body}`, [
      await parseCosignerKey(witnessKey),
    ])
    expect(cosignature!.time).toBeGreaterThanOrEqual(before)
    // Read again from the spec with node:crypto alone: key id ‖ u64 time ‖ signature.
    const sig = Buffer.from(answer.body.trim().split(' ').at(-1)!, 'base64')
    const publicKey = Buffer.from(witnessKey.split('+')[2]!, 'base64').subarray(1)
    expect(sig.subarray(0, 4).toString('hex')).toBe(witnessKey.split('+')[1])
    const time = sig.readBigUInt64BE(4)
    const text = (await checkpoint(3)).split('\n\n')[0]!
    const message = Buffer.from(`cosignature/v1\ntime ${time}\n${text}\n`)
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey])
    const key = createPublicKey({ key: spki, format: 'der', type: 'spki' })
    expect(verifyEd25519(null, message, key, sig.subarray(12))).toBe(true)
    expect(verifyEd25519(null, Buffer.from(message.toString().replace('time', 'time 1')), key, sig.subarray(12))).toBe(
      false,
    )
  })

  it('answers 409 with the latest size, as text/x.tlog.size, when the old size is not the latest', async () => {
    const answer = await submit(await request(0, 5))
    expect(answer).toEqual({ status: 409, type: 'text/x.tlog.size', body: '3\n' })
  })

  it('cosigns a larger checkpoint with a consistency proof from the latest, and the same one again', async () => {
    expect((await submit(await request(3, 7))).status).toBe(200)
    expect((await submit(await request(7, 7))).status).toBe(200)
  })

  it.each([
    ['a consistency proof that does not verify', async () => `old 7\n${await proof(6, 9)}\n${await checkpoint(9)}`, 422],
    ['the latest size with another root', async () => `old 7\n\n${await checkpoint(7, KEY, ORIGIN, new Uint8Array(32))}`, 422],
    ['an old size larger than the checkpoint', async () => `old 9\n\n${await checkpoint(8)}`, 400],
    ['a body that is not old, proof, blank line, checkpoint', async () => `old 07\n\n${await checkpoint(8)}`, 400],
    ['a proof line that is not a hash', async () => `old 7\nnot-a-hash\n\n${await checkpoint(8)}`, 400],
    ['a log it does not witness', async () => `old 0\n\n${await checkpoint(1, impostor, 'unknown.example/log')}`, 404],
    ['no signature by the log key', async () => `old 7\n${await proof(7, 8)}\n${await checkpoint(8, impostor)}`, 403],
    [
      "a signature line with the log key's name and id that does not verify",
      async () => {
        const note = await checkpoint(8)
        const line = note.slice(note.lastIndexOf('— '))
        const sig = Buffer.from(line.trim().split(' ')[2]!, 'base64')
        sig[10] = sig[10]! ^ 1
        return `old 7\n${await proof(7, 8)}\n${note.replace(line, `— ${ORIGIN} ${sig.toString('base64')}\n`)}`
      },
      403,
    ],
  ])('refuses %s: %i, and cosigns nothing', async (_, body, status) => {
    const answer = await submit(await body())
    expect(answer.status).toBe(status)
    expect(answer.body).not.toContain('—')
    // The latest is still 7: an old size of 0 is told so.
    expect((await submit(await request(0, 9))).body).toBe('7\n')
  })

  it('keeps a validly signed conflicting checkpoint as proof of the log misbehaving', async () => {
    const state = JSON.parse(await readFile(stateFile, 'utf8'))
    expect(state.logs[ORIGIN].size).toBe(7)
    expect(state.conflicts.map((c: { origin: string }) => c.origin)).toEqual([ORIGIN, ORIGIN])
    expect(state.conflicts[1].submitted).toContain(`${ORIGIN}\n7\n${toBase64(new Uint8Array(32))}\n`)
  })

  it('refuses, for a new log, a proof from size 0 and a size-0 checkpoint without the empty root: 422', async () => {
    const fresh = await checkpoint(2, other)
    const proofLine = `${toBase64(new Uint8Array(32))}\n`
    expect((await submit(`old 0\n${proofLine}\n${fresh}`)).status).toBe(422)
    expect((await submit(`old 0\n\n${await checkpoint(0, other, other.name, new Uint8Array(32))}`)).status).toBe(422)
    const empty = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(0)))
    expect((await submit(`old 0\n\n${await checkpoint(0, other, other.name, empty)}`)).status).toBe(200)
  })

  it('gives one answer per old size, however many requests race for it', async () => {
    const bodies = await Promise.all(Array.from({ length: 12 }, (_, i) => request(7, 8 + i)))
    const answers = await Promise.all(bodies.map(submit))
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1)
    const winner = 8 + answers.findIndex((a) => a.status === 200)
    expect(answers.filter((a) => a.status === 409).map((a) => a.body)).toEqual(Array(11).fill(`${winner}\n`))
    expect(JSON.parse(await readFile(stateFile, 'utf8')).logs[ORIGIN].size).toBe(winner)
  })

  it('answers only POST /add-checkpoint', async () => {
    expect((await fetch(`${witness.url}/add-checkpoint`)).status).toBe(405)
    expect((await fetch(`${witness.url}/other`, { method: 'POST', body: '' })).status).toBe(404)
  })

  it('remembers the latest checkpoint across a restart', async () => {
    const latest = JSON.parse(await readFile(stateFile, 'utf8')).logs[ORIGIN].size
    await witness.stop()
    witness = await serving(['witness', '--port', String(await freePort()), '--key', keyFile, '--logs', listFile, '--witness-state', stateFile])
    expect(await submit(await request(0, 30))).toEqual({ status: 409, type: 'text/x.tlog.size', body: `${latest}\n` })
  })
})
