import { createExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { app } from '../src/index'
import { unseal } from '../src/webhooks/crypto'
import { getSubscription } from '../src/webhooks/store'
import { fetchWorker, ORIGIN, publish } from './helpers'

// Endpoints under https://hooks.registry-tests.dev answer from vitest.config.ts (webhookEndpoints), chosen by path.
const HOOKS = 'https://hooks.registry-tests.dev'
const ADMIN = { Authorization: 'Bearer admin-token-for-tests' }

// One publish for the file; every test starts with no subscription, attempt or rate-limit count.
beforeAll(() => publish())
afterEach(async () => {
  const tables = [
    'webhook_subscriptions',
    'webhook_attempts',
    'webhook_emissions',
    'webhook_cursor',
    'webhook_create_counts',
    'webhook_reservations',
    'webhook_refusals',
    'webhook_previous_secrets',
  ]
  await env.DB.batch(tables.map((table) => env.DB.prepare(`DELETE FROM ${table}`)))
})

const JSON_TYPE = { 'Content-Type': 'application/json' }

function subscribe(body: unknown, ip = '198.51.100.7', type = 'application/json'): Promise<Response> {
  return fetchWorker('/webhooks', {
    method: 'POST',
    headers: { 'Content-Type': type, 'CF-Connecting-IP': ip },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

interface Created {
  id: string
  secret: string
  managementToken: string
  status: string
}

async function created(body: unknown = { url: `${HOOKS}/echo/a`, regions: ['eu'] }, ip?: string): Promise<Created> {
  const res = await subscribe(body, ip)
  expect(res.status).toBe(201)
  return res.json<Created>()
}

async function subscriptionCount(): Promise<number> {
  const res = await fetchWorker('/admin/webhooks', { headers: ADMIN })
  return (await res.json<{ subscriptions: unknown[] }>()).subscriptions.length
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` })

describe('POST /webhooks', () => {
  it('answers 201 with the id, the signing secret and the management token once the endpoint echoes the challenge', async () => {
    const res = await subscribe({ url: `${HOOKS}/echo/first`, regions: ['eu', 'uk'], languages: ['en'] })
    expect(res.status).toBe(201)
    expect(res.headers.get('Cache-Control')).toBe('no-store')
    const body = await res.json<Record<string, unknown>>()
    expect(res.headers.get('Location')).toBe(`/webhooks/${body.id}`)
    expect(body).toEqual({
      id: expect.stringMatching(/^sub_[A-Za-z0-9_-]{22}$/),
      url: `${HOOKS}/echo/first`,
      regions: ['eu', 'uk'],
      languages: ['en'],
      events: [
        'subprocessors.change.announced',
        'subprocessors.change.amended',
        'subprocessors.change.effective',
        'subprocessors.change.withdrawn',
      ],
      status: 'active',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      failingSince: null,
      lastSuccessAt: null,
      lastFailureAt: null,
      disabledAt: null,
      disabledReason: null,
      previousSecretExpiresAt: null,
      links: { self: `/webhooks/${body.id}`, deliveries: `/webhooks/${body.id}/deliveries` },
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
      managementToken: expect.stringMatching(/^whmt_[A-Za-z0-9_-]{43}$/),
    })
  })

  it('accepts a challenge echoed as plain text', async () => {
    expect((await subscribe({ url: `${HOOKS}/plain/x`, regions: ['all'] })).status).toBe(201)
  })

  it.each([
    ['does not echo the challenge', `${HOOKS}/silent/x`, 'its answer did not echo the challenge'],
    ['answers with a redirect, which is not followed', `${HOOKS}/redirect/x`, 'it answered 302'],
    [
      'has a name that resolves to a loopback address',
      'https://loopback.registry-tests.dev/x',
      'not sent: loopback.registry-tests.dev resolves to 127.0.0.1, a loopback address',
    ],
    [
      'has a name with a private IPv6 address',
      'https://private6.registry-tests.dev/x',
      'not sent: private6.registry-tests.dev resolves to fd00::1, a private address',
    ],
    [
      'has a name whose CNAME leads to the metadata address',
      'https://metadata.registry-tests.dev/x',
      'not sent: metadata.registry-tests.dev resolves to 169.254.169.254, a link-local address',
    ],
    [
      'has a name that does not exist',
      'https://nowhere.registry-tests.dev/x',
      'not sent: nowhere.registry-tests.dev has no address',
    ],
    [
      'has a name the resolver fails on',
      'https://servfail.registry-tests.dev/x',
      'not sent: the resolver could not resolve servfail.registry-tests.dev (status 2)',
    ],
    [
      'has a name while the resolver is down',
      'https://resolver-down.registry-tests.dev/x',
      'not sent: the resolver answered 502 for resolver-down.registry-tests.dev',
    ],
  ])(
    'answers one generic 422, and subscribes nothing, when the endpoint %s; the operator alone sees why',
    async (_, url, reason) => {
      const res = await subscribe({ url, regions: ['eu'] })
      expect(res.status).toBe(422)
      expect(res.headers.get('Access-Control-Allow-Origin')).toBeNull()
      expect(await res.json()).toEqual({
        error: {
          status: 422,
          code: 'verification_failed',
          message: 'The endpoint did not confirm the subscription. Nothing was subscribed.',
        },
      })
      expect(await subscriptionCount()).toBe(0)
      const admin = await fetchWorker('/admin/webhooks', { headers: ADMIN }).then((r) =>
        r.json<{ refusals: { action: string; url: string; reason: string }[] }>(),
      )
      expect(admin.refusals).toEqual([
        expect.objectContaining({ action: 'subscribe', url, host: new URL(url).hostname, reason }),
      ])
    },
  )

  it("sends the subscription id and the subscriber's verificationToken in the verification event, so a receiver can tell its own", async () => {
    const { id } = await created({ url: `${HOOKS}/record/token/x`, regions: ['eu'], verificationToken: 'mine-4f1c' })
    const [verification] = await fetch(`${HOOKS}/__received/token`).then((r) => r.json<string[]>())
    expect(JSON.parse(verification!)).toEqual({
      type: 'webhook.verification',
      timestamp: expect.any(String),
      data: { subscription: id, challenge: expect.any(String), verificationToken: 'mine-4f1c' },
    })
  })

  it('415 for a body that is not sent as application/json, before anything is sent', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', null]) {
      const res = await fetchWorker('/webhooks', {
        method: 'POST',
        headers: type ? { 'Content-Type': type } : {},
        body: JSON.stringify({ url: `${HOOKS}/record/form/x`, regions: ['eu'] }),
      })
      expect(res.status, String(type)).toBe(415)
      expect(await res.json()).toEqual({
        error: {
          status: 415,
          code: 'unsupported_media_type',
          message: 'A subscription request is sent as Content-Type: application/json.',
        },
      })
    }
    expect(await fetch(`${HOOKS}/__received/form`).then((r) => r.json())).toEqual([])
    expect(
      (await subscribe({ url: `${HOOKS}/echo/x`, regions: ['eu'] }, undefined, 'application/json; charset=utf-8'))
        .status,
    ).toBe(201)
  })

  it('checks the sealing key before the verification request goes out', async () => {
    const { WEBHOOK_SECRET_KEY: _, ...withoutKey } = env
    const request = new Request(`${ORIGIN}/webhooks`, {
      method: 'POST',
      headers: JSON_TYPE,
      body: JSON.stringify({ url: `${HOOKS}/record/nokey/x`, regions: ['eu'] }),
    })
    const res = await app.fetch(request, withoutKey as Cloudflare.Env, createExecutionContext())
    expect(res.status).toBe(500)
    expect(await fetch(`${HOOKS}/__received/nokey`).then((r) => r.json())).toEqual([])
    expect(await subscriptionCount()).toBe(0)
  })
})

describe('webhook and admin routes are not for browsers of other origins', () => {
  it('answers without CORS headers, with the security headers, and never to be cached', async () => {
    const { id, managementToken } = await created()
    const answers = [
      await subscribe({ url: `${HOOKS}/echo/b`, regions: ['eu'] }),
      await subscribe({}),
      await fetchWorker(`/webhooks/${id}`, { headers: bearer(managementToken) }),
      await fetchWorker(`/webhooks/${id}`, { headers: bearer('whmt_wrong') }),
      await fetchWorker(`/webhooks/${id}/deliveries`, { headers: bearer(managementToken) }),
      await fetchWorker('/admin/webhooks', { headers: ADMIN }),
      await fetchWorker('/admin/webhooks'),
      await fetchWorker('/webhooks', { method: 'PUT' }),
    ]
    for (const res of answers) {
      expect(res.headers.get('Access-Control-Allow-Origin'), `${res.status}`).toBeNull()
      expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff')
      expect(res.headers.get('Referrer-Policy')).toBe('no-referrer')
      expect(res.headers.get('Cache-Control')).toBe('no-store')
    }
  })

  it('answers a preflight without CORS headers, so the browser sends nothing; read routes keep theirs', async () => {
    const preflight = (path: string) =>
      fetchWorker(path, {
        method: 'OPTIONS',
        headers: {
          Origin: 'https://evil.example',
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type',
        },
      })
    for (const path of ['/webhooks', '/webhooks/sub_x/enable', '/admin/webhooks']) {
      const res = await preflight(path)
      expect(res.status).toBe(204)
      expect(res.headers.get('Access-Control-Allow-Origin')).toBeNull()
      expect(res.headers.get('Access-Control-Allow-Methods')).toBeNull()
    }
    expect((await preflight('/subprocessors')).headers.get('Access-Control-Allow-Origin')).toBe('*')
  })
})

describe('hostile subscriptions get a clear 4xx and create nothing', () => {
  const invalid = (fields: { field: string; message: string }[]) => ({
    error: {
      status: 400,
      code: 'invalid_subscription',
      message: `The subscription is invalid: ${[...new Set(fields.map((f) => f.field))].join(', ')}.`,
      fields,
    },
  })

  it.each<[string, unknown, { field: string; message: string }[]]>([
    [
      'bad JSON',
      '{"url": "https://hooks.registry-tests.dev/echo/a", "regions": [',
      [{ field: '(body)', message: 'must be a JSON object' }],
    ],
    ['a JSON array', '[]', [{ field: '(body)', message: 'must be an object' }]],
    [
      'unknown fields',
      { url: `${HOOKS}/echo/a`, regions: ['eu'], secret: 'mine', headers: {} },
      [
        { field: 'secret', message: 'is not a known field' },
        { field: 'headers', message: 'is not a known field' },
      ],
    ],
    [
      'no url and no regions',
      {},
      [
        { field: 'url', message: 'is required' },
        { field: 'regions', message: 'is required' },
      ],
    ],
    [
      'an unknown region',
      { url: `${HOOKS}/echo/a`, regions: ['eu', 'mars'] },
      [{ field: 'regions[1]', message: 'must be one of eu, uk, us, apac, all' }],
    ],
    [
      'an unknown language',
      { url: `${HOOKS}/echo/a`, regions: ['eu'], languages: ['fr'] },
      [{ field: 'languages[0]', message: 'must be one of lv, en, de' }],
    ],
    [
      'an unknown event',
      { url: `${HOOKS}/echo/a`, regions: ['eu'], events: ['subprocessors.deleted'] },
      [
        {
          field: 'events[0]',
          message:
            'must be one of subprocessors.change.announced, subprocessors.change.amended, subprocessors.change.effective, subprocessors.change.withdrawn',
        },
      ],
    ],
    [
      'no regions',
      { url: `${HOOKS}/echo/a`, regions: [] },
      [{ field: 'regions', message: 'must have at least 1 item' }],
    ],
    ['a file: URL', { url: 'file:///etc/passwd', regions: ['eu'] }, [{ field: 'url', message: 'must use https:' }]],
    [
      'an ftp: URL',
      { url: 'ftp://hooks.registry-tests.dev/in', regions: ['eu'] },
      [{ field: 'url', message: 'must use https:' }],
    ],
    [
      'an http: URL',
      { url: 'http://hooks.registry-tests.dev/in', regions: ['eu'] },
      [{ field: 'url', message: 'must use https:' }],
    ],
    [
      'http://127.0.0.1 outside local development',
      { url: 'http://127.0.0.1:9999/in', regions: ['eu'] },
      [{ field: 'url', message: 'must use https:' }],
    ],
    ['a relative URL', { url: '/webhooks', regions: ['eu'] }, [{ field: 'url', message: 'must be an absolute URL' }]],
    [
      'a URL of 10 KiB',
      { url: `${HOOKS}/echo/${'a'.repeat(10 * 1024)}`, regions: ['eu'] },
      [{ field: 'url', message: 'must be at most 2048 characters' }],
    ],
    [
      'credentials in the URL',
      { url: 'https://user:pass@hooks.registry-tests.dev/echo/a', regions: ['eu'] },
      [{ field: 'url', message: 'must not carry a user name or password' }],
    ],
    [
      'a private address',
      { url: 'https://10.1.2.3/in', regions: ['eu'] },
      [{ field: 'url', message: 'must name a public host, not a private address' }],
    ],
    [
      'a private address in hex',
      { url: 'https://0xc0.0xa8.1.1/in', regions: ['eu'] },
      [{ field: 'url', message: 'must name a public host, not a private address' }],
    ],
    [
      'a loopback address',
      { url: 'https://127.0.0.1/in', regions: ['eu'] },
      [{ field: 'url', message: 'must name a public host, not a loopback address' }],
    ],
    [
      'a loopback address as one number',
      { url: 'https://2130706433/in', regions: ['eu'] },
      [{ field: 'url', message: 'must name a public host, not a loopback address' }],
    ],
    [
      'the metadata address',
      { url: 'https://169.254.169.254/latest', regions: ['eu'] },
      [{ field: 'url', message: 'must name a public host, not a link-local address' }],
    ],
    [
      'a CGNAT address',
      { url: 'https://100.64.0.1/in', regions: ['eu'] },
      [{ field: 'url', message: 'must name a public host, not a CGNAT address' }],
    ],
    [
      'IPv6 loopback',
      { url: 'https://[::1]/in', regions: ['eu'] },
      [{ field: 'url', message: 'must name a public host, not a loopback address' }],
    ],
    [
      'IPv4-mapped IPv6',
      { url: 'https://[::ffff:10.0.0.1]/in', regions: ['eu'] },
      [{ field: 'url', message: 'must name a public host, not a private address' }],
    ],
    [
      'a localhost name',
      { url: 'https://api.localhost/in', regions: ['eu'] },
      [{ field: 'url', message: 'must name a public host, not a special-use name (.localhost)' }],
    ],
    [
      'every problem at once',
      { url: 'ftp://x', regions: ['mars'], languages: 'en' },
      [
        { field: 'languages', message: 'must be an array' },
        { field: 'url', message: 'must use https:' },
        { field: 'regions[0]', message: 'must be one of eu, uk, us, apac, all' },
      ],
    ],
  ])('400 for %s', async (_, body, fields) => {
    const res = await subscribe(body)
    expect(res.status).toBe(400)
    expect(res.headers.get('Content-Type')).toBe('application/json')
    expect(await res.json()).toEqual(invalid(fields))
    expect(await subscriptionCount()).toBe(0)
  })

  it('413 for a body over 16 KiB', async () => {
    const res = await subscribe({ url: `${HOOKS}/echo/a`, regions: ['eu'], padding: 'x'.repeat(17 * 1024) })
    expect(res.status).toBe(413)
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe('payload_too_large')
    expect(await subscriptionCount()).toBe(0)
  })
})

describe('abuse limits', () => {
  it('answers 429 with Retry-After once one address has asked for 10 subscriptions this hour', async () => {
    for (let i = 0; i < 10; i++)
      await created({ url: `https://h${i}.registry-tests.dev/echo/`, regions: ['eu'] }, '203.0.113.9')
    const res = await subscribe({ url: `${HOOKS}/echo/eleventh`, regions: ['eu'] }, '203.0.113.9')
    expect(res.status).toBe(429)
    const retryAfter = Number(res.headers.get('Retry-After'))
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(3600)
    expect(await res.json()).toEqual({
      error: {
        status: 429,
        code: 'rate_limited',
        message: 'At most 10 subscriptions may be requested per hour from one address.',
      },
    })
    expect((await subscribe({ url: `${HOOKS}/echo/other`, regions: ['eu'] }, '203.0.113.10')).status).toBe(201)
    expect(await subscriptionCount()).toBe(11)
  })

  it('answers 429 with Retry-After once an endpoint host has 20 subscriptions', async () => {
    for (let i = 0; i < 20; i++)
      await created({ url: `https://crowded.registry-tests.dev/echo/${i}`, regions: ['eu'] }, `192.0.2.${i}`)
    const res = await subscribe({ url: 'https://crowded.registry-tests.dev/echo/21', regions: ['eu'] }, '192.0.2.200')
    expect(res.status).toBe(429)
    expect(res.headers.get('Retry-After')).toBe('3600')
    expect((await res.json<{ error: { message: string } }>()).error.message).toBe(
      'crowded.registry-tests.dev already has 20 subscriptions, the most one host may have.',
    )
    expect(await subscriptionCount()).toBe(20)
  })
})

/** The Worker with some of its configuration changed, as another deployment would set it. */
async function subscribeWith(vars: Record<string, string>, body: unknown, ip: string): Promise<Response> {
  const request = new Request(`${ORIGIN}/webhooks`, {
    method: 'POST',
    headers: { ...JSON_TYPE, 'CF-Connecting-IP': ip },
    body: JSON.stringify(body),
  })
  return app.fetch(request, { ...env, ...vars } as Cloudflare.Env, createExecutionContext())
}

const disable = (id: string) =>
  env.DB.prepare("UPDATE webhook_subscriptions SET status = 'disabled', disabled_at = 1 WHERE id = ?1").bind(id).run()

describe('limits that hold under concurrency and IPv6', () => {
  it('holds the per-host cap against 30 racing requests: 20 subscribed, 10 refused, and verification requests only for the 20', async () => {
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        subscribe({ url: `https://race.registry-tests.dev/record/race/${i}`, regions: ['eu'] }, `198.51.100.${i + 1}`),
      ),
    )
    expect(answers.map((res) => res.status).sort()).toEqual([...Array(20).fill(201), ...Array(10).fill(429)])
    expect(await subscriptionCount()).toBe(20)
    expect(await fetch(`${HOOKS}/__received/race`).then((r) => r.json<unknown[]>())).toHaveLength(20)
  })

  it("gives a failed verification's place back", async () => {
    for (let i = 0; i < 20; i++)
      expect(
        (await subscribe({ url: `https://giveback.registry-tests.dev/silent/${i}`, regions: ['eu'] }, `192.0.2.${i}`))
          .status,
      ).toBe(422)
    expect(
      (await subscribe({ url: 'https://giveback.registry-tests.dev/echo/ok', regions: ['eu'] }, '192.0.2.99')).status,
    ).toBe(201)
  })

  it('lets no disabled subscription hold a place, and re-enables one only while the host has a place', async () => {
    const first = await created({ url: 'https://squat.registry-tests.dev/echo/0', regions: ['eu'] }, '192.0.2.1')
    for (let i = 1; i < 20; i++)
      await created({ url: `https://squat.registry-tests.dev/echo/${i}`, regions: ['eu'] }, `192.0.2.${i + 1}`)
    expect(
      (await subscribe({ url: 'https://squat.registry-tests.dev/echo/late', regions: ['eu'] }, '192.0.2.50')).status,
    ).toBe(429)
    await disable(first.id)
    expect(
      (await subscribe({ url: 'https://squat.registry-tests.dev/echo/late', regions: ['eu'] }, '192.0.2.50')).status,
    ).toBe(201)
    const res = await fetchWorker(`/webhooks/${first.id}/enable`, {
      method: 'POST',
      headers: bearer(first.managementToken),
    })
    expect(res.status).toBe(429)
    expect((await res.json<{ error: { message: string } }>()).error.message).toBe(
      'squat.registry-tests.dev already has 20 subscriptions, the most one host may have.',
    )
  })

  it('counts an IPv6 client by its /64', async () => {
    for (let i = 1; i <= 10; i++)
      await created(
        { url: `https://v6-${i}.registry-tests.dev/echo/`, regions: ['eu'] },
        `2001:db8:1:2::${i.toString(16)}`,
      )
    expect(
      (await subscribe({ url: `${HOOKS}/echo/11`, regions: ['eu'] }, '2001:db8:1:2:ffff:ffff:ffff:ffff')).status,
    ).toBe(429)
    expect((await subscribe({ url: `${HOOKS}/echo/other`, regions: ['eu'] }, '2001:db8:1:3::1')).status).toBe(201)
  })

  it('caps verification requests from every client together', async () => {
    const vars = { WEBHOOK_VERIFICATIONS_PER_HOUR: '3' }
    for (let i = 1; i <= 3; i++)
      expect(
        (
          await subscribeWith(
            vars,
            { url: `https://all-${i}.registry-tests.dev/echo/`, regions: ['eu'] },
            `192.0.2.${i}`,
          )
        ).status,
      ).toBe(201)
    const res = await subscribeWith(vars, { url: `${HOOKS}/echo/fourth`, regions: ['eu'] }, '192.0.2.4')
    expect(res.status).toBe(429)
    expect(await res.json()).toEqual({
      error: {
        status: 429,
        code: 'rate_limited',
        message: 'The registry takes no more subscription requests this hour.',
      },
    })
  })

  it('puts every client in one bucket where the platform does not set CF-Connecting-IP', async () => {
    const vars = { TRUST_CF_CONNECTING_IP: 'false', WEBHOOK_CREATES_PER_HOUR: '2' }
    for (let i = 1; i <= 2; i++)
      expect(
        (
          await subscribeWith(
            vars,
            { url: `https://forged-${i}.registry-tests.dev/echo/`, regions: ['eu'] },
            `192.0.2.${i}`,
          )
        ).status,
      ).toBe(201)
    expect((await subscribeWith(vars, { url: `${HOOKS}/echo/third`, regions: ['eu'] }, '192.0.2.3')).status).toBe(429)
  })

  it('rate-limits re-enabling like subscribing: each one sends a request', async () => {
    const ip = '198.51.100.77'
    const rebound = await created(
      { url: 'https://rebinds.enable-limit.registry-tests.dev/echo/x', regions: ['eu'] },
      ip,
    )
    await disable(rebound.id)
    const enable = () =>
      fetchWorker(`/webhooks/${rebound.id}/enable`, {
        method: 'POST',
        headers: { ...bearer(rebound.managementToken), 'CF-Connecting-IP': ip },
      })
    for (let i = 2; i <= 10; i++) expect((await enable()).status).toBe(422)
    expect((await enable()).status).toBe(429)
  })
})

