// Objections through the Worker: a registered customer's signed objection to an announced change
// gets a receipt signed with the receipt key, once however often it is sent; every refusal has its
// own code; the operator lists what was received.
import { env } from 'cloudflare:workers'
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { toBase64Url } from '../client/src/bytes'
import { checkInclusion, type Inclusion, readInclusion } from '../client/src/objections/commitment'
import { noteInstant, objectionText, parseReceiptText, parseResolutionText } from '../client/src/objections/protocol'
import { createExecutionContext } from 'cloudflare:test'
import { app } from '../src/index'
import type { DeliveryMessage } from '../src/webhooks/queue'
import { ObjectionsTaken } from '../src/storage/arbiter'
import { publishTo } from '../src/publish/publish'
import {
  generateKey,
  openNote,
  parseSignerKey,
  parseVerifierKey,
  type SignerKey,
  signNote,
} from '../src/domain/signed-note'
import {
  INSERT_CUSTOMER_SQL,
  REVOKE_CUSTOMER_SQL,
  SET_CUSTOMER_WEBHOOK_SQL,
  storeObjection,
} from '../src/storage/objections'
import { fetchWorker, fixtureData, publish, TARGET, useFreshStorage } from './helpers'
import { ACME, announcing, at } from './support/history'
import { TEST_RECEIPT_VERIFIER_KEY } from './support/keys'

useFreshStorage()
afterEach(() => vi.useRealTimers())

const REGISTRY = 'subprocessors.example.com/liveagent'
const ADDITION = 'v2/acme-analytics/added/2027-01-15T00:00:00.000Z'
const REMOVAL = 'v2/openai/removed/2027-01-15T00:00:00.000Z'
const ADMIN = { Authorization: 'Bearer admin-token-for-tests' }
let customers: { id: string; signer: SignerKey; verifier: string }[]
let stranger: SignerKey

function clock(iso: string) {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(at(iso))
}

beforeAll(async () => {
  customers = await Promise.all(
    Array.from({ length: 21 }, async (_, i) => {
      const { signer, verifier } = await generateKey(`customer${i}.example/objections`)
      return { id: `c${i}`, signer: await parseSignerKey(signer), verifier }
    }),
  )
  stranger = await parseSignerKey((await generateKey('stranger.example/objections')).signer)
})

beforeEach(async () => {
  await publish(fixtureData(), at('2026-11-20T10:00:00Z'))
  await publish(
    announcing(fixtureData(), { add: ACME, effective: '2027-01-15' }, { remove: 'openai', effective: '2027-01-15' }),
    at('2026-11-21T10:00:00Z'),
  )
  for (const [i, customer] of customers.entries()) {
    const key = await parseVerifierKey(customer.verifier)
    await env.DB.prepare(INSERT_CUSTOMER_SQL)
      .bind(customer.id, `Customer ${i}`, customer.verifier, key.name, key.id, Date.now())
      .run()
  }
  clock('2026-12-01T00:00:00Z')
})

const objection = (fields: Partial<Parameters<typeof objectionText>[0]> = {}) =>
  objectionText({
    registry: REGISTRY,
    change: ADDITION,
    category: 'data-location',
    reason: 'Our EU data may not go to a US analytics vendor.',
    objectedAt: '2026-12-01T00:00:00Z',
    ...fields,
  })

async function send(body: string, contentType = 'text/plain; charset=utf-8') {
  const res = await fetchWorker('/objections', { method: 'POST', body, headers: { 'Content-Type': contentType } })
  return { status: res.status, type: res.headers.get('Content-Type'), body: await res.text() }
}

const signed = (text: string, signer: SignerKey = customers[0]!.signer) => signNote(text, [signer])

