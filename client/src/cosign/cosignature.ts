/**
 * C2SP tlog-cosignature, the Ed25519 type: a witness's note signature over a checkpoint, stating
 * that at `time` this is the largest tree consistent with all the witness has seen of the log.
 *
 *   vkey:       <name>+<key id>+base64(0x04 ‖ public key)
 *   key id:     SHA-256(<name> ‖ "\n" ‖ 0x04 ‖ public key)[:4]
 *   signature:  — <name> base64(key id ‖ u64 big-endian time ‖ Ed25519 signature)
 *   message:    "cosignature/v1\ntime <time>\n" ‖ the checkpoint's note text
 *
 * ML-DSA-44 (type 0x06) is not offered: neither Web Crypto nor Node's standard library signs it.
 */
import { fromBase64, toBase64, utf8 } from '../bytes.js'
import { NoteError } from '../log/signed-note.js'

const COSIGNATURE_ED25519 = 0x04
const SIGNATURE_PREFIX = '\u2014 '
const PKCS8_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
])
/** The spec caps the timestamp at 2^63 − 1; a JavaScript number is exact only to 2^53. */
const MAX_TIME = Number.MAX_SAFE_INTEGER

export interface CosignerKey {
  name: string
  id: number
  publicKey: Uint8Array
  text: string
}

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
const validName = (name: string) => name !== '' && !/[\s+]/u.test(name)

function fields(text: string, count: number): string[] {
  const all = text.split('+')
  return [...all.slice(0, count - 1), all.slice(count - 1).join('+')]
}

async function keyId(name: string, publicKey: Uint8Array): Promise<number> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new Uint8Array([...utf8(`${name}\n`), COSIGNATURE_ED25519, ...publicKey])),
  )
  return new DataView(digest.buffer).getUint32(0)
}

function decode(text: string): Uint8Array {
  const bytes = fromBase64(text)
  if (!bytes) throw new NoteError('not base64')
  return bytes
}

const privateKey = (seed: Uint8Array) =>
  crypto.subtle.importKey('pkcs8', new Uint8Array([...PKCS8_ED25519_PREFIX, ...seed]), { name: 'Ed25519' }, true, [
    'sign',
  ])

async function publicKeyOf(seed: Uint8Array): Promise<Uint8Array> {
  const { x } = (await crypto.subtle.exportKey('jwk', await privateKey(seed))) as { x: string }
  return decode(x.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (x.length % 4)) % 4))
}

const vkeyText = (name: string, id: number, publicKey: Uint8Array) =>
  `${name}+${hex8(id)}+${toBase64(new Uint8Array([COSIGNATURE_ED25519, ...publicKey]))}`

/** Reads a cosigner's verifier key (type 0x04); throws NoteError naming what is wrong. */
export async function parseCosignerKey(text: string): Promise<CosignerKey> {
  const [name = '', idText = '', keyText = ''] = fields(text.trim(), 3)
  if (!validName(name) || !/^[0-9a-f]{8}$/.test(idText))
    throw new NoteError('not a verifier key: expected name+keyid+base64key')
  const key = decode(keyText)
  if (key[0] !== COSIGNATURE_ED25519 || key.byteLength !== 33)
    throw new NoteError('not an Ed25519 cosignature key (type 0x04, as C2SP tlog-cosignature gives it)')
  const publicKey = key.slice(1)
  if (hex8(await keyId(name, publicKey)) !== idText)
    throw new NoteError("the verifier key's id does not match its name and key")
  return { name, id: parseInt(idText, 16), publicKey, text: text.trim() }
}

