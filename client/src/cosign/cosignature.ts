/**
 * C2SP tlog-cosignature, the Ed25519 type: a witness's note signature over a checkpoint, stating
 * that at `time` this is the largest tree consistent with all the witness has seen of the log.
 *
 *   vkey:       <name>+<key id>+base64(0x04 ‖ public key)
 *   key id:     SHA-256(<name> ‖ "\n" ‖ 0x04 ‖ public key)[:4]
 *   signature:  — <name> base64(key id ‖ u64 big-endian time ‖ Ed25519 signature)
 *   message:    "cosignature/v1\ntime <time>\n" ‖ the checkpoint's note text
 *
 * Keys and notes are read by signed-note.ts, with the cosignature key type. ML-DSA-44 (type 0x06)
 * is not offered: neither Web Crypto nor Node's standard library signs it.
 */
import { fromBase64, toBase64, utf8 } from '../bytes.js'
import {
  KEY_TYPES,
  keyId,
  NoteError,
  parseVerifierKey,
  privateKey,
  publicKeyOf,
  readNote,
  readSignatureLine,
  type SignatureLine,
  type VerifierKey,
} from '../log/signed-note.js'

const TYPE = KEY_TYPES.cosignature

export type CosignerKey = VerifierKey

export interface CosignerSigner extends CosignerKey {
  seed: Uint8Array
}

/** One cosignature that verified: whose, and the time it states (Unix seconds). */
export interface Cosignature {
  key: CosignerKey
  time: number
  /** The signature line as it stands in the note, with its newline. */
  line: string
}

const hex8 = (id: number) => id.toString(16).padStart(8, '0')
const vkeyText = (name: string, id: number, publicKey: Uint8Array) =>
  `${name}+${hex8(id)}+${toBase64(new Uint8Array([TYPE, ...publicKey]))}`

/** Reads a cosigner's verifier key (type 0x04); throws NoteError naming what is wrong. */
export const parseCosignerKey = (text: string): Promise<CosignerKey> => parseVerifierKey(text, TYPE)

/** Reads a cosigner's signer key (`PRIVATE+KEY+name+id+base64(0x04 ‖ seed)`), as keygen writes it. */
export async function parseCosignerSigner(text: string): Promise<CosignerSigner> {
  const [p, k, name = '', idText = '', ...rest] = text.trim().split('+')
  const key = fromBase64(rest.join('+'))
  if (p !== 'PRIVATE' || k !== 'KEY' || key?.[0] !== TYPE || key.byteLength !== 33)
    throw new NoteError('not a cosignature signer key: expected PRIVATE+KEY+name+keyid+base64(0x04 ‖ seed)')
  const seed = key.slice(1)
  const publicKey = await publicKeyOf(seed)
  const verifier = await parseVerifierKey(vkeyText(name, await keyId(name, publicKey, TYPE), publicKey), TYPE)
  if (hex8(verifier.id) !== idText) throw new NoteError("the signer key's id does not match its name and key")
  return { ...verifier, seed }
}

/** A new cosigner key pair named `name` (a schema-less URL, as the spec recommends). */
export async function generateCosignerKey(name: string): Promise<{ signer: string; verifier: string }> {
  if (name === '' || /[\s+]/u.test(name))
    throw new NoteError(`a key name has no spaces and no "+": ${JSON.stringify(name)}`)
  const seed = crypto.getRandomValues(new Uint8Array(32))
  const publicKey = await publicKeyOf(seed)
  const id = await keyId(name, publicKey, TYPE)
  return {
    signer: `PRIVATE+KEY+${name}+${hex8(id)}+${toBase64(new Uint8Array([TYPE, ...seed]))}`,
    verifier: vkeyText(name, id, publicKey),
  }
}

const signedMessage = (checkpointText: string, time: number) => utf8(`cosignature/v1\ntime ${time}\n${checkpointText}`)

/** The cosignature line over a checkpoint's note text (signatures excluded), at `time` (Unix seconds, > 0). */
export async function cosign(checkpointText: string, signer: CosignerSigner, time: number): Promise<string> {
  if (!(Number.isSafeInteger(time) && time > 0)) throw new RangeError('a cosignature states a time after 1970')
  const signature = new Uint8Array(
    await crypto.subtle.sign('Ed25519', await privateKey(signer.seed), signedMessage(checkpointText, time)),
  )
  const sig = new Uint8Array(12 + signature.byteLength)
  const view = new DataView(sig.buffer)
  view.setUint32(0, signer.id)
  view.setBigUint64(4, BigInt(time))
  sig.set(signature, 12)
  return `\u2014 ${signer.name} ${toBase64(sig)}\n`
}

/**
 * The cosignatures in a note by the given cosigners, each checked. A line that names one of them
 * (name and key id) but does not verify makes the note malformed, as signed-note says: it throws.
 * Lines by anyone else are ignored.
 */
export async function verifyCosignatures(note: string, cosigners: CosignerKey[]): Promise<Cosignature[]> {
  const { text, signatures } = readNote(note)
  return checkCosignatures(text, signatures, cosigners)
}

/**
 * A witness's answer to add-checkpoint (signature lines) checked against the checkpoint's text:
 * what a log keeps of it. Throws NoteError on a line that is not one, or that does not verify.
 */
export function verifyAnswer(checkpointText: string, answer: string, cosigner: CosignerKey): Promise<Cosignature[]> {
  if (!answer.endsWith('\n') || answer.split('\n').length > 101) throw new NoteError('not signature lines')
  return checkCosignatures(checkpointText, answer.slice(0, -1).split('\n').map(readSignatureLine), [cosigner])
}

async function checkCosignatures(
  text: string,
  signatures: SignatureLine[],
  cosigners: CosignerKey[],
): Promise<Cosignature[]> {
  const found: Cosignature[] = []
  for (const { name, id, signature, line } of signatures) {
    const key = cosigners.find((k) => k.name === name && k.id === id)
    if (!key) continue
    const view = new DataView(signature.buffer, signature.byteOffset)
    // A timestamp of 0 states nothing, and one past 2^53 is not a time JavaScript holds exactly.
    const time = signature.byteLength === 72 ? view.getBigUint64(0) : 0n
    const publicKey = await crypto.subtle.importKey('raw', key.publicKey, { name: 'Ed25519' }, false, ['verify'])
    const holds =
      time > 0n &&
      time <= BigInt(Number.MAX_SAFE_INTEGER) &&
      (await crypto.subtle.verify('Ed25519', publicKey, signature.slice(8), signedMessage(text, Number(time))))
    if (!holds) throw new NoteError(`the cosignature by ${name}+${hex8(id)} does not verify`)
    if (!found.some((c) => c.key === key)) found.push({ key, time: Number(time), line })
  }
  return found
}
