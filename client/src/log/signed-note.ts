/**
 * C2SP signed notes with Ed25519 keys, and the C2SP tlog-checkpoint they carry, exactly as Go's
 * golang.org/x/mod/sumdb/note reads and writes them:
 *
 *   <text, ending in a newline>
 *   <blank line>
 *   — <key name> <base64(key id (4 bytes) ‖ signature)>
 *
 * A verifier key is `<name>+<key id, 8 hex digits>+<base64(0x01 ‖ public key)>`; a signer key is
 * `PRIVATE+KEY+<name>+<key id>+<base64(0x01 ‖ seed)>`. The key id is the first 4 bytes of
 * SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key). Web Crypto only, so it runs wherever the client does.
 */

import { fromBase64 as decodeBase64, toBase64, utf8 } from '../bytes.js'

const ED25519 = 0x01
/** Go's note.Open refuses a note with more signatures than this; so do we. */
const MAX_SIGNATURES = 100
const SIGNATURE_PREFIX = '\u2014 '
// PKCS #8 wrapping of an Ed25519 seed (RFC 8410): Web Crypto imports no raw private key.
const PKCS8_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
])

export class NoteError extends Error {}

function fromBase64(text: string): Uint8Array {
  const bytes = decodeBase64(text)
  if (!bytes) throw new NoteError('not base64')
  return bytes
}

/** The first `count - 1` "+"-separated fields, and the rest as the last. */
function splitFields(text: string, count: number): string[] {
  const fields = text.split('+')
  return [...fields.slice(0, count - 1), fields.slice(count - 1).join('+')]
}

const validName = (name: string) => name !== '' && !/[\s+]/u.test(name)

/** The signature types this module reads: a log's Ed25519 key, and a witness's Ed25519 cosignature key (C2SP tlog-cosignature). */
export const KEY_TYPES = { ed25519: 0x01, cosignature: 0x04 } as const
type KeyType = (typeof KEY_TYPES)[keyof typeof KEY_TYPES]

export async function keyId(name: string, publicKey: Uint8Array, type: KeyType = ED25519): Promise<number> {
  const input = new Uint8Array([...utf8(`${name}\n`), type, ...publicKey])
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', input))
  return new DataView(digest.buffer).getUint32(0)
}

const hex8 = (id: number) => id.toString(16).padStart(8, '0')

export interface VerifierKey {
  name: string
  id: number
  publicKey: Uint8Array
  /** The key as text: what is published and pinned. */
  text: string
}

export interface SignerKey {
  name: string
  id: number
  seed: Uint8Array
  verifier: VerifierKey
}

/** Reads a verifier key of the given type (a log's, by default); throws NoteError naming what is wrong. */
export async function parseVerifierKey(text: string, type: KeyType = ED25519): Promise<VerifierKey> {
  // The key's base64 may hold "+" itself: only the first two separate fields, as Go's chop does.
  const [name = '', idText = '', keyText = ''] = splitFields(text.trim(), 3)
  if (!validName(name) || !/^[0-9a-f]{8}$/.test(idText))
    throw new NoteError('not a verifier key: expected name+keyid+base64key')
  const key = fromBase64(keyText)
  if (key[0] !== type || key.byteLength !== 33)
    throw new NoteError(
      type === ED25519
        ? 'not an Ed25519 verifier key'
        : 'not an Ed25519 cosignature key (type 0x04, as C2SP tlog-cosignature gives it)',
    )
  const publicKey = key.slice(1)
  const id = await keyId(name, publicKey, type)
  if (hex8(id) !== idText) throw new NoteError("the verifier key's id does not match its name and key")
  return { name, id, publicKey, text: text.trim() }
}

/** Reads a signer key (`PRIVATE+KEY+…`); throws NoteError naming what is wrong. */
export async function parseSignerKey(text: string): Promise<SignerKey> {
  const [p = '', k = '', name = '', idText = '', keyText = ''] = splitFields(text.trim(), 5)
  if (p !== 'PRIVATE' || k !== 'KEY' || !validName(name) || !/^[0-9a-f]{8}$/.test(idText)) {
    throw new NoteError('not a signer key: expected PRIVATE+KEY+name+keyid+base64key')
  }
  const key = fromBase64(keyText)
  if (key[0] !== ED25519 || key.byteLength !== 33) throw new NoteError('not an Ed25519 signer key')
  const seed = key.slice(1)
  const publicKey = await publicKeyOf(seed)
  const id = await keyId(name, publicKey)
  if (hex8(id) !== idText) throw new NoteError("the signer key's id does not match its name and key")
  return {
    name,
    id,
    seed,
    verifier: { name, id, publicKey, text: `${name}+${hex8(id)}+${toBase64(new Uint8Array([ED25519, ...publicKey]))}` },
  }
}

export async function privateKey(seed: Uint8Array) {
  return crypto.subtle.importKey(
    'pkcs8',
    new Uint8Array([...PKCS8_ED25519_PREFIX, ...seed]),
    { name: 'Ed25519' },
    true,
    ['sign'],
  )
}

export async function publicKeyOf(seed: Uint8Array): Promise<Uint8Array> {
  const jwk = (await crypto.subtle.exportKey('jwk', await privateKey(seed))) as { x?: string }
  return Uint8Array.from(
    atob(jwk.x!.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (jwk.x!.length % 4)) % 4)),
    (c) => c.charCodeAt(0),
  )
}