/** Reads a cosigner's signer key (`PRIVATE+KEY+name+id+base64(0x04 ‖ seed)`). */
export async function parseCosignerSigner(text: string): Promise<CosignerSigner> {
  const [p = '', k = '', name = '', idText = '', keyText = ''] = fields(text.trim(), 5)
  if (p !== 'PRIVATE' || k !== 'KEY' || !validName(name) || !/^[0-9a-f]{8}$/.test(idText))
    throw new NoteError('not a signer key: expected PRIVATE+KEY+name+keyid+base64key')
  const key = decode(keyText)
  if (key[0] !== COSIGNATURE_ED25519 || key.byteLength !== 33)
    throw new NoteError('not an Ed25519 cosignature signer key (type 0x04)')
  const seed = key.slice(1)
  const publicKey = await publicKeyOf(seed)
  const id = await keyId(name, publicKey)
  if (hex8(id) !== idText) throw new NoteError("the signer key's id does not match its name and key")
  return { name, id, publicKey, seed, text: vkeyText(name, id, publicKey) }
}

/** A new cosigner key pair named `name` (a schema-less URL, as the spec recommends). */
export async function generateCosignerKey(name: string): Promise<{ signer: string; verifier: string }> {
  if (!validName(name)) throw new NoteError(`a key name has no spaces and no "+": ${JSON.stringify(name)}`)
  const seed = crypto.getRandomValues(new Uint8Array(32))
  const publicKey = await publicKeyOf(seed)
  const id = await keyId(name, publicKey)
  return {
    signer: `PRIVATE+KEY+${name}+${hex8(id)}+${toBase64(new Uint8Array([COSIGNATURE_ED25519, ...seed]))}`,
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
  return `${SIGNATURE_PREFIX}${signer.name} ${toBase64(sig)}\n`
}

export interface SignatureLine {
  name: string
  id: number
  /** The signature bytes after the key id. */
  signature: Uint8Array
  line: string
}

/** A signed note's text and its signature lines; throws NoteError on anything that is not one. */
export function splitNote(note: string): { text: string; signatures: SignatureLine[] } {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(note)) throw new NoteError('not a signed note: a control character')
  const split = note.lastIndexOf('\n\n')
  if (split < 0 || !note.endsWith('\n')) throw new NoteError('not a signed note: no blank line before the signatures')
  const signatures = note
    .slice(split + 2, -1)
    .split('\n')
    .map((line) => {
      if (!line.startsWith(SIGNATURE_PREFIX)) throw new NoteError('not a signed note: a line does not start with "— "')
      const [name = '', sigText = '', ...rest] = line.slice(SIGNATURE_PREFIX.length).split(' ')
      const sig = decode(sigText)
      if (rest.length || !validName(name) || sig.byteLength < 5)
        throw new NoteError('not a signed note: a malformed signature line')
      return {
        name,
        id: new DataView(sig.buffer, sig.byteOffset).getUint32(0),
        signature: sig.slice(4),
        line: `${line}\n`,
      }
    })
  return { text: note.slice(0, split + 1), signatures }
}

/**
 * The cosignatures in a note by the given cosigners, each checked. A line that names one of them
 * (name and key id) but does not verify makes the note malformed, as signed-note says: it throws.
 * Lines by anyone else are ignored.
 */
export async function verifyCosignatures(note: string, cosigners: CosignerKey[]): Promise<Cosignature[]> {
  const { text, signatures } = splitNote(note)
  const found: Cosignature[] = []
  for (const { name, id, signature, line } of signatures) {
    const key = cosigners.find((k) => k.name === name && k.id === id)
    if (!key) continue
    if (signature.byteLength !== 8 + 64)
      throw new NoteError(`the cosignature by ${name}+${hex8(id)} is not a timestamped Ed25519 signature`)
    const time = new DataView(signature.buffer, signature.byteOffset).getBigUint64(0)
    if (time === 0n || time > BigInt(MAX_TIME)) throw new NoteError(`the cosignature by ${name} states no usable time`)
    const publicKey = await crypto.subtle.importKey('raw', key.publicKey, { name: 'Ed25519' }, false, ['verify'])
    const ok = await crypto.subtle.verify('Ed25519', publicKey, signature.slice(8), signedMessage(text, Number(time)))
    if (!ok) throw new NoteError(`the cosignature by ${name}+${hex8(id)} does not verify`)
    if (!found.some((c) => c.key === key)) found.push({ key, time: Number(time), line })
  }
  return found
}
