/**
 * `npm start`: the local secrets when missing, then `wrangler dev` and the publish of data/ side
 * by side, from one Node process with no npm in between. The server's start overlaps the
 * publish, which moves the release pointer last: until then the server answers 503 and
 * `Retry-After`, never a half-published version. A publish that fails stops the server, so that
 * data that does not validate is never mistaken for what is served.
 *
 * `npm run dev` is the server alone (`--serve-only`). Other arguments go to the publish. Both run
 * the registry's Cron Trigger every minute, which `wrangler dev` alone does not.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { ensureDevVars } from './dev-vars'
import { tickEveryMinute } from './tick'

const OFFLINE = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' }
const LOCAL_ORIGIN = 'http://127.0.0.1:8787'
/** Local http endpoints for webhooks, the cron trigger at /__scheduled, and this origin in links that need one. */
const DEV_ARGS = [
  'dev',
  '--ip',
  '127.0.0.1',
  '--port',
  '8787',
  '--test-scheduled',
  '--var',
  'WEBHOOK_ALLOW_LOCAL_HTTP:true',
  '--var',
  `PUBLIC_ORIGIN:${LOCAL_ORIGIN}`,
]

const node = (args: string[]) => spawn(process.execPath, args, { stdio: 'inherit', env: OFFLINE })
const exited = (child: ChildProcess) =>
  new Promise<number>((done) => child.once('exit', (code, signal) => done(code ?? (signal ? 1 : 0))))

const serveOnly = process.argv[2] === '--serve-only'
const rest = process.argv.slice(serveOnly ? 3 : 2)
const receiptKey = await ensureDevVars()
// The publish is the longer of the two: it starts first. Data that leaves its receipt key to the deployment gets the local one.
const publish = serveOnly
  ? null
  : node([join('src', 'cli', 'run.mjs'), 'publish', '--origin', LOCAL_ORIGIN, '--receipt-key', receiptKey, ...rest])
const server = node([join('node_modules', 'wrangler', 'bin', 'wrangler.js'), ...DEV_ARGS, ...(serveOnly ? rest : [])])
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    publish?.kill(signal)
    server.kill(signal)
  })

// The Cron Trigger, every minute, as on Cloudflare: webhooks go out under npm start with no manual step.
const stopTicking = tickEveryMinute(LOCAL_ORIGIN)
server.once('exit', stopTicking)

if (publish) {
  const published = await exited(publish)
  if (published !== 0) {
    console.error('The publish failed, so the local server stops: fix data/ and run `npm start` again.')
    server.kill('SIGINT')
    await exited(server)
    process.exit(published)
  }
  console.log('Serving the published registry at http://127.0.0.1:8787')
}
process.exit(await exited(server))