describe('POST /objections', () => {
  it('answers 201 with a receipt signed by the receipt key: the objection digest, the customer, the change, the time', async () => {
    const note = await signed(objection())
    const answer = await send(note)
    expect(answer.status).toBe(201)
    expect(answer.type).toBe('text/plain; charset=utf-8')
    const opened = await openNote(answer.body, [await parseVerifierKey(TEST_RECEIPT_VERIFIER_KEY)])
    const digest = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(note))).toString('base64')
    expect(parseReceiptText(opened.text)).toEqual({
      registry: REGISTRY,
      objection: digest,
      customer: customers[0]!.verifier,
      change: ADDITION,
      receivedAt: noteInstant(new Date('2026-12-01T00:00:00Z')),
    })
  })

  it('stores the same objection once, and answers it again with the same receipt', async () => {
    const note = await signed(objection())
    const first = await send(note)
    clock('2026-12-02T00:00:00Z')
    const again = await send(note)
    expect(again).toEqual({ ...first, status: 200 })
    const { results } = await env.DB.prepare('SELECT COUNT(*) AS n FROM objections').all<{ n: number }>()
    expect(results[0]!.n).toBe(1)
  })

  it.each<[string, () => Promise<string>, number, string]>([
    ['a body that is not a signed note', async () => objection(), 400, 'unsigned_objection'],
    ['a signed note that is not an objection', () => signed('hello\n'), 400, 'invalid_objection'],
    [
      'a reason over two lines',
      () => signed(objection().replace('vendor.', 'vendor.\nobjected x')),
      400,
      'invalid_objection',
    ],
    ['a key no customer registered', () => signed(objection(), stranger), 403, 'unknown_customer'],
    [
      'a signature that does not verify',
      async () => (await signed(objection())).replace('data-location', 'data-locatiom'),
      403,
      'invalid_signature',
    ],
    ['another registry', () => signed(objection({ registry: 'other.example/log' })), 422, 'wrong_registry'],
    [
      'a change never announced',
      () => signed(objection({ change: 'v2/nobody/added/2027-01-15T00:00:00.000Z' })),
      404,
      'unknown_change',
    ],
    ['a removal, which takes no objection', () => signed(objection({ change: REMOVAL })), 409, 'not_objectable'],
  ])('refuses %s, with its own status and code', async (_, body, status, code) => {
    const answer = await send(await body())
    expect(answer.status).toBe(status)
    expect(JSON.parse(answer.body).error.code).toBe(code)
  })

  it('refuses a revoked customer: 403 customer_revoked', async () => {
    await env.DB.prepare(REVOKE_CUSTOMER_SQL).bind('c0', Date.now()).run()
    const answer = await send(await signed(objection()))
    expect([answer.status, JSON.parse(answer.body).error.code]).toEqual([403, 'customer_revoked'])
  })

  it('refuses an objection after the deadline by its own clock, saying when the deadline was', async () => {
    clock('2027-01-15T00:00:01Z')
    const answer = await send(await signed(objection()))
    expect(answer.status).toBe(409)
    expect(JSON.parse(answer.body).error).toEqual({
      status: 409,
      code: 'objection_deadline_passed',
      message: 'Objections to this change were taken until 2027-01-15T00:00:00.000Z.',
      deadline: '2027-01-15T00:00:00.000Z',
    })
  })

  it('refuses an objection to a change already in force: 409 change_in_force', async () => {
    clock('2027-01-15T00:00:01Z')
    const answer = await send(await signed(objection({ change: REMOVAL })))
    expect(JSON.parse(answer.body).error).toEqual({
      status: 409,
      code: 'change_in_force',
      message: 'The change took effect on 2027-01-15T00:00:00.000Z.',
    })
  })

  it('answers 503 objections_unavailable, and stores nothing, where the Worker has no receipt key', async () => {
    const { RECEIPT_SIGNING_KEY: _, ...withoutKey } = env
    const res = await app.fetch(
      new Request('https://registry.example/objections', {
        method: 'POST',
        body: await signed(objection()),
        headers: { 'Content-Type': 'text/plain' },
      }),
      withoutKey as Cloudflare.Env,
      createExecutionContext(),
    )
    expect(res.status).toBe(503)
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe('objections_unavailable')
    const { results } = await env.DB.prepare('SELECT COUNT(*) AS n FROM objections').all<{ n: number }>()
    expect(results[0]!.n).toBe(0)
  })

  it('refuses a body over 8 KiB (413) and one that is not text/plain (415)', async () => {
    const long = await signed(objection({ reason: 'x'.repeat(1000) }))
    expect((await send(`${long}${'— x AAAA\n'.repeat(900)}`)).status).toBe(413)
    expect((await send(await signed(objection()), 'application/json')).status).toBe(415)
  })

  it('takes at most 20 objections from one customer in an hour: 429', async () => {
    for (let i = 0; i < 20; i++)
      expect((await send(await signed(objection({ reason: `Reason ${i}` })))).status).toBe(201)
    const answer = await send(await signed(objection({ reason: 'One more' })))
    expect([answer.status, JSON.parse(answer.body).error.code]).toEqual([429, 'rate_limited'])
  })

  it('stores each of 20 customers objecting at once, and one objection sent 20 times at once once', async () => {
    const many = await Promise.all(customers.slice(0, 20).map(async (c) => send(await signed(objection(), c.signer))))
    expect(many.map((a) => a.status)).toEqual(Array(20).fill(201))
    const note = await signed(objection({ reason: 'Sent twenty times' }), customers[20]!.signer)
    const same = await Promise.all(Array.from({ length: 20 }, () => send(note)))
    expect(new Set(same.map((a) => a.body)).size).toBe(1)
    expect(same.filter((a) => a.status === 201)).toHaveLength(1)
    expect(same.filter((a) => a.status === 200)).toHaveLength(19)
    const { results } = await env.DB.prepare('SELECT COUNT(*) AS n FROM objections').all<{ n: number }>()
    expect(results[0]!.n).toBe(21)
  })
})

