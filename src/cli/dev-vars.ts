/**
 * Local development needs the two Worker secrets that a deployment sets with `wrangler secret
 * put`. When `.dev.vars` is missing it is created with random values, and the admin token is
 * printed this once.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, writeFileSync } from 'node:fs'

const FILE = '.dev.vars'

export function ensureDevVars(): void {
  if (existsSync(FILE)) return
  const adminToken = randomBytes(24).toString('base64url')
  const lines = [
    '# Local Worker secrets, created by `npm start`; git ignores this file.',
    `WEBHOOK_SECRET_KEY=${randomBytes(32).toString('base64')}`,
    `ADMIN_TOKEN=${adminToken}`,
    '',
  ]
  writeFileSync(FILE, lines.join('\n'), { mode: 0o600 })
  console.log(`Created ${FILE} with a new WEBHOOK_SECRET_KEY and ADMIN_TOKEN.`)
  console.log(`Admin token for GET /admin/webhooks (shown once): ${adminToken}`)
}
