/**
 * The witness's side of C2SP tlog-witness `add-checkpoint`, as a plain function over the request
 * body and the witness's record of one log, so that the Node command and the Durable Object
 * answer exactly alike. The caller makes check-and-save atomic: it runs one request per origin
 * at a time and saves `save` before it answers.
 *
 *   old <size>\n<proof lines>\n\n<signed checkpoint>
 *
 *   200 cosignature lines · 400 malformed, or old size > size · 403 no valid signature by the
 *   log's key · 404 unknown log · 409 old size is not the latest cosigned (body: that size,
 *   text/x.tlog.size) · 422 a bad proof, a proof from size 0, a size-0 checkpoint without the
 *   empty root, or the latest size with another root.
 */
import { equalBytes, fromBase64, sha256, toBase64, utf8 } from '../bytes.js'
import { type ProofError, verifyConsistency } from '../log/proof.js'
import { type NoteError, openNote, parseCheckpoint, type VerifierKey } from '../log/signed-note.js'
import { cosign, type CosignerSigner } from './cosignature.js'

/** What a witness keeps of a log: the latest checkpoint it cosigned. */
export interface LatestCheckpoint {
  size: number
  /** base64 */
  root: string
  /** The signed note as submitted: proof of what the log said. */
  note: string
}

export interface WitnessAnswer {
  status: 200 | 400 | 403 | 404 | 409 | 422
  contentType: string
  body: string
  /** To store before answering (200 only). */
  save?: LatestCheckpoint
  /** A validly signed checkpoint that conflicts with the latest: kept as proof of the log's misbehaviour. */
  conflict?: { latest: LatestCheckpoint; submitted: string }
}

/** Bytes a request may have: 63 proof lines and a checkpoint with its signatures fit in far less. */
export const MAX_REQUEST_BYTES = 64 * 1024
const MAX_PROOF_LINES = 63

const text = (status: WitnessAnswer['status'], body: string): WitnessAnswer => ({
  status,
  contentType: 'text/plain; charset=utf-8',
  body: `${body}\n`,
})

export interface ParsedRequest {
  old: number
  proof: Uint8Array[]
  note: string
}

/** Reads a request body; a string when it is malformed, saying how. */
export function parseAddCheckpoint(body: string): ParsedRequest | string {
  const blank = body.indexOf('\n\n')
  if (blank < 0) return 'the body is an old size line, proof lines, a blank line and a checkpoint'
  const head = body.slice(0, blank).split('\n')
  const oldLine = /^old (0|[1-9][0-9]{0,15})$/.exec(head[0] ?? '')
  if (!oldLine) return 'the first line is "old <size>", in decimal without leading zeros'
  const proofLines = head.slice(1)
  if (proofLines.length > MAX_PROOF_LINES) return `at most ${MAX_PROOF_LINES} proof lines`
  const proof: Uint8Array[] = []
  for (const line of proofLines) {
    const hash = fromBase64(line)
    if (hash?.byteLength !== 32 || toBase64(hash) !== line) return 'a proof line is not a base64 SHA-256 hash'
    proof.push(hash)
  }
  return { old: Number(oldLine[1]), proof, note: body.slice(blank + 2) }
}

/** The origin line a request's checkpoint names, to route it before anything is checked. */
export function originOf(body: string): string | null {
  const parsed = parseAddCheckpoint(body)
  if (typeof parsed === 'string') return null
  const end = parsed.note.indexOf('\n')
  return end > 0 ? parsed.note.slice(0, end) : null
}

/**
 * Answers one add-checkpoint request for the log `origin` names, given the keys it is witnessed
 * with (none: not witnessed here) and the latest checkpoint cosigned for it.
 */
export async function addCheckpoint(
  body: string,
  logKeys: (origin: string) => VerifierKey[],
  latest: LatestCheckpoint | null,
  signer: CosignerSigner,
  now: Date,
): Promise<WitnessAnswer> {
  if (utf8(body).byteLength > MAX_REQUEST_BYTES) return text(400, `the body exceeds ${MAX_REQUEST_BYTES} bytes`)
  const request = parseAddCheckpoint(body)
  if (typeof request === 'string') return text(400, request)
  const origin = request.note.slice(0, Math.max(0, request.note.indexOf('\n')))
  const keys = origin ? logKeys(origin) : []
  if (keys.length === 0) return text(404, 'this witness does not witness that log')
  let opened: Awaited<ReturnType<typeof openNote>>
  try {
    opened = await openNote(request.note, keys)
  } catch (error) {
    return text(403, `no valid signature by the log's key: ${(error as NoteError).message}`)
  }
  let checkpoint: ReturnType<typeof parseCheckpoint>
  try {
    checkpoint = parseCheckpoint(opened.text)
  } catch (error) {
    return text(400, (error as NoteError).message)
  }
  if (checkpoint.origin !== origin) return text(400, 'the checkpoint names another origin')
  if (request.old > checkpoint.size) return text(400, 'the old size is larger than the checkpoint size')
  const latestSize = latest?.size ?? 0
  if (request.old !== latestSize) return { status: 409, contentType: 'text/x.tlog.size', body: `${latestSize}\n` }
  if (checkpoint.size === 0 && !equalBytes(checkpoint.root, await sha256(new Uint8Array(0))))
    return text(422, 'a checkpoint of size 0 has the root of the empty tree')
  if (request.old === 0 && request.proof.length > 0) return text(422, 'a proof from the empty tree is empty')
  if (latest && request.old > 0) {
    try {
      await verifyConsistency(request.old, checkpoint.size, request.proof, fromBase64(latest.root)!, checkpoint.root)
    } catch (error) {
      const conflict = { latest, submitted: request.note }
      return { ...text(422, `not consistent with the latest checkpoint: ${(error as ProofError).message}`), conflict }
    }
  }
  const time = Math.floor(now.getTime() / 1000)
  return {
    status: 200,
    contentType: 'text/plain; charset=utf-8',
    body: await cosign(opened.text, signer, time),
    save: { size: checkpoint.size, root: toBase64(checkpoint.root), note: request.note },
  }
}