describe('storeObjection', () => {
  it('keeps the first of two stores of one digest, and gives both callers its receipt', async () => {
    const row = (receipt: string) => ({
      digest: 'A'.repeat(43) + '=',
      customerId: 'c0',
      change: ADDITION,
      category: 'other',
      reason: 'Twice.',
      objectedAt: '2026-12-01T00:00:00Z',
      receivedAt: Date.now(),
      objection: 'the signed objection',
      receipt,
    })
    const [first, second] = await Promise.all([
      storeObjection(env.DB, row('first')),
      storeObjection(env.DB, row('second')),
    ])
    expect([first.created, second.created].sort()).toEqual([false, true])
    expect(first.stored.receipt).toBe(second.stored.receipt)
  })
})

describe('GET /objections', () => {
  it('lists the objections per change for the operator, and nobody else', async () => {
    expect((await fetchWorker('/objections')).status).toBe(401)
    await send(await signed(objection()))
    await send(await signed(objection({ reason: 'We use no analytics.' }), customers[1]!.signer))
    const res = await fetchWorker('/objections', { headers: ADMIN })
    expect(res.status).toBe(200)
    expect(res.headers.get('Cache-Control')).toBe('no-store')
    const body = await res.json<{
      changes: { change: string; objections: { customer: { name: string }; reason: string }[] }[]
    }>()
    expect(body.changes.map((c) => c.change)).toEqual([ADDITION])
    expect(body.changes[0]!.objections.map((o) => [o.customer.name, o.reason])).toEqual([
      ['Customer 0', 'Our EU data may not go to a US analytics vendor.'],
      ['Customer 1', 'We use no analytics.'],
    ])
  })
})