/** A new Ed25519 key pair for a log named `name`, as signer and verifier key texts. */
export async function generateKey(name: string): Promise<{ signer: string; verifier: string }> {
  if (!validName(name)) throw new NoteError(`a key name has no spaces and no "+": ${JSON.stringify(name)}`)
  const seed = crypto.getRandomValues(new Uint8Array(32))
  const publicKey = await publicKeyOf(seed)
  const id = hex8(await keyId(name, publicKey))
  return {
    signer: `PRIVATE+KEY+${name}+${id}+${toBase64(new Uint8Array([ED25519, ...seed]))}`,
    verifier: `${name}+${id}+${toBase64(new Uint8Array([ED25519, ...publicKey]))}`,
  }
}

/** Signs `text` (which must end in a newline) with every key, in order. */
export async function signNote(text: string, signers: SignerKey[]): Promise<string> {
  if (!text.endsWith('\n') || text.includes('\n\n'))
    throw new NoteError("a note's text ends in a newline and has no blank line")
  const lines = await Promise.all(
    signers.map(async (signer) => {
      const signature = new Uint8Array(await crypto.subtle.sign('Ed25519', await privateKey(signer.seed), utf8(text)))
      const sig = new Uint8Array(4 + signature.byteLength)
      new DataView(sig.buffer).setUint32(0, signer.id)
      sig.set(signature, 4)
      return `${SIGNATURE_PREFIX}${signer.name} ${toBase64(sig)}\n`
    }),
  )
  return `${text}\n${lines.join('')}`
}

export interface SignatureLine {
  name: string
  id: number
  /** The signature bytes after the key id. */
  signature: Uint8Array
  /** The line as it stands in the note, with its newline. */
  line: string
}

/** A signed note's text and its signature lines, unchecked; throws NoteError on anything that is not one. */
export function readNote(note: string): { text: string; signatures: SignatureLine[] } {
  // As Go's note.Open: no control character but the newline, anywhere.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(note))
    throw new NoteError('not a signed note: it holds a control character')
  const split = note.lastIndexOf('\n\n')
  if (split < 0 || !note.endsWith('\n')) throw new NoteError('not a signed note: no blank line before the signatures')
  const lines = note.slice(split + 2, -1).split('\n')
  if (lines.length > MAX_SIGNATURES) throw new NoteError(`not a signed note: more than ${MAX_SIGNATURES} signatures`)
  return { text: note.slice(0, split + 1), signatures: lines.map(readSignatureLine) }
}

/** One signature line (`— <name> <base64(key id ‖ signature)>`, without its newline); throws NoteError if it is not one. */
export function readSignatureLine(line: string): SignatureLine {
  if (!line.startsWith(SIGNATURE_PREFIX))
    throw new NoteError('not a signed note: a signature line does not start with "— "')
  const [name = '', sigText = '', ...rest] = line.slice(SIGNATURE_PREFIX.length).split(' ')
  const sig = fromBase64(sigText)
  if (rest.length || !validName(name) || sig.byteLength < 5)
    throw new NoteError('not a signed note: a malformed signature line')
  const id = new DataView(sig.buffer, sig.byteOffset).getUint32(0)
  return { name, id, signature: sig.slice(4), line: `${line}\n` }
}

export interface OpenedNote {
  text: string
  /** The verifier keys whose signatures were checked and hold. */
  verifiedBy: VerifierKey[]
  /** Signatures by keys not among the verifiers: neither trusted nor refused. */
  unverified: { name: string; id: number }[]
}

/**
 * Opens a signed note: every signature by a known key must hold, and at least one must be there.
 * Throws NoteError naming what failed.
 */
export async function openNote(note: string, verifiers: VerifierKey[]): Promise<OpenedNote> {
  const { text, signatures } = readNote(note)
  const verifiedBy: VerifierKey[] = []
  const unverified: { name: string; id: number }[] = []
  const message = utf8(text)
  for (const { name, id, signature } of signatures) {
    const verifier = verifiers.find((key) => key.name === name && key.id === id)
    if (!verifier) {
      unverified.push({ name, id })
      continue
    }
    const key = await crypto.subtle.importKey('raw', verifier.publicKey, { name: 'Ed25519' }, false, ['verify'])
    if (!(await crypto.subtle.verify('Ed25519', key, signature, message)))
      throw new NoteError(`the signature by ${name}+${hex8(id)} does not verify`)
    verifiedBy.push(verifier)
  }
  if (verifiedBy.length === 0)
    throw new NoteError(
      `no signature by a known key (signed by ${unverified.map((s) => `${s.name}+${hex8(s.id)}`).join(', ') || 'nobody'})`,
    )
  return { text, verifiedBy, unverified }
}

export interface Checkpoint {
  origin: string
  size: number
  root: Uint8Array
  /** Extension lines after the root, as C2SP tlog-checkpoint allows. */
  extensions: string[]
}

/** A C2SP tlog-checkpoint body: origin, tree size, base64 root hash, each on its own line. */
export function formatCheckpoint({ origin, size, root, extensions }: Checkpoint): string {
  return `${origin}\n${size}\n${toBase64(root)}\n${extensions.map((line) => `${line}\n`).join('')}`
}

export function parseCheckpoint(text: string): Checkpoint {
  const lines = text.split('\n')
  if (lines.at(-1) !== '' || lines.length < 4) throw new NoteError('not a checkpoint: it has fewer than three lines')
  const [origin = '', sizeText = '', rootText = '', ...extensions] = lines.slice(0, -1)
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText)) throw new NoteError('not a checkpoint: the tree size is not a number')
  const root = fromBase64(rootText)
  if (origin === '' || root.byteLength !== 32)
    throw new NoteError('not a checkpoint: no origin, or a root hash that is not 32 bytes')
  return { origin, size: Number(sizeText), root, extensions }
}
