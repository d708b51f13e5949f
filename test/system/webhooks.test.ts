/**
 * Webhook delivery end to end, from Node: the bundled Worker under Miniflare with its real D1,
 * Queues (and dead-letter queue) and scheduled handler, data published by the real command, and
 * real HTTP receivers on 127.0.0.1 that check every delivery with `standardwebhooks`, the
 * scheme's reference library. Time moves by driving the cron trigger with a later scheduledTime.
 * Versions 2 to 4 announce and withdraw changes through data/announcements.json, as an operator does.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getHttpOperationsFromSpec } from '@stoplight/prism-http'
import { validateOutput } from '@stoplight/prism-http/dist/validator/index.js'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import type { Miniflare } from 'miniflare'
import { Webhook, WebhookVerificationError } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { ChangeRecord } from '../../src/domain/change'
import {
  applyMigrations,
  bundleWorker,
  FIXTURE_DATA,
  publishData,
  serveRegistry,
  storedChangeRecords,
} from '../support/harness'

// A CommonJS default export: `require` hands over the function itself, `import` the module object.
const { default: route } = createRequire(import.meta.url)(
  '@stoplight/prism-http/dist/router/index.js',
) as typeof import('@stoplight/prism-http/dist/router/index.js')

const DAY = 24 * 3600 * 1000
const ADMIN_TOKEN = 'admin-token-for-the-system-test'

interface Received {
  path: string
  headers: IncomingHttpHeaders
  body: string
  status: number
}

/**
 * One HTTP server, many endpoints, told apart by the first path segment:
 * /ok echoes the challenge and takes every event; /flaky fails each webhook-id 3 times, then
 * takes it; /down fails every event; /silent never echoes the challenge.
 */
function startReceiver(): Promise<{ server: Server; base: string; received: Received[] }> {
  const received: Received[] = []
  const failures = new Map<string, number>()
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      const kind = req.url!.split('/')[1]!
      const event = JSON.parse(body) as { type: string; data: { challenge?: string } }
      let status = 200
      let answer = ''
      if (event.type === 'webhook.verification') {
        if (kind !== 'silent') answer = JSON.stringify({ challenge: event.data.challenge })
      } else if (kind === 'down') {
        status = 503
        answer = 'x'.repeat(4096)
      } else if (kind === 'flaky') {
        const key = `${req.url} ${req.headers['webhook-id']}`
        const failed = failures.get(key) ?? 0
        if (failed < 3) {
          failures.set(key, failed + 1)
          status = 500
        }
      }
      received.push({ path: req.url!, headers: req.headers, body, status })
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(answer)
    })
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received }),
    ),
  )
}

let work: string
let state: string
let registry: { mf: Miniflare; url: string }
let receiver: Awaited<ReturnType<typeof startReceiver>>
let publishedAt: string
const subscriptions: Record<string, { id: string; secret: string; managementToken: string }> = {}
let records: ChangeRecord[]
let oldSecret: string

const api = (path: string, init: RequestInit = {}) => fetch(`${registry.url}${path}`, init)
const manage = (name: string, path = '', init: RequestInit = {}) =>
  api(`/webhooks/${subscriptions[name]!.id}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${subscriptions[name]!.managementToken}` },
  })
const at = (name: string) => receiver.received.filter((r) => r.path.startsWith(`/${name}/`))
const events = (name: string) => at(name).filter((r) => JSON.parse(r.body).type !== 'webhook.verification')

/** Runs the cron trigger as if it fired at `time`. */
async function tick(time: number) {
  const worker = await registry.mf.getWorker('registry')
  const result = await worker.scheduled({ scheduledTime: new Date(time), cron: '* * * * *' })
  expect(result.outcome).toBe('ok')
}