describe('the commitment in the log', () => {
  const announced = () =>
    announcing(fixtureData(), { add: ACME, effective: '2027-01-15' }, { remove: 'openai', effective: '2027-01-15' })
  const takingObjections = () => {
    const data = announced()
    return {
      ...data,
      registry: { ...data.registry, evidence: { ...data.registry.evidence, receiptKey: TEST_RECEIPT_VERIFIER_KEY } },
    }
  }
  const digestOf = async (note: string) =>
    Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(note))).toString('base64')
  const inclusionOf = (digest: string) =>
    fetchWorker(`/objections/${toBase64Url(Buffer.from(digest, 'base64'))}/inclusion`)
  const manifest = async (version: number) =>
    (await fetchWorker(`/versions/${version}/manifest`)).json<{ objections?: { size: number; root: string } }>()

  it('commits the next version to every objection received, and proves each one to its sender', async () => {
    const notes = [
      await signed(objection()),
      await signed(objection({ reason: 'We use no analytics.' }), customers[1]!.signer),
      await signed(objection({ category: 'security' }), customers[2]!.signer),
    ]
    // Received a second apart: the tree takes them in the order received.
    for (const [i, note] of notes.entries()) {
      vi.setSystemTime(at(`2026-12-01T00:00:0${i}Z`))
      expect((await send(note)).status).toBe(201)
    }
    const digests = await Promise.all(notes.map(digestOf))
    const pending = await inclusionOf(digests[0]!)
    expect(pending.status).toBe(404)
    expect((await pending.json<{ error: { code: string } }>()).error.code).toBe('objection_not_committed')

    vi.useRealTimers()
    expect((await publish(takingObjections(), at('2026-12-02T00:00:00Z'))).release.version).toBe(3)
    const committed = await manifest(3)
    expect(committed.objections?.size).toBe(3)
    for (const [index, digest] of digests.entries()) {
      const res = await inclusionOf(digest)
      expect(res.status).toBe(200)
      expect(res.headers.get('Cache-Control')).toBe('no-store')
      const inclusion = readInclusion(await res.json()) as Inclusion
      expect(inclusion).toMatchObject({ objection: digest, version: 3, index, size: 3 })
      expect(await checkInclusion(digest, inclusion, committed.objections!)).toBeNull()
      // The same proof does not hold for another digest, nor under another root.
      expect(
        await checkInclusion(
          digests[(index + 1) % 3]!,
          { ...inclusion, objection: digests[(index + 1) % 3]! },
          committed.objections!,
        ),
      ).toMatch(/another root/)
      expect(await checkInclusion(digest, inclusion, { size: 3, root: digests[0]! })).toMatch(/another root/)
    }
    // The next version commits only to what came after.
    const later = await signed(objection({ reason: 'Later.' }), customers[3]!.signer)
    expect((await send(later)).status).toBe(201)
    const next = takingObjections()
    await publish({ ...next, announcements: next.announcements.slice(0, 1) }, at('2026-12-03T00:00:00Z'))
    expect((await manifest(4)).objections?.size).toBe(1)
    expect(await inclusionOf(await digestOf(later)).then((r) => r.json())).toMatchObject({
      version: 4,
      index: 0,
      size: 1,
    })
  })

  it('publishes a version for objections pending even when the data is unchanged, and none when none are', async () => {
    vi.useRealTimers()
    await publish(takingObjections(), at('2026-12-02T00:00:00Z'))
    expect((await publish(takingObjections(), at('2026-12-02T01:00:00Z'))).changed).toBe(false)
    clock('2026-12-02T02:00:00Z')
    expect((await send(await signed(objection()))).status).toBe(201)
    vi.useRealTimers()
    const committing = await publish(takingObjections(), at('2026-12-02T03:00:00Z'))
    expect([committing.changed, committing.release.version, committing.newChanges]).toEqual([true, 4, []])
    expect((await manifest(4)).objections?.size).toBe(1)
    expect((await publish(takingObjections(), at('2026-12-02T04:00:00Z'))).changed).toBe(false)
  })

  it('commits each of 21 objections exactly once when 20 customers object at once and one objection comes 20 times', async () => {
    await Promise.all(customers.slice(0, 20).map(async (c) => send(await signed(objection(), c.signer))))
    const twice = await signed(objection({ reason: 'Sent twenty times' }), customers[20]!.signer)
    await Promise.all(Array.from({ length: 20 }, () => send(twice)))
    vi.useRealTimers()
    await publish(takingObjections(), at('2026-12-02T00:00:00Z'))
    expect((await manifest(3)).objections?.size).toBe(21)
    const { results } = await env.DB.prepare(
      'SELECT COUNT(*) AS n, COUNT(DISTINCT digest) AS digests, COUNT(DISTINCT leaf_index) AS leaves, MIN(version) AS lo, MAX(version) AS hi FROM objection_commitments',
    ).all()
    expect(results[0]).toEqual({ n: 21, digests: 21, leaves: 21, lo: 3, hi: 3 })
  })

  it('refuses, whole, a publish that would commit an objection another publish committed meanwhile', async () => {
    expect((await send(await signed(objection()))).status).toBe(201)
    vi.useRealTimers()
    const stale = await TARGET.versions.pendingObjections()
    await publish(takingObjections(), at('2026-12-02T00:00:00Z'))
    const racing = { ...TARGET, versions: { ...TARGET.versions, pendingObjections: async () => stale } }
    const next = takingObjections()
    await expect(
      publishTo(racing, { ...next, announcements: next.announcements.slice(0, 1) }, at('2026-12-03T00:00:00Z')),
    ).rejects.toThrow(ObjectionsTaken)
    const { results } = await env.DB.prepare('SELECT MAX(version) AS latest FROM versions').all()
    expect(results[0]).toEqual({ latest: 3 })
    expect((await env.REGISTRY.list({ prefix: 'v4.' })).keys).toEqual([])
  })

  it.each([
    ['not base64url', '!'.repeat(43), 400, 'invalid_digest'],
    ['too short', 'A'.repeat(42), 400, 'invalid_digest'],
    ['never received', 'A'.repeat(43), 404, 'unknown_objection'],
  ])('answers a digest %s with %s %s', async (_, digest, status, code) => {
    const res = await fetchWorker(`/objections/${digest}/inclusion`)
    expect(res.status).toBe(status)
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe(code)
  })
})

