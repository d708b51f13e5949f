import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

// Inside workerd, D1 gets the real migrations, applied the platform's way (test/support/migrations.ts).
const migrations = await readD1Migrations('./src/storage/migrations')

export default defineConfig({
  test: {
    projects: [
      {
        // The API, through the Worker, inside workerd.
        plugins: [
          cloudflareTest({
            main: './src/index.ts',
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              // Webhook endpoints answer in Node, chosen by path; the Worker's requests go nowhere else.
              outboundService: webhookEndpoints,
              // Worker secrets and the public origin, as a deployment would set them; production mode otherwise.
              bindings: {
                TEST_MIGRATIONS: migrations,
                PUBLIC_ORIGIN: 'https://registry.example',
                ADMIN_TOKEN: 'admin-token-for-tests',
                WEBHOOK_SECRET_KEY: 'dGVzdHMgb25seTogMzIgYnl0ZXMgb2YgYSBrZXkhISE=',
              },
            },
          }),
        ],
        test: { name: 'worker', include: ['test/*.test.ts'], setupFiles: ['./test/support/migrations.ts'] },
      },
      {
        // The commands, the deployable bundle and the served contract, from Node.
        test: { name: 'system', include: ['test/system/*.test.ts'], environment: 'node', testTimeout: 120_000, hookTimeout: 120_000 },
      },
      {
        // The page in Debian's Chromium, against what `npm start` serves: axe, layout, keyboard, filter, CSV, print.
        test: {
          name: 'e2e',
          include: ['test/e2e/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
})

/**
 * Webhook endpoints for the tests inside workerd: Miniflare hands every outbound request of the
 * Worker to this function (its `outboundService`), in Node. The first path segment says how the
 * endpoint behaves, so that a test picks one by its URL:
 *
 *   /echo/…      echoes the verification challenge as JSON; answers events 200 with the
 *                webhook-signature it received, so the attempt's recorded response shows it
 *   /plain/…     echoes the challenge as plain text
 *   /silent/…    answers 200 without echoing the challenge
 *   /fail/…      echoes the challenge; answers events 500
 *   /redirect/…  answers everything with a redirect to /echo/
 */
async function webhookEndpoints(request: Request): Promise<Response> {
  const url = new URL(request.url)
  const kind = url.pathname.split('/')[1]
  const body = request.method === 'POST' ? await request.text() : ''
  let event: { type?: string; data?: { challenge?: string } } = {}
  try {
    event = JSON.parse(body)
  } catch {}
  const challenge = event.type === 'webhook.verification' ? event.data?.challenge : undefined
  switch (kind) {
    case 'echo':
      return challenge ? Response.json({ challenge }) : new Response(request.headers.get('webhook-signature'))
    case 'plain':
      return new Response(challenge ?? 'ok')
    case 'silent':
      return new Response('ok')
    case 'fail':
      return challenge ? Response.json({ challenge }) : new Response('down for maintenance', { status: 500 })
    case 'redirect':
      return new Response(null, { status: 302, headers: { Location: `${url.origin}/echo/` } })
    default:
      return new Response('no such endpoint', { status: 404 })
  }
}