/** Waits, bounded, until `done` holds; deliveries go through the queue in their own time. */
async function until(done: () => boolean | Promise<boolean>, what: string, seconds = 30) {
  const deadline = Date.now() + seconds * 1000
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** What the receiver's `standardwebhooks` makes of a delivery: the payload, or why it refuses it. */
function verify(secret: string, delivery: Pick<Received, 'headers' | 'body'>): unknown {
  return new Webhook(secret).verify(delivery.body, delivery.headers as Record<string, string>)
}

async function deliveries(name: string) {
  const res = await manage(name, '/deliveries')
  expect(res.status).toBe(200)
  return (
    await res.json<{
      deliveries: {
        webhookId: string
        event: string
        attempt: number
        status: number | null
        outcome: string
        nextRetryAt: string | null
        response: string | null
        latencyMs: number | null
      }[]
    }>()
  ).deliveries
}

// acme-mail is announced with the full notice; acme-crm, urgently, takes effect 2 hours after it is
// announced (a rotation happens in between); acme-sms comes in version 3 and is taken back in 4.
const dateIn = (days: number) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10)
const URGENT = { kind: 'urgent', reason: { lv: 'Steidzami (tests).', en: 'Urgent (test).', de: 'Dringend (Test).' } }
const ANNOUNCEMENTS = {
  mail: { add: { id: 'acme-mail', name: 'Acme Mail, Inc.', regions: ['eu', 'uk'] }, effective: dateIn(31) },
  crm: {
    add: { id: 'acme-crm', name: 'Acme CRM, Inc.', regions: ['eu'] },
    effective: new Date(Math.ceil((Date.now() + 2 * 3600 * 1000) / 1000) * 1000).toISOString(),
    shortNotice: URGENT,
  },
  sms: { add: { id: 'acme-sms', name: 'Acme SMS, Inc.', regions: ['uk', 'eu'] }, effective: dateIn(40) },
}

/** data/ announcing two more sub-processors for European customers (and a third, with `withSms`). */
async function dataWithNewEntries(withSms = false): Promise<string> {
  const dir = join(work, withSms ? 'data-sms' : 'data-v2')
  await cp(FIXTURE_DATA, dir, { recursive: true })
  const entries = JSON.parse(await readFile(join(dir, 'subprocessors.json'), 'utf8'))
  const twilio = entries.subprocessors.find((entry: { id: string }) => entry.id === 'twilio')
  const announced = [ANNOUNCEMENTS.mail, ANNOUNCEMENTS.crm, ...(withSms ? [ANNOUNCEMENTS.sms] : [])]
  const announcements = announced.map(({ add, ...rest }) => ({ add: { ...twilio, notes: undefined, ...add }, ...rest }))
  await writeFile(join(dir, 'announcements.json'), JSON.stringify({ announcements }))
  return dir
}

const mailRecord = () => records.find((record) => record.entry === 'acme-mail')!

/** The change log the current version published: every record up to it. */
async function changeLog(): Promise<ChangeRecord[]> {
  const kv = await registry.mf.getKVNamespace('REGISTRY')
  const release = JSON.parse((await kv.get('release/current'))!) as { prefix: string }
  return storedChangeRecords(kv, release.prefix)
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'registry-webhooks-'))
  state = join(work, 'state')
  const bundle = await bundleWorker(join(work, 'dist'))
  await publishData(FIXTURE_DATA, state)
  await applyMigrations(state)
  receiver = await startReceiver()
  registry = await serveRegistry({
    scriptPath: bundle.scriptPath,
    persistTo: state,
    bindings: {
      PUBLIC_ORIGIN: 'http://127.0.0.1:8787',
      WEBHOOK_ALLOW_LOCAL_HTTP: 'true',
      // The published schedule's 7 retries, each after no delay: the schedule itself is checked inside workerd.
      WEBHOOK_RETRY_DELAYS: '0,0,0,0,0,0,0',
      WEBHOOK_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
      ADMIN_TOKEN,
    },
  })
})

afterAll(async () => {
  await registry?.mf.dispose()
  receiver?.server.close()
  await rm(work, { recursive: true, force: true })
})