describe('the operator and the customer are told', () => {
  /** The Worker with the operator's subscription set, and every message it queues recorded on its way to the real queue. */
  function operatorWorker() {
    const queued: DeliveryMessage[] = []
    const queue = {
      send: (body: DeliveryMessage) => env.WEBHOOK_QUEUE.send(body),
      sendBatch: async (batch: Iterable<MessageSendRequest<DeliveryMessage>>) => {
        const list = [...batch]
        queued.push(...list.map((m) => m.body))
        return env.WEBHOOK_QUEUE.sendBatch(list)
      },
    } as Queue<DeliveryMessage>
    const bindings = { ...env, OBJECTIONS_WEBHOOK: 'sub_operator', WEBHOOK_QUEUE: queue }
    const call = (path: string, init?: RequestInit) =>
      app.fetch(new Request(`https://registry.example${path}`, init), bindings, createExecutionContext())
    return { queued, call }
  }
  const post = (body: string) => ({ method: 'POST', body, headers: { 'Content-Type': 'text/plain' } })
  const resolve = (digest: string, body: unknown, headers: Record<string, string> = ADMIN) => ({
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', ...headers },
  })
  const pathOf = (digest: string) => toBase64Url(Buffer.from(digest, 'base64'))

  it("pushes each new objection to the operator's subscription once, with who objected, to what and why", async () => {
    const { queued, call } = operatorWorker()
    const note = await signed(objection())
    expect((await call('/objections', post(note))).status).toBe(201)
    expect((await call('/objections', post(note))).status).toBe(200)
    expect(queued).toHaveLength(1)
    expect(queued[0]).toMatchObject({ subscription: 'sub_operator', event: 'objection.received' })
    expect(JSON.parse(queued[0]!.body)).toEqual({
      type: 'objection.received',
      timestamp: '2026-12-01T00:00:00.000Z',
      data: {
        objection: Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(note))).toString(
          'base64',
        ),
        customer: { id: 'c0', name: 'Customer 0' },
        change: ADDITION,
        category: 'data-location',
        reason: 'Our EU data may not go to a US analytics vendor.',
        objectedAt: '2026-12-01T00:00:00Z',
        receivedAt: '2026-12-01T00:00:00.000Z',
      },
    })
  })

  it("signs the operator's resolution with the receipt key, keeps it, and pushes it to the customer's subscription", async () => {
    const { queued, call } = operatorWorker()
    await env.DB.prepare(SET_CUSTOMER_WEBHOOK_SQL).bind('c0', 'sub_customer0').run()
    const note = await signed(objection())
    await call('/objections', post(note))
    const digest = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(note))).toString('base64')
    clock('2026-12-03T00:00:00Z')
    const answer = await call(
      `/objections/${pathOf(digest)}/resolution`,
      resolve(digest, { outcome: 'customer-excluded', reason: 'Acme Analytics will not process your data.' }),
    )
    expect(answer.status).toBe(201)
    const signedResolution = await answer.text()
    const opened = await openNote(signedResolution, [await parseVerifierKey(TEST_RECEIPT_VERIFIER_KEY)])
    expect(parseResolutionText(opened.text)).toEqual({
      registry: REGISTRY,
      objection: digest,
      customer: customers[0]!.verifier,
      change: ADDITION,
      outcome: 'customer-excluded',
      reason: 'Acme Analytics will not process your data.',
      resolvedAt: '2026-12-03T00:00:00Z',
    })
    const pushed = queued.filter((m) => m.event === 'objection.resolved')
    expect(pushed.map((m) => m.subscription)).toEqual(['sub_customer0'])
    expect(JSON.parse(pushed[0]!.body).data).toEqual({
      objection: digest,
      change: ADDITION,
      outcome: 'customer-excluded',
      reason: 'Acme Analytics will not process your data.',
      resolvedAt: '2026-12-03T00:00:00.000Z',
      resolution: signedResolution,
    })
    const again = await call(
      `/objections/${pathOf(digest)}/resolution`,
      resolve(digest, { outcome: 'rejected', reason: 'No.' }),
    )
    expect([again.status, (await again.json<{ error: { code: string } }>()).error.code]).toEqual([
      409,
      'objection_resolved',
    ])
    const listed = await (await call('/objections', { headers: ADMIN })).json<{
      changes: { objections: { status: string; resolution: { outcome: string; note: string } }[] }[]
    }>()
    expect(listed.changes[0]!.objections[0]).toMatchObject({
      status: 'resolved',
      resolution: { outcome: 'customer-excluded', note: signedResolution },
    })
  })

  it('refuses a resolution without the token (401), for an unknown objection (404), or with a wrong outcome (400, naming each field)', async () => {
    const { call } = operatorWorker()
    const note = await signed(objection())
    await call('/objections', post(note))
    const digest = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(note))).toString('base64')
    const good = { outcome: 'rejected', reason: 'The vendor is needed for the service.' }
    expect((await call(`/objections/${pathOf(digest)}/resolution`, resolve(digest, good, {}))).status).toBe(401)
    const unknown = await call(`/objections/${'A'.repeat(43)}/resolution`, resolve(digest, good))
    expect([unknown.status, (await unknown.json<{ error: { code: string } }>()).error.code]).toEqual([
      404,
      'unknown_objection',
    ])
    const wrong = await call(
      `/objections/${pathOf(digest)}/resolution`,
      resolve(digest, { outcome: 'ignored', reason: 'two\nlines', extra: 1 }),
    )
    expect(wrong.status).toBe(400)
    expect((await wrong.json<{ error: unknown }>()).error).toEqual({
      status: 400,
      code: 'invalid_resolution',
      message: 'The resolution is invalid: outcome, reason, extra.',
      fields: [
        { field: 'outcome', message: 'must be one of change-withdrawn, customer-excluded, contract-ended, rejected' },
        { field: 'reason', message: 'is one line of at most 1000 characters' },
        { field: 'extra', message: 'is not a known field' },
      ],
    })
  })
})