describe('re-enabling applies the outbound rules again', () => {
  it('answers one generic 422 when the name now resolves to a private address, and the subscription stays disabled', async () => {
    const rebound = await created({ url: 'https://rebinds.enable.registry-tests.dev/echo/x', regions: ['eu'] })
    await disable(rebound.id)
    const res = await fetchWorker(`/webhooks/${rebound.id}/enable`, {
      method: 'POST',
      headers: bearer(rebound.managementToken),
    })
    expect(res.status).toBe(422)
    expect(await res.json()).toEqual({
      error: {
        status: 422,
        code: 'verification_failed',
        message: 'The endpoint did not confirm the subscription. It stays disabled.',
      },
    })
    const admin = await fetchWorker('/admin/webhooks', { headers: ADMIN }).then((r) =>
      r.json<{ subscriptions: { status: string }[]; refusals: unknown[] }>(),
    )
    expect(admin.subscriptions).toEqual([expect.objectContaining({ status: 'disabled' })])
    expect(admin.refusals).toEqual([
      expect.objectContaining({
        action: 'enable',
        subscriptionId: rebound.id,
        reason: 'not sent: rebinds.enable.registry-tests.dev resolves to 10.0.0.7, a private address',
      }),
    ])
  })
})

describe('managing a subscription with its token', () => {
  it('GET shows the subscription, without its secret', async () => {
    const { id, managementToken } = await created()
    const res = await fetchWorker(`/webhooks/${id}`, { headers: bearer(managementToken) })
    expect(res.status).toBe(200)
    const body = await res.json<Record<string, unknown>>()
    expect(body).toMatchObject({ id, status: 'active', url: `${HOOKS}/echo/a` })
    expect(body).not.toHaveProperty('secret')
    expect(body).not.toHaveProperty('managementToken')
  })

  it.each([
    ['no Authorization', {}],
    ['another scheme', { Authorization: 'Basic dXNlcjpwYXNz' }],
    ['a wrong token', bearer('whmt_wrong')],
    ['the admin token', ADMIN],
  ])('401 with WWW-Authenticate for %s, on every managing route', async (_, headers) => {
    const { id } = await created()
    for (const [method, path] of [
      ['GET', ''],
      ['DELETE', ''],
      ['POST', '/rotate-secret'],
      ['POST', '/enable'],
      ['GET', '/deliveries'],
    ]) {
      const res = await fetchWorker(`/webhooks/${id}${path}`, { method, headers })
      expect(res.status, `${method} ${path}`).toBe(401)
      expect(res.headers.get('WWW-Authenticate')).toBe('Bearer realm="webhooks"')
      expect((await res.json<{ error: { code: string } }>()).error.code).toBe('unauthorized')
    }
  })

  it('answers an id that is not subscribed exactly as a wrong token: 401, so that ids cannot be probed', async () => {
    const { id } = await created()
    const [unknown, wrong] = await Promise.all([
      fetchWorker('/webhooks/sub_nothing', { headers: bearer('whmt_anything') }),
      fetchWorker(`/webhooks/${id}`, { headers: bearer('whmt_anything') }),
    ])
    expect(unknown.status).toBe(401)
    expect([...unknown.headers]).toEqual([...wrong.headers])
    expect(await unknown.json()).toEqual(await wrong.json())
  })

  it('DELETE answers 204, and the subscription is gone', async () => {
    const { id, managementToken } = await created()
    const res = await fetchWorker(`/webhooks/${id}`, { method: 'DELETE', headers: bearer(managementToken) })
    expect(res.status).toBe(204)
    expect(await res.text()).toBe('')
    expect((await fetchWorker(`/webhooks/${id}`, { headers: bearer(managementToken) })).status).toBe(401)
    expect(await subscriptionCount()).toBe(0)
  })

  it('rotate-secret answers a new secret and when the previous one stops signing', async () => {
    const { id, secret, managementToken } = await created()
    const before = Date.now()
    const res = await fetchWorker(`/webhooks/${id}/rotate-secret`, { method: 'POST', headers: bearer(managementToken) })
    expect(res.status).toBe(200)
    const body = await res.json<{ secret: string; previousSecretExpiresAt: string }>()
    expect(body.secret).toMatch(/^whsec_/)
    expect(body.secret).not.toBe(secret)
    expect(Date.parse(body.previousSecretExpiresAt) - before).toBeGreaterThanOrEqual(24 * 3600 * 1000 - 1000)
    expect(Date.parse(body.previousSecretExpiresAt) - before).toBeLessThanOrEqual(24 * 3600 * 1000 + 1000)
    const shown = await fetchWorker(`/webhooks/${id}`, { headers: bearer(managementToken) }).then((r) =>
      r.json<{ previousSecretExpiresAt: string }>(),
    )
    expect(shown.previousSecretExpiresAt).toBe(body.previousSecretExpiresAt)
  })

  it('rotates atomically: 20 rotations at once keep at most 5 previous secrets, and every secret answered signs', async () => {
    const { id, managementToken } = await created()
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetchWorker(`/webhooks/${id}/rotate-secret`, { method: 'POST', headers: bearer(managementToken) }),
      ),
    )
    const statuses = answers.map((res) => res.status).sort()
    expect(statuses.filter((status) => status === 200)).toHaveLength(5)
    expect(statuses.filter((status) => status === 429)).toHaveLength(15)
    const given = await Promise.all(
      answers.filter((res) => res.status === 200).map((res) => res.json<{ secret: string }>().then((b) => b.secret)),
    )
    const { results } = await env.DB.prepare(
      'SELECT COUNT(*) AS previous FROM webhook_previous_secrets WHERE subscription_id = ?1',
    )
      .bind(id)
      .all<{ previous: number }>()
    expect(results[0]!.previous).toBe(5)
    // Each secret answered 200 signs deliveries: the newest as the secret, the others as previous secrets.
    const stored = (await getSubscription(env.DB, id))!
    const live = await Promise.all(
      [stored.secret, ...stored.previousSecrets.map((p) => p.secret)].map((sealed) =>
        unseal(env.WEBHOOK_SECRET_KEY, sealed, id),
      ),
    )
    for (const secret of given) expect(live).toContain(secret)
  })

  it('deliveries is empty before any event', async () => {
    const { id, managementToken } = await created()
    const res = await fetchWorker(`/webhooks/${id}/deliveries`, { headers: bearer(managementToken) })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ subscription: id, deliveries: [] })
  })
})