describe('signed webhooks, end to end', () => {
  it('subscribes an endpoint that echoes the challenge, with a verification event signed by the new secret', async () => {
    for (const [name, regions] of [
      ['ok', ['eu']],
      ['flaky', ['eu']],
      ['down', ['eu']],
      ['elsewhere', ['us']],
    ] as const) {
      const res = await api('/webhooks', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          url: `${receiver.base}/${name}/hook`,
          regions,
          ...(name === 'ok' ? { languages: ['en'] } : {}),
        }),
      })
      expect(res.status).toBe(201)
      subscriptions[name] = await res.json()
      const [verification, ...rest] = at(name)
      expect(rest).toEqual([])
      expect(verify(subscriptions[name]!.secret, verification!)).toMatchObject({
        type: 'webhook.verification',
        data: { subscription: subscriptions[name]!.id },
      })
    }
  })

  it('never subscribes an endpoint that does not echo the challenge', async () => {
    const res = await api('/webhooks', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: `${receiver.base}/silent/hook`, regions: ['eu'] }),
    })
    expect(res.status).toBe(422)
    expect(at('silent')).toHaveLength(1)
    const admin = await api('/admin/webhooks', { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } }).then((r) =>
      r.json<{ subscriptions: { url: string }[] }>(),
    )
    expect(admin.subscriptions.map((s) => s.url)).toEqual(
      ['ok', 'flaky', 'down', 'elsewhere'].map((name) => `${receiver.base}/${name}/hook`),
    )
  })

  it('delivers subprocessors.change.announced after a publish, signed, filtered by region and language', async () => {
    const published = await publishData(await dataWithNewEntries(), state)
    publishedAt = /published at (\S+)/.exec(published.stdout)![1]!
    records = await changeLog()
    expect(
      records.map((record) => [
        record.entry,
        record.announcedIn,
        record.requiresNotice,
        record.shortNotice?.kind ?? null,
      ]),
    ).toEqual([
      ['acme-crm', 2, true, 'urgent'],
      ['acme-mail', 2, true, null],
    ])
    // The first tick after the publish emits; an isolate notices a new release within 5 s.
    await until(async () => (await tick(Date.now()), events('ok').length === 2), 'ok received both announcements', 20)

    const announced = events('ok').map((delivery) => verify(subscriptions.ok!.secret, delivery)) as {
      type: string
      timestamp: string
      data: Record<string, any>
    }[]
    const mail = announced.find((event) => event.data.change.entry === 'acme-mail')!
    expect(mail).toEqual({
      type: 'subprocessors.change.announced',
      timestamp: publishedAt,
      data: {
        version: 2,
        change: { ...mailRecord(), summary: { en: mailRecord().summary.en } },
        // The entry is not in force until the change takes effect: the change log holds the record.
        links: {
          change: { en: 'http://127.0.0.1:8787/changes.json?lang=en&since=1' },
          lists: { eu: { en: 'http://127.0.0.1:8787/subprocessors.json?region=eu&lang=en' } },
          feeds: { eu: { en: 'http://127.0.0.1:8787/changes.atom?region=eu&lang=en' } },
        },
      },
    })
    const [delivery] = events('ok')
    expect(delivery!.headers['content-type']).toBe('application/json')
    expect(delivery!.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/)
    expect(Math.abs(Number(delivery!.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60)
    expect(delivery!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/)
    expect(delivery!.headers).not.toHaveProperty('authorization')
    expect(delivery!.headers).not.toHaveProperty('cookie')
    // Every payload is what /schema.json describes, as the OpenAPI document's webhooks refer to it.
    const ajv = new Ajv2020({ allErrors: true, strict: true })
    addFormats.default(ajv)
    ajv.addSchema(await api('/schema.json').then((res) => res.json<object>()), 'registry')
    for (const event of announced) {
      expect(ajv.validate('registry#/$defs/ChangeEvent', event), JSON.stringify(ajv.errors)).toBe(true)
    }
    const openapi = await api('/openapi.json').then((res) =>
      res.json<{
        webhooks: Record<string, { post: { requestBody: { content: Record<string, { schema: { $ref: string } }> } } }>
      }>(),
    )
    expect(
      openapi.webhooks['subprocessors.change.announced']!.post.requestBody.content['application/json']!.schema,
    ).toEqual({ $ref: '#/components/schemas/ChangeEvent' })
    expect(ajv.validate('registry#/$defs/ChangeEvent', { ...mail, data: { ...mail.data, extra: true } })).toBe(false)
    // Both languages of the release for a subscriber that chose none.
    await until(() => events('flaky').some((r) => r.status === 200), 'flaky took one')
    const flaky = verify(subscriptions.flaky!.secret, events('flaky').find((r) => r.status === 200)!) as {
      data: { change: { summary: object } }
    }
    expect(Object.keys(flaky.data.change.summary)).toEqual(['lv', 'en', 'de'])
    // The list at the link the payload gives shows the change as upcoming, apart from the entries in force.
    const link = new URL(mail.data.links.lists.eu.en)
    const list = await api(`${link.pathname}${link.search}`).then((res) =>
      res.json<{ upcoming: { entry: { id: string } }[] }>(),
    )
    expect(list.upcoming.map((change) => change.entry.id)).toContain('acme-mail')
    const changeLink = new URL(mail.data.links.change.en)
    const log = await api(`${changeLink.pathname}${changeLink.search}`).then((res) =>
      res.json<{ changes: { id: string }[] }>(),
    )
    expect(log.changes.map((change) => change.id)).toContain(mail.data.change.id)
  })

  it('sends nothing to a subscriber whose regions the change does not touch, or that never verified', async () => {
    expect(events('elsewhere')).toEqual([])
    expect(at('silent')).toHaveLength(1)
  })

  it('a receiver with standardwebhooks rejects a tampered body and a timestamp older than 5 minutes', async () => {
    const [delivery] = events('ok')
    expect(() =>
      verify(subscriptions.ok!.secret, { ...delivery!, body: delivery!.body.replace('acme', 'evil') }),
    ).toThrow(WebhookVerificationError)
    expect(() => verify(subscriptions.ok!.secret, { ...delivery!, body: `${delivery!.body} ` })).toThrow(
      'No matching signature found',
    )
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      vi.setSystemTime(Number(delivery!.headers['webhook-timestamp']) * 1000 + 5 * 60 * 1000 + 1000)
      expect(() => verify(subscriptions.ok!.secret, delivery!)).toThrow('Message timestamp too old')
      vi.setSystemTime(Number(delivery!.headers['webhook-timestamp']) * 1000 + 4 * 60 * 1000)
      expect(verify(subscriptions.ok!.secret, delivery!)).toBeTruthy()
    } finally {
      vi.useRealTimers()
    }
  })

  it('a receiver that fails 3 times and then succeeds gets 4 attempts with one webhook-id, and one success is recorded', async () => {
    await until(() => events('flaky').filter((r) => r.status === 200).length === 2, 'flaky took both announcements')
    const byId = new Map<string, Received[]>()
    for (const r of events('flaky'))
      byId.set(r.headers['webhook-id'] as string, [...(byId.get(r.headers['webhook-id'] as string) ?? []), r])
    expect(byId.size).toBe(2)
    for (const [id, attempts] of byId) {
      expect(attempts.map((r) => r.status)).toEqual([500, 500, 500, 200])
      // Every attempt is signed afresh and verifies; the body is the same bytes each time.
      for (const attempt of attempts)
        expect(verify(subscriptions.flaky!.secret, attempt)).toMatchObject({ type: 'subprocessors.change.announced' })
      expect(new Set(attempts.map((r) => r.body)).size).toBe(1)
      const recorded = (await deliveries('flaky')).filter((d) => d.webhookId === id)
      expect(recorded.map((d) => [d.attempt, d.status, d.outcome])).toEqual([
        [4, 200, 'delivered'],
        [3, 500, 'retrying'],
        [2, 500, 'retrying'],
        [1, 500, 'retrying'],
      ])
      expect(recorded.filter((d) => d.outcome === 'delivered')).toHaveLength(1)
      expect(recorded.every((d) => typeof d.latencyMs === 'number')).toBe(true)
    }
    const shown = await manage('flaky').then((r) =>
      r.json<{ status: string; failingSince: string | null; lastSuccessAt: string | null }>(),
    )
    expect(shown).toMatchObject({ status: 'active', failingSince: null, lastSuccessAt: expect.any(String) })
  })

  it('during a rotation both secrets sign, as two space-separated signatures; after 24 h only the new one', async () => {
    oldSecret = subscriptions.ok!.secret
    const rotated = await manage('ok', '/rotate-secret', { method: 'POST' }).then((r) =>
      r.json<{ secret: string; previousSecretExpiresAt: string }>(),
    )
    subscriptions.ok!.secret = rotated.secret
    // acme-crm takes effect 2 h after its announcement.
    await tick(Date.parse(publishedAt) + 3 * 3600 * 1000)
    await until(() => events('ok').length === 3, 'ok received the effective acme-crm')
    const effective = events('ok')[2]!
    expect((effective.headers['webhook-signature'] as string).split(' ')).toHaveLength(2)
    expect(verify(rotated.secret, effective)).toMatchObject({
      type: 'subprocessors.change.effective',
      data: { change: { entry: 'acme-crm' } },
    })
    expect(verify(oldSecret, effective)).toMatchObject({ type: 'subprocessors.change.effective' })

    const expires = Date.parse(rotated.previousSecretExpiresAt)
    await tick(expires - 60_000)
    expect(await manage('ok').then((r) => r.json<{ previousSecretExpiresAt: string | null }>())).toMatchObject({
      previousSecretExpiresAt: rotated.previousSecretExpiresAt,
    })
    await tick(expires)
    expect(await manage('ok').then((r) => r.json<{ previousSecretExpiresAt: string | null }>())).toMatchObject({
      previousSecretExpiresAt: null,
    })
  })

  it('a receiver that never succeeds ends in the dead-letter queue, and after 3 days of failures is disabled', async () => {
    // Two announcements and one effective change, each tried 8 times, then dead-lettered.
    await until(
      async () => (await deliveries('down')).filter((d) => d.outcome === 'dead_lettered').length === 3,
      'three messages reached the dead-letter queue',
      60,
    )
    const recorded = await deliveries('down')
    const first = recorded.filter((d) => d.webhookId === recorded.at(-1)!.webhookId).reverse()
    expect(first.map((d) => [d.attempt, d.status, d.outcome])).toEqual([
      ...[1, 2, 3, 4, 5, 6, 7].map((attempt) => [attempt, 503, 'retrying']),
      [8, 503, 'failed'],
      [8, null, 'dead_lettered'],
    ])
    // At most 1 KiB of the 4 KiB answer is kept.
    expect(first[0]!.response).toBe('x'.repeat(1024))
    expect(first[0]!.nextRetryAt).toEqual(expect.any(String))
    const failingSince = Date.parse((await manage('down').then((r) => r.json<{ failingSince: string }>())).failingSince)

    await tick(failingSince + 3 * DAY - 60_000)
    expect(await manage('down').then((r) => r.json<{ status: string }>())).toMatchObject({ status: 'active' })
    await tick(failingSince + 3 * DAY)
    const disabled = await manage('down').then((r) =>
      r.json<{ status: string; disabledAt: string; disabledReason: string }>(),
    )
    expect(disabled).toMatchObject({ status: 'disabled', disabledAt: new Date(failingSince + 3 * DAY).toISOString() })
    expect(disabled.disabledReason).toBe(
      `Every delivery attempt failed for 3 days, from ${new Date(Math.floor(failingSince / 1000) * 1000).toISOString().replace('.000', '')}.`,
    )
    const admin = await api('/admin/webhooks', { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } }).then((r) =>
      r.json<{ subscriptions: { id: string; health: string }[] }>(),
    )
    expect(admin.subscriptions.find((s) => s.id === subscriptions.down!.id)).toMatchObject({ health: 'disabled' })
  })

  it('delivers subprocessors.change.effective once the clock passes the effective instant, signed by the new secret alone', async () => {
    const effectiveAt = Date.parse(mailRecord().effectiveAt)
    const downBefore = events('down').length
    await tick(effectiveAt - 1000)
    await tick(effectiveAt)
    await until(() => events('ok').length === 4, 'ok received the effective acme-mail')
    const effective = events('ok')[3]!
    expect(verify(subscriptions.ok!.secret, effective)).toMatchObject({
      type: 'subprocessors.change.effective',
      timestamp: mailRecord().effectiveAt,
      data: { change: { entry: 'acme-mail' } },
    })
    expect(() => verify(oldSecret, effective)).toThrow('No matching signature found')
    // Ticks are idempotent: nothing is emitted twice.
    await tick(effectiveAt + 60_000)
    await new Promise((resolve) => setTimeout(resolve, 2000))
    expect(events('ok')).toHaveLength(4)
    expect(events('down')).toHaveLength(downBefore)
    expect(events('elsewhere')).toEqual([])
    expect(at('silent')).toHaveLength(1)
  })

  it('delivers subprocessors.change.withdrawn when a later publish takes an announced change back, and never its effective', async () => {
    // Version 3 announces acme-sms; version 4 publishes the data without it, before it takes effect.
    await publishData(await dataWithNewEntries(true), state)
    const sms = (await changeLog()).find((record) => record.entry === 'acme-sms')!
    expect(sms).toMatchObject({ announcedIn: 3, withdrawnIn: null })
    await until(
      async () => (await tick(Date.now()), events('ok').length === 5),
      'ok received the announcement of acme-sms',
      20,
    )
    const v4 = await publishData(await dataWithNewEntries(), state)
    const withdrawnAt = /published at (\S+)/.exec(v4.stdout)![1]!
    expect((await changeLog()).find((record) => record.entry === 'acme-sms')).toMatchObject({
      withdrawnIn: 4,
      withdrawnAt,
    })
    await until(
      async () => (await tick(Date.now()), events('ok').length === 6),
      'ok received the withdrawal of acme-sms',
      20,
    )
    const withdrawn = verify(subscriptions.ok!.secret, events('ok')[5]!) as {
      type: string
      timestamp: string
      data: { version: number; change: { entry: string; withdrawnIn: number } }
    }
    expect(withdrawn).toMatchObject({
      type: 'subprocessors.change.withdrawn',
      timestamp: withdrawnAt,
      data: { version: 4, change: { entry: 'acme-sms', withdrawnIn: 4, withdrawnAt } },
    })
    expect((await api('/subprocessors/acme-sms.json?lang=en')).status).toBe(404)
    await tick(Date.parse(sms.effectiveAt) + 60_000)
    await new Promise((resolve) => setTimeout(resolve, 2000))
    expect(events('ok')).toHaveLength(6)
  })

  it('a disabled endpoint is re-enabled by its subscriber once it echoes a new challenge', async () => {
    const res = await manage('down', '/enable', { method: 'POST' })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'active', disabledAt: null, failingSince: null })
    const verification = at('down').at(-1)!
    expect(verify(subscriptions.down!.secret, verification)).toMatchObject({ type: 'webhook.verification' })
  })

  it("answers on every webhook route as the OpenAPI document describes, by Prism's router and validators", async () => {
    const operations = await getHttpOperationsFromSpec(await api('/openapi.json').then((res) => res.json<object>()))
    const found: string[] = []
    const check = async (method: string, path: string, expected: number, init: RequestInit = {}) => {
      const res = await api(path, { ...init, method: method.toUpperCase() })
      const body = res.status === 204 ? undefined : await res.json<object>()
      const routed = route({ resources: operations, input: { method: method as 'get', url: { path }, headers: {} } })
      if (routed._tag === 'Left') return found.push(`${method} ${path}: ${routed.left.message}`)
      const result = validateOutput({
        resource: routed.right as never,
        element: { statusCode: res.status, headers: Object.fromEntries(res.headers), body },
      })
      if (res.status !== expected) found.push(`${method} ${path}: ${res.status}, expected ${expected}`)
      if (result._tag === 'Left') found.push(...result.left.map((d) => `${method} ${path} ${res.status}: ${d.message}`))
      return body
    }
    const json = { 'Content-Type': 'application/json' }
    const created = (await check('post', '/webhooks', 201, {
      headers: json,
      body: JSON.stringify({ url: `${receiver.base}/ok/described`, regions: ['all'] }),
    })) as { id: string; managementToken: string }
    const bearer = { Authorization: `Bearer ${created.managementToken}` }
    await check('post', '/webhooks', 400, {
      headers: json,
      body: '{"url": "file:///etc/passwd", "regions": ["mars"], "extra": 1}',
    })
    await check('post', '/webhooks', 422, {
      headers: json,
      body: JSON.stringify({ url: `${receiver.base}/silent/described`, regions: ['eu'] }),
    })
    await check('get', `/webhooks/${created.id}`, 200, { headers: bearer })
    await check('get', `/webhooks/${created.id}`, 401)
    await check('get', '/webhooks/sub_none', 401, { headers: bearer })
    await check('get', `/webhooks/${subscriptions.down!.id}/deliveries`, 200, {
      headers: { Authorization: `Bearer ${subscriptions.down!.managementToken}` },
    })
    await check('post', `/webhooks/${created.id}/rotate-secret`, 200, { headers: bearer })
    await check('post', `/webhooks/${created.id}/enable`, 200, { headers: bearer })
    await check('get', '/admin/webhooks', 200, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })
    await check('get', '/admin/webhooks', 401)
    await check('delete', `/webhooks/${created.id}`, 204, { headers: bearer })
    expect(found).toEqual([])
  })
})
