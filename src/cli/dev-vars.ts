/**
 * Local development needs the Worker secrets that a deployment sets with `wrangler secret put`.
 * When `.dev.vars` is missing it is created with random values, and the admin token is printed
 * this once; one made before the registry took objections gains a receipt key.
 */
import { randomBytes } from 'node:crypto'
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { generateKey, parseSignerKey } from '../domain/signed-note'

const FILE = '.dev.vars'
/** The local receipt key's name: receipts made under `npm start` say so. */
const LOCAL_RECEIPT_KEY_NAME = 'localhost/receipts'

/** Makes sure `.dev.vars` holds every local secret; returns the verifier key of its receipt key. */
export async function ensureDevVars(): Promise<string> {
  if (!existsSync(FILE)) {
    const adminToken = randomBytes(24).toString('base64url')
    const lines = [
      '# Local Worker secrets, created by `npm start`; git ignores this file.',
      `WEBHOOK_SECRET_KEY=${randomBytes(32).toString('base64')}`,
      `ADMIN_TOKEN=${adminToken}`,
      '',
    ]
    writeFileSync(FILE, lines.join('\n'), { mode: 0o600 })
    console.log(`Created ${FILE} with a new WEBHOOK_SECRET_KEY and ADMIN_TOKEN.`)
    console.log(`Admin token for GET /admin/webhooks and GET /objections (shown once): ${adminToken}`)
  }
  const existing = await localReceiptKey()
  if (existing) return existing
  const made = await generateKey(LOCAL_RECEIPT_KEY_NAME)
  appendFileSync(FILE, `RECEIPT_SIGNING_KEY=${made.signer}\n`)
  console.log(`Added a RECEIPT_SIGNING_KEY to ${FILE}: receipts for objections are signed by ${made.verifier}`)
  return made.verifier
}

/** The verifier key of the local Worker's receipt key, when `.dev.vars` holds one. */
export async function localReceiptKey(): Promise<string | undefined> {
  const text = existsSync(FILE) ? readFileSync(FILE, 'utf8') : ''
  const signer = /^RECEIPT_SIGNING_KEY=(.+)$/m.exec(text)?.[1]
  return signer ? (await parseSignerKey(signer.trim())).verifier.text : undefined
}