describe('the operator', () => {
  it('sees every subscription and its health with the admin token', async () => {
    const { id } = await created({ url: `${HOOKS}/echo/ops`, regions: ['us'] })
    const res = await fetchWorker('/admin/webhooks', { headers: ADMIN })
    expect(res.status).toBe(200)
    expect(res.headers.get('Cache-Control')).toBe('no-store')
    const { subscriptions } = await res.json<{ subscriptions: Record<string, unknown>[] }>()
    expect(subscriptions).toEqual([
      expect.objectContaining({
        id,
        host: 'hooks.registry-tests.dev',
        status: 'active',
        health: 'healthy',
        last24h: { delivered: 0, failed: 0 },
      }),
    ])
    expect(subscriptions[0]).not.toHaveProperty('secret')
  })

  it.each([
    ['no token', {}],
    ['a subscription token', bearer('whmt_x')],
  ])('401 with %s', async (_, headers) => {
    const res = await fetchWorker('/admin/webhooks', { headers })
    expect(res.status).toBe(401)
    expect(res.headers.get('WWW-Authenticate')).toBe('Bearer realm="webhooks"')
  })
})

describe('methods', () => {
  it.each([
    ['GET', '/webhooks', 'POST, OPTIONS'],
    ['PUT', '/webhooks', 'POST, OPTIONS'],
    ['PATCH', '/webhooks/sub_x', 'GET, HEAD, DELETE, OPTIONS'],
    ['GET', '/webhooks/sub_x/rotate-secret', 'POST, OPTIONS'],
    ['POST', '/admin/webhooks', 'GET, HEAD, OPTIONS'],
    ['POST', '/subprocessors', 'GET, HEAD, OPTIONS'],
    ['DELETE', '/subprocessors/twilio', 'GET, HEAD, OPTIONS'],
  ])('%s %s answers 405 with Allow: %s', async (method, path, allow) => {
    const res = await fetchWorker(path, { method })
    expect(res.status).toBe(405)
    expect(res.headers.get('Allow')).toBe(allow)
    expect((await res.json<{ error: { allowed: string[] } }>()).error.allowed).toEqual(allow.split(', '))
  })

  it('answers 404 for a path no route has, whatever the method', async () => {
    expect((await fetchWorker('/webhooks/sub_x/other', { method: 'POST' })).status).toBe(404)
  })
})
