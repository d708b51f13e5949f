/**
 * The log's side of C2SP tlog-witness: submit a signed checkpoint to each witness with a
 * consistency proof from the size that witness last cosigned, follow a 409's size once, and keep
 * each cosignature that verifies against the witness's key. A witness that is down, slow or
 * wrong is reported, never thrown: it must not stop a publish.
 */
import { toBase64 } from '../bytes.js'
import type { Hash } from '../log/merkle.js'
import { type Cosignature, verifyAnswer } from './cosignature.js'
import type { PolicyWitness } from './policy.js'

export interface Submission {
  /** The signed checkpoint, with the log's signatures only. */
  note: string
  size: number
  /** The consistency proof from `old` to the checkpoint's size. */
  proof(old: number): Promise<Hash[]>
  /** The size this witness last cosigned, as the log recorded it: the first `old` tried. */
  lastCosigned(witness: PolicyWitness): number
  fetch: typeof fetch
  timeoutMs?: number
}

export type WitnessOutcome =
  | { witness: PolicyWitness; cosignature: Cosignature }
  | { witness: PolicyWitness; failure: string }

const MAX_ANSWER_BYTES = 16 * 1024

/** The answer's text, read no further than MAX_ANSWER_BYTES: a witness is not trusted with our memory. */
async function readBounded(res: Response): Promise<string> {
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = res.body?.getReader()
  for (let read = await reader?.read(); read && !read.done; read = await reader!.read()) {
    size += read.value.byteLength
    if (size > MAX_ANSWER_BYTES) {
      await reader!.cancel()
      throw new Error(`answered more than ${MAX_ANSWER_BYTES} bytes`)
    }
    chunks.push(read.value)
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return new TextDecoder().decode(bytes)
}

async function submitTo(witness: PolicyWitness, submission: Submission): Promise<WitnessOutcome> {
  if (!witness.url) return { witness, failure: 'the policy gives it no URL' }
  const url = `${witness.url}/add-checkpoint`
  let old = Math.min(submission.lastCosigned(witness), submission.size)
  for (let attempt = 0; attempt < 2; attempt++) {
    const proof = old > 0 && old < submission.size ? await submission.proof(old) : []
    const body = `old ${old}\n${proof.map((hash) => `${toBase64(hash)}\n`).join('')}\n${submission.note}`
    let res: Response
    try {
      res = await submission.fetch(url, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'text/plain; charset=utf-8' },
        redirect: 'manual',
        signal: AbortSignal.timeout(submission.timeoutMs ?? 5000),
      })
    } catch (error) {
      return { witness, failure: `unreachable: ${(error as Error).message.slice(0, 120)}` }
    }
    let answer: string
    try {
      answer = await readBounded(res)
    } catch (error) {
      return { witness, failure: (error as Error).message }
    }
    if (res.status === 409 && attempt === 0) {
      const size = /^(0|[1-9][0-9]{0,15})\n$/.exec(answer)
      if (!size || Number(size[1]) > submission.size)
        return { witness, failure: 'answered 409 without a size this log can prove from' }
      old = Number(size[1])
      continue
    }
    if (res.status !== 200) return { witness, failure: `answered ${res.status}` }
    try {
      const text = submission.note.slice(0, submission.note.indexOf('\n\n') + 1)
      const [cosignature] = await verifyAnswer(text, answer, witness.key)
      return cosignature ? { witness, cosignature } : { witness, failure: 'answered no cosignature by its key' }
    } catch (error) {
      return { witness, failure: `answered a cosignature that does not verify: ${(error as Error).message}` }
    }
  }
  return { witness, failure: 'answered 409 twice' }
}

/** Submits to every witness at once; one outcome per witness, in the order given. */
export function submitCheckpoint(witnesses: PolicyWitness[], submission: Submission): Promise<WitnessOutcome[]> {
  return Promise.all(witnesses.map((witness) => submitTo(witness, submission)))
}
