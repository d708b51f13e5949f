/**
 * `npm run bench:webhooks [-- --subscribers N]`: fans one change event out to 1,000 local
 * subscribers through the bundled Worker under Miniflare (D1, Queues, the scheduled handler) and
 * reports how long the cron tick took to emit it and how long until every subscriber had it. The
 * publish command itself never touches webhooks; its time is printed beside them to show it.
 * Everything listens on 127.0.0.1 and the run stops itself (bounded waits).
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  applyMigrations,
  bundleWorker,
  publishData,
  ROOT,
  serveRegistry,
  storedChangeRecords,
} from '../test/support/harness'

const flag = process.argv.indexOf('--subscribers')
const SUBSCRIBERS = flag === -1 ? 1000 : Number(process.argv[flag + 1])
const SUBSCRIBE_CONCURRENCY = 16
const DELIVERY_DEADLINE_MS = 120_000

/** One HTTP server for every subscriber (a path each): echoes challenges, takes events, notes when each path first got each event. */
function startReceiver() {
  const firstSeen = new Map<string, number>()
  const server = createServer({ keepAlive: true }, (req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk))
    req.on('end', () => {
      const event = JSON.parse(body) as { type: string; data: { challenge?: string } }
      if (event.type === 'webhook.verification') return res.end(JSON.stringify({ challenge: event.data.challenge }))
      const key = `${req.url} ${req.headers['webhook-id']}`
      if (!firstSeen.has(key)) firstSeen.set(key, performance.now())
      res.writeHead(204).end()
    })
  })
  return new Promise<{ close: () => void; base: string; delivered: (id: string) => number[] }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        close: () => server.close(),
        base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        delivered: (id) => [...firstSeen].filter(([key]) => key.endsWith(` ${id}`)).map(([, at]) => at),
      }),
    ),
  )
}

/** data/ announcing these entries as additions, with the full notice, as an operator would. */
async function dataWith(work: string, entries: string[]): Promise<string> {
  const dir = join(work, `data-${entries.length}`)
  await cp(join(ROOT, 'data'), dir, { recursive: true })
  const data = JSON.parse(await readFile(join(dir, 'subprocessors.json'), 'utf8'))
  const twilio = data.subprocessors.find((entry: { id: string }) => entry.id === 'twilio')
  const effective = new Date(Date.now() + 31 * 24 * 3600 * 1000).toISOString().slice(0, 10)
  const announcements = entries.map((id) => ({
    add: { ...twilio, notes: undefined, id, name: `${id} Ltd`, regions: ['eu'] },
    effective,
  }))
  await writeFile(join(dir, 'announcements.json'), JSON.stringify({ announcements }))
  return dir
}

