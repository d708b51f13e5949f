import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

// Inside workerd, D1 gets the real migrations, applied the platform's way (test/support/migrations.ts).
const migrations = await readD1Migrations('./src/storage/migrations')

export default defineConfig({
  test: {
    // What tests provoke on purpose (storage faults logged, endpoints refused, workerd's own errors)
    // is printed only for a test that fails: a passing run's output holds no stack trace to wonder about.
    silent: 'passed-only',
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
                // test/support/keys.ts: TEST_RECEIPT_SIGNER_KEY
                RECEIPT_SIGNING_KEY:
                  'PRIVATE+KEY+subprocessors.example.com/liveagent/receipts+c470dda0+Adpd5KC3oe9TL0oAan7Rir69KlQFptumCd/13aUgMt7q',
              },
            },
          }),
        ],
        test: {
          name: 'worker',
          include: ['test/*.test.ts'],
          setupFiles: ['./test/support/migrations.ts'],
        },
      },
      {
        // Pure functions and the documentation's links, in Node: seconds, for the inner loop (npm run test:fast).
        test: { name: 'unit', include: ['test/unit/*.test.ts'], environment: 'node' },
      },
      {
        // The client in Node: its parts, and every command run in-process against registries on loopback, in seconds.
        test: { name: 'client', include: ['client/test/*.test.ts'], environment: 'node' },
      },
      {
        // The commands, the deployable bundle and the served contract, from Node.
        test: {
          name: 'system',
          include: ['test/system/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
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
 * The network of the Worker under test: Miniflare hands every outbound request of the Worker
 * (its `outboundService`) to this function, in Node. Requests to the DNS-over-HTTPS resolver get
 * answers from `dnsAnswer`; every other host is a webhook endpoint, and the first path segment
 * says how it behaves, so that a test picks one by its URL:
 *
 *   /echo/…      echoes the verification challenge as JSON; answers events 200 with the
 *                webhook-signature it received, so the attempt's recorded response shows it
 *   /plain/…     echoes the challenge as plain text
 *   /silent/…    answers 200 without echoing the challenge
 *   /fail/…      echoes the challenge; answers events 500
 *   /redirect/…  answers everything with a redirect to /echo/
 *   /slow/…      echoes the challenge after 300 ms
 *   /record/K/…  echoes the challenge, and keeps every body it receives under K;
 *                GET /__received/K answers them as a JSON array
 */
const received = new Map<string, string[]>()

async function webhookEndpoints(request: Request): Promise<Response> {
  const url = new URL(request.url)
  if (url.hostname === 'cloudflare-dns.com') return dnsAnswer(url)
  const [, kind, key] = url.pathname.split('/')
  if (kind === '__received') return Response.json(received.get(key!) ?? [])
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
    case 'slow':
      await new Promise((resolve) => setTimeout(resolve, 300))
      return Response.json({ challenge })
    case 'record':
      received.set(key!, [...(received.get(key!) ?? []), body])
      return Response.json({ challenge })
    default:
      return new Response('no such endpoint', { status: 404 })
  }
}

const lookups = new Map<string, number>()

/**
 * The resolver's answers, in the JSON form of DNS-over-HTTPS (RFC 8427 codes), chosen by name:
 * every name resolves to a public address except these, whose answers say what they test.
 */
function dnsAnswer(url: URL): Response {
  const name = url.searchParams.get('name')!
  const type = url.searchParams.get('type')
  const record = (data: string, ttl = 0) => ({ name: `${name}.`, type: type === 'AAAA' ? 28 : 1, TTL: ttl, data })
  const answer = (Answer: object[]) => Response.json({ Status: 0, Answer })
  const first = name.split('.')[0]!
  if (first === 'resolver-down') return new Response('upstream failed', { status: 502 })
  if (first === 'nowhere') return Response.json({ Status: 3 })
  if (first === 'servfail') return Response.json({ Status: 2 })
  if (first === 'vm' || first === 'loopback') return answer(type === 'A' ? [record('127.0.0.1')] : [])
  if (first === 'private6') return answer(type === 'A' ? [record('93.184.215.14')] : [record('fd00::1')])
  if (first === 'metadata') {
    const cname = { name: `${name}.`, type: 5, TTL: 0, data: 'metadata.google.internal.' }
    return answer(type === 'A' ? [cname, record('169.254.169.254')] : [cname])
  }
  // Public for its first lookup, then a private address: a name rebound after subscribing.
  if (first === 'rebinds') {
    const seen = lookups.get(`${name} ${type}`) ?? 0
    lookups.set(`${name} ${type}`, seen + 1)
    return answer(type === 'A' ? [record(seen === 0 ? '93.184.215.14' : '10.0.0.7')] : [])
  }
  return answer(type === 'A' ? [record('93.184.215.14', 300)] : [])
}
