/**
 * Web Crypto for webhooks: Standard Webhooks v1 signatures, the `whsec_` signing secrets and
 * management tokens, and the AES-GCM envelope that keeps secrets encrypted at rest.
 */

import { fromBase64 as decodeBase64, toBase64, toBase64Url } from '../../client/src/bytes'

export { toBase64 }

const encoder = new TextEncoder()

export function fromBase64(text: string): Uint8Array {
  const bytes = decodeBase64(text)
  if (!bytes) throw new Error('not base64')
  return bytes
}

function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length))
}

/** A random identifier or token: a prefix and `bytes` random bytes, URL-safe. */
export function randomToken(prefix: string, bytes = 32): string {
  return `${prefix}${toBase64Url(randomBytes(bytes))}`
}

/** A Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64. */
export function newSigningSecret(): string {
  return `whsec_${toBase64(randomBytes(32))}`
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)))
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

/**
 * The `webhook-signature` header: `v1,<base64 HMAC-SHA256 of id.timestamp.body>` for each
 * secret, space-separated, so that a receiver holding either secret accepts it during rotation.
 */
export async function signatureHeader(secrets: string[], id: string, timestamp: number, body: string): Promise<string> {
  const content = encoder.encode(`${id}.${timestamp}.${body}`)
  const signatures = await Promise.all(
    secrets.map(async (secret) => {
      const key = await crypto.subtle.importKey(
        'raw',
        fromBase64(secret.replace(/^whsec_/, '')),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign'],
      )
      return `v1,${toBase64(new Uint8Array(await crypto.subtle.sign('HMAC', key, content)))}`
    }),
  )
  return signatures.join(' ')
}

// One imported key per isolate per configured secret: importKey costs more than a decryption.
let sealingKey: { raw: string; key: Promise<CryptoKey> } | null = null

function keyFor(raw: string | undefined): Promise<CryptoKey> {
  if (!raw) throw new Error('WEBHOOK_SECRET_KEY is not set: create it with `wrangler secret put WEBHOOK_SECRET_KEY`')
  if (sealingKey?.raw !== raw) {
    const bytes = fromBase64(raw)
    if (bytes.byteLength !== 32) throw new Error('WEBHOOK_SECRET_KEY must be 32 bytes in base64')
    sealingKey = { raw, key: crypto.subtle.importKey('raw', bytes, 'AES-GCM', false, ['encrypt', 'decrypt']) }
  }
  return sealingKey.key
}

/** Encrypts a secret for storage; `context` (the subscription id) is authenticated, so a ciphertext moved to another row does not decrypt. */
export async function seal(keyBase64: string | undefined, plaintext: string, context: string): Promise<string> {
  const iv = randomBytes(12)
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: encoder.encode(context) },
    await keyFor(keyBase64),
    encoder.encode(plaintext),
  )
  return `v1.${toBase64(iv)}.${toBase64(new Uint8Array(sealed))}`
}

export async function unseal(keyBase64: string | undefined, stored: string, context: string): Promise<string> {
  const [version, iv, data] = stored.split('.')
  if (version !== 'v1' || !iv || !data) throw new Error('not a sealed secret')
  const opened = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64(iv), additionalData: encoder.encode(context) },
    await keyFor(keyBase64),
    fromBase64(data),
  )
  return new TextDecoder().decode(opened)
}