async function main() {
  const work = await mkdtemp(join(tmpdir(), 'registry-bench-webhooks-'))
  const state = join(work, 'state')
  const receiver = await startReceiver()
  let registry: Awaited<ReturnType<typeof serveRegistry>> | undefined
  try {
    const { scriptPath, gzipBytes } = await bundleWorker(join(work, 'dist'))
    await publishData(join(ROOT, 'data'), state)
    await applyMigrations(state)
    registry = await serveRegistry({
      scriptPath,
      persistTo: state,
      bindings: {
        PUBLIC_ORIGIN: 'http://127.0.0.1:8787',
        WEBHOOK_ALLOW_LOCAL_HTTP: 'true',
        // Every subscriber is on 127.0.0.1 and subscribes from one address: lift both limits for the run.
        WEBHOOK_MAX_PER_HOST: String(SUBSCRIBERS + 1),
        WEBHOOK_CREATES_PER_HOUR: String(SUBSCRIBERS + 1),
        WEBHOOK_VERIFICATIONS_PER_HOUR: String(SUBSCRIBERS + 1),
        WEBHOOK_SECRET_KEY: Buffer.alloc(32, 9).toString('base64'),
        ADMIN_TOKEN: 'bench',
      },
    })
    const { mf, url } = registry
    const worker = await mf.getWorker('registry')
    const kv = await mf.getKVNamespace('REGISTRY')

    const subscribe = async (i: number) => {
      const res = await fetch(`${url}/webhooks`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ url: `${receiver.base}/s/${i}`, regions: ['eu'] }),
      })
      if (res.status !== 201) throw new Error(`subscriber ${i}: ${res.status} ${await res.text()}`)
    }

    /** Publishes data announcing one more entry, and ticks until the tick emits it; returns the timings. */
    const announce = async (entries: string[], version: number, subscribers: number) => {
      const published = await publishData(await dataWith(work, entries), state)
      const release = JSON.parse((await kv.get('release/current'))!) as { prefix: string }
      const changes = await storedChangeRecords(kv, release.prefix)
      const record = changes.find((change) => change.entry === entries.at(-1) && change.announcedIn === version)!
      let tickMs = 0
      let report: { events?: number; messages?: number; sendBatchCalls?: number } = {}
      // An isolate notices a new release within 5 s; a tick before that emits nothing.
      for (const deadline = Date.now() + 15_000; !report.events && Date.now() < deadline; ) {
        const started = performance.now()
        await worker.scheduled({ scheduledTime: new Date(), cron: '* * * * *' })
        tickMs = performance.now() - started
        report = await readTickReport(mf, version)
        if (!report.events) await new Promise((resolve) => setTimeout(resolve, 250))
      }
      const tickedAt = performance.now()
      const id = await messageIdOf(record.id)
      while (receiver.delivered(id).length < subscribers) {
        if (performance.now() - tickedAt > DELIVERY_DEADLINE_MS)
          throw new Error(`only ${receiver.delivered(id).length} of ${subscribers} delivered`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      const arrivals = receiver
        .delivered(id)
        .map((at) => at - tickedAt)
        .sort((a, b) => a - b)
      return {
        publishSeconds: published.seconds,
        tickMs,
        ...report,
        firstMs: arrivals[0]!,
        medianMs: arrivals[Math.floor(arrivals.length / 2)]!,
        allMs: arrivals.at(-1)!,
      }
    }

    console.log(`Worker bundle: ${(gzipBytes / 1024).toFixed(1)} KiB gzip`)
    await subscribe(0)
    const one = await announce(['bench-one'], 2, 1)

    const started = performance.now()
    for (let next = 1; next < SUBSCRIBERS; ) {
      const wave = Array.from({ length: Math.min(SUBSCRIBE_CONCURRENCY, SUBSCRIBERS - next) }, () => next++)
      await Promise.all(wave.map(subscribe))
    }
    const subscribeSeconds = (performance.now() - started) / 1000
    const many = await announce(['bench-one', 'bench-many'], 3, SUBSCRIBERS)

    const row = (name: string, r: typeof one) =>
      `| ${name} | ${r.publishSeconds.toFixed(2)} | ${r.tickMs.toFixed(0)} | ${r.messages} | ${r.sendBatchCalls} | ${r.firstMs.toFixed(0)} | ${r.medianMs.toFixed(0)} | ${r.allMs.toFixed(0)} |`
    console.log(
      `\nSubscribed ${SUBSCRIBERS} endpoints (each verified by challenge) in ${subscribeSeconds.toFixed(1)} s.\n`,
    )
    console.log(
      '| subscribers | publish-data s | cron tick ms | messages | sendBatch calls | first delivered ms | median ms | all delivered ms |',
    )
    console.log('|---:|---:|---:|---:|---:|---:|---:|---:|')
    console.log(row('1', one))
    console.log(row(String(SUBSCRIBERS), many))
    console.log('\nDelivery times count from the end of the tick that emitted the event.')
  } finally {
    await registry?.mf.dispose()
    receiver.close()
    await rm(work, { recursive: true, force: true })
  }
}

/** The `webhook-id` the Worker gives an announcement (src/webhooks/emit.ts: messageId). */
async function messageIdOf(changeId: string): Promise<string> {
  const { messageId } = await import('../src/webhooks/emit')
  return messageId({ event: 'subprocessors.change.announced', change: { id: changeId } as never })
}

/** What the tick emitted for this version, from D1: the event and the messages it fanned out. */
async function readTickReport(mf: Awaited<ReturnType<typeof serveRegistry>>['mf'], version: number) {
  const db = await mf.getD1Database('DB')
  const row = await db
    .prepare(
      "SELECT count(*) AS events, sum(subscriptions) AS messages FROM webhook_emissions WHERE change_id LIKE ?1 AND event = 'subprocessors.change.announced'",
    )
    .bind(`v${version}/%`)
    .first<{ events: number; messages: number | null }>()
  const messages = row?.messages ?? 0
  return { events: row?.events ?? 0, messages, sendBatchCalls: Math.ceil(messages / 100) }
}

await main()
