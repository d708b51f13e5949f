/**
 * C2SP tlog-witness `add-checkpoint`, as a witness must answer it: every status and body of the
 * spec, one answer per old size however many requests race, and the latest checkpoint kept across
 * a restart. Run against each witness the project ships: the client's command and the Worker.
 */
import { createPublicKey, verify as verifyEd25519 } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { toBase64, utf8 } from '../../client/src/bytes'
import { parseCosignerKey, verifyCosignatures } from '../../client/src/cosign/cosignature'
import { MerkleTree } from '../../client/src/log/merkle'
import { formatCheckpoint, type SignerKey, signNote } from '../../client/src/log/signed-note'
import { signerKey, TEST_SIGNER_KEY, TEST_VERIFIER_KEY } from './keys'

export const WITNESSED_ORIGIN = 'subprocessors.example.com/liveagent'
export const LOG_KEY = signerKey(TEST_SIGNER_KEY, TEST_VERIFIER_KEY)
/** A second log, witnessed from scratch in its own cases. */
export const OTHER_LOG_KEY = signerKey(
  'PRIVATE+KEY+other.example/log+b1fd0c6b+AY6OAk8vrUWEx4mPXLqXSqWcepqIUwhrKJNAW8ZDjgTp',
  'other.example/log+b1fd0c6b+AW7jk1i2zLKJ/KievMmljWVkqxITAJw3tpy853e+WEkW',
)
/** A key with the witnessed log's name that the log list does not hold. */
export const IMPOSTOR_KEY = signerKey(
  'PRIVATE+KEY+subprocessors.example.com/liveagent+529e1c5e+AVOS2xxNPHd4UQvWsbbZ9hJnwd6y4Fn9aHxTGaXSMJsN',
  'subprocessors.example.com/liveagent+529e1c5e+AfJHhchsukrc7KcqjxE/bnz6qEkWCReKSe80fiwT62gM',
)

/** The log list a witness under test is configured with: both logs above. */
export const WITNESSED_LOG_LIST = [
  '# the logs this witness cosigns',
  'logs/v0',
  `vkey ${TEST_VERIFIER_KEY}`,
  'origin none',
  'qpd 1440',
  'contact privacy@example.com',
  '',
  `vkey ${OTHER_LOG_KEY.verifier.text}`,
  'qpd 24',
  'contact ops@other.example',
  '',
].join('\n')

const leaves = Array.from({ length: 32 }, (_, i) => crypto.subtle.digest('SHA-256', utf8(`leaf ${i}`)))

async function tree(size: number) {
  return MerkleTree.fromLeafHashes((await Promise.all(leaves.slice(0, size))).map((hash) => new Uint8Array(hash)))
}

/** A checkpoint of the test log's first `size` leaves, signed by `key` (the root may be forced). */
export async function testCheckpoint(size: number, key: SignerKey = LOG_KEY, root?: Uint8Array): Promise<string> {
  const hash = root ?? (await (await tree(size)).root())
  return signNote(formatCheckpoint({ origin: key.name, size, root: hash, extensions: [] }), [key])
}

async function proof(from: number, to: number): Promise<string> {
  if (from === 0 || from === to) return ''
  return (await (await tree(to)).consistencyProof(from, to)).map((hash) => `${toBase64(hash)}\n`).join('')
}

export const addRequest = async (old: number, size: number, key: SignerKey = LOG_KEY) =>
  `old ${old}\n${await proof(old, size)}\n${await testCheckpoint(size, key)}`

export interface WitnessUnderTest {
  url(): string
  verifierKey(): string
  restart(): Promise<void>
}

export function describeWitness(label: string, witness: WitnessUnderTest): void {
  async function submit(body: string) {
    const res = await fetch(`${witness.url()}/add-checkpoint`, { method: 'POST', body })
    return { status: res.status, type: res.headers.get('Content-Type'), body: await res.text() }
  }

  describe(`${label}: POST /add-checkpoint`, () => {
    it('cosigns a first checkpoint from old 0: Ed25519 over "cosignature/v1", the time, and the note text', async () => {
      const before = Math.floor(Date.now() / 1000)
      const answer = await submit(await addRequest(0, 3))
      expect(answer.status).toBe(200)
      expect(answer.body).toMatch(/^— [^ ]+ [A-Za-z0-9+/]+=*\n$/)
      const key = await parseCosignerKey(witness.verifierKey())
      const [cosignature] = await verifyCosignatures(`${await testCheckpoint(3)}${answer.body}`, [key])
      expect(cosignature!.time).toBeGreaterThanOrEqual(before)
      // Read again from the spec with node:crypto alone: key id ‖ u64 time ‖ signature.
      const sig = Buffer.from(answer.body.trim().split(' ').at(-1)!, 'base64')
      expect(sig.subarray(0, 4).toString('hex')).toBe(witness.verifierKey().split('+')[1])
      const time = sig.readBigUInt64BE(4)
      const text = (await testCheckpoint(3)).split('\n\n')[0]!
      const message = Buffer.from(`cosignature/v1\ntime ${time}\n${text}\n`)
      const publicKey = Buffer.from(witness.verifierKey().split('+').slice(2).join('+'), 'base64').subarray(1)
      const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey])
      const verifier = createPublicKey({ key: spki, format: 'der', type: 'spki' })
      expect(verifyEd25519(null, message, verifier, sig.subarray(12))).toBe(true)
      const otherTime = Buffer.from(`cosignature/v1\ntime ${time + 1n}\n${text}\n`)
      expect(verifyEd25519(null, otherTime, verifier, sig.subarray(12))).toBe(false)
    })

    it('answers 409 with the latest size, as text/x.tlog.size, when the old size is not the latest', async () => {
      expect(await submit(await addRequest(0, 5))).toEqual({ status: 409, type: 'text/x.tlog.size', body: '3\n' })
    })

    it('cosigns a larger checkpoint with a consistency proof from the latest, and the same one again', async () => {
      expect((await submit(await addRequest(3, 7))).status).toBe(200)
      expect((await submit(await addRequest(7, 7))).status).toBe(200)
    })

    it.each([
      [
        'a consistency proof that does not verify',
        422,
        async () => `old 7\n${await proof(6, 9)}\n${await testCheckpoint(9)}`,
      ],
      [
        'the latest size with another root',
        422,
        async () => `old 7\n\n${await testCheckpoint(7, LOG_KEY, new Uint8Array(32))}`,
      ],
      ['an old size larger than the checkpoint', 400, async () => `old 9\n\n${await testCheckpoint(8)}`],
      [
        'a body that is not old, proof, blank line, checkpoint',
        400,
        async () => `old 07\n\n${await testCheckpoint(8)}`,
      ],
      ['a proof line that is not a hash', 400, async () => `old 7\nnot-a-hash\n\n${await testCheckpoint(8)}`],
      [
        'a log it does not witness',
        404,
        async () => `old 0\n\n${(await testCheckpoint(1)).replace(WITNESSED_ORIGIN, 'unknown.example/log')}`,
      ],
      [
        'no signature by the log key',
        403,
        async () => `old 7\n${await proof(7, 8)}\n${await testCheckpoint(8, IMPOSTOR_KEY)}`,
      ],
      [
        "a signature line with the log key's name and id that does not verify",
        403,
        async () => {
          const note = await testCheckpoint(8)
          const line = note.slice(note.lastIndexOf('— '))
          const sig = Buffer.from(line.trim().split(' ')[2]!, 'base64')
          sig[10] = sig[10]! ^ 1
          return `old 7\n${await proof(7, 8)}\n${note.replace(line, `— ${WITNESSED_ORIGIN} ${sig.toString('base64')}\n`)}`
        },
      ],
    ])('refuses %s: %i, and cosigns nothing', async (_, status, body) => {
      const answer = await submit(await body())
      expect(answer.status).toBe(status)
      expect(answer.body).not.toContain('—')
      // The latest is still 7: an old size of 0 is told so.
      expect((await submit(await addRequest(0, 9))).body).toBe('7\n')
    })

    it('refuses, for a new log, a proof from size 0 and a size-0 checkpoint without the empty root: 422', async () => {
      const proofLine = `${toBase64(new Uint8Array(32))}\n`
      expect((await submit(`old 0\n${proofLine}\n${await testCheckpoint(2, OTHER_LOG_KEY)}`)).status).toBe(422)
      expect((await submit(`old 0\n\n${await testCheckpoint(0, OTHER_LOG_KEY, new Uint8Array(32))}`)).status).toBe(422)
      const empty = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(0)))
      expect((await submit(`old 0\n\n${await testCheckpoint(0, OTHER_LOG_KEY, empty)}`)).status).toBe(200)
    })

    it('gives one answer per old size, however many requests race for it', async () => {
      const bodies = await Promise.all(Array.from({ length: 12 }, (_, i) => addRequest(7, 8 + i)))
      const answers = await Promise.all(bodies.map(submit))
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1)
      const winner = 8 + answers.findIndex((a) => a.status === 200)
      expect(answers.filter((a) => a.status === 409).map((a) => a.body)).toEqual(Array(11).fill(`${winner}\n`))
      expect((await submit(await addRequest(0, 30))).body).toBe(`${winner}\n`)
    })

    it('answers only POST /add-checkpoint', async () => {
      expect((await fetch(`${witness.url()}/add-checkpoint`)).status).toBe(405)
      expect((await fetch(`${witness.url()}/other`, { method: 'POST', body: '' })).status).toBe(404)
    })

    it('remembers the latest checkpoint across a restart', async () => {
      const latest = (await submit(await addRequest(0, 30))).body
      await witness.restart()
      expect(await submit(await addRequest(0, 30))).toEqual({ status: 409, type: 'text/x.tlog.size', body: latest })
    })
  })
}
