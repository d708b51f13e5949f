import { env } from 'cloudflare:workers'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { fetchWorker, publish } from './helpers'

// Endpoints under https://hooks.example answer from vitest.config.ts (webhookEndpoints), chosen by path.
const HOOKS = 'https://hooks.example'
const ADMIN = { Authorization: 'Bearer admin-token-for-tests' }

// One publish for the file; every test starts with no subscription, attempt or rate-limit count.
beforeAll(() => publish())
afterEach(async () => {
  const tables = ['webhook_subscriptions', 'webhook_attempts', 'webhook_emissions', 'webhook_cursor', 'webhook_create_counts']
  await env.DB.batch(tables.map((table) => env.DB.prepare(`DELETE FROM ${table}`)))
})

function subscribe(body: unknown, ip = '198.51.100.7'): Promise<Response> {
  return fetchWorker('/webhooks', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': ip },
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
      events: ['subprocessors.change.announced', 'subprocessors.change.effective', 'subprocessors.change.withdrawn'],
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
    ['does not echo the challenge', 'silent', 'its answer did not echo the challenge'],
    ['answers with a redirect, which is not followed', 'redirect', 'it answered 302'],
  ])('answers 422 and subscribes nothing when the endpoint %s', async (_, kind, reason) => {
    const res = await subscribe({ url: `${HOOKS}/${kind}/x`, regions: ['eu'] })
    expect(res.status).toBe(422)
    expect(await res.json()).toEqual({
      error: { status: 422, code: 'verification_failed', message: `The endpoint did not confirm the subscription: ${reason}. Nothing was subscribed.` },
    })
    expect(await subscriptionCount()).toBe(0)
  })
})

describe('hostile subscriptions get a clear 4xx and create nothing', () => {
  const invalid = (fields: { field: string; message: string }[]) => ({
    error: { status: 400, code: 'invalid_subscription', message: `The subscription is invalid: ${[...new Set(fields.map((f) => f.field))].join(', ')}.`, fields },
  })

  it.each<[string, unknown, { field: string; message: string }[]]>([
    ['bad JSON', '{"url": "https://hooks.example/echo/a", "regions": [', [{ field: '(body)', message: 'must be a JSON object' }]],
    ['a JSON array', '[]', [{ field: '(body)', message: 'must be an object' }]],
    ['unknown fields', { url: `${HOOKS}/echo/a`, regions: ['eu'], secret: 'mine', headers: {} }, [
      { field: 'secret', message: 'is not a known field' },
      { field: 'headers', message: 'is not a known field' },
    ]],
    ['no url and no regions', {}, [{ field: 'url', message: 'is required' }, { field: 'regions', message: 'is required' }]],
    ['an unknown region', { url: `${HOOKS}/echo/a`, regions: ['eu', 'mars'] }, [{ field: 'regions[1]', message: 'must be one of eu, uk, us, apac, all' }]],
    ['an unknown language', { url: `${HOOKS}/echo/a`, regions: ['eu'], languages: ['fr'] }, [{ field: 'languages[0]', message: 'must be one of lv, en, de' }]],
    ['an unknown event', { url: `${HOOKS}/echo/a`, regions: ['eu'], events: ['subprocessors.deleted'] }, [
      { field: 'events[0]', message: 'must be one of subprocessors.change.announced, subprocessors.change.effective, subprocessors.change.withdrawn' },
    ]],
    ['no regions', { url: `${HOOKS}/echo/a`, regions: [] }, [{ field: 'regions', message: 'must have at least 1 item' }]],
    ['a file: URL', { url: 'file:///etc/passwd', regions: ['eu'] }, [{ field: 'url', message: 'must use https:' }]],
    ['an ftp: URL', { url: 'ftp://hooks.example/in', regions: ['eu'] }, [{ field: 'url', message: 'must use https:' }]],
    ['an http: URL', { url: 'http://hooks.example/in', regions: ['eu'] }, [{ field: 'url', message: 'must use https:' }]],
    ['http://127.0.0.1 outside local development', { url: 'http://127.0.0.1:9999/in', regions: ['eu'] }, [{ field: 'url', message: 'must use https:' }]],
    ['a relative URL', { url: '/webhooks', regions: ['eu'] }, [{ field: 'url', message: 'must be an absolute URL' }]],
    ['a URL of 10 KiB', { url: `${HOOKS}/echo/${'a'.repeat(10 * 1024)}`, regions: ['eu'] }, [{ field: 'url', message: 'must be at most 2048 characters' }]],
    ['credentials in the URL', { url: 'https://user:pass@hooks.example/echo/a', regions: ['eu'] }, [{ field: 'url', message: 'must not carry a user name or password' }]],
    ['a private address', { url: 'https://10.1.2.3/in', regions: ['eu'] }, [{ field: 'url', message: 'must name a public host, not a private address' }]],
    ['a private address in hex', { url: 'https://0xc0.0xa8.1.1/in', regions: ['eu'] }, [{ field: 'url', message: 'must name a public host, not a private address' }]],
    ['a loopback address', { url: 'https://127.0.0.1/in', regions: ['eu'] }, [{ field: 'url', message: 'must name a public host, not a loopback address' }]],
    ['a loopback address as one number', { url: 'https://2130706433/in', regions: ['eu'] }, [{ field: 'url', message: 'must name a public host, not a loopback address' }]],
    ['the metadata address', { url: 'https://169.254.169.254/latest', regions: ['eu'] }, [{ field: 'url', message: 'must name a public host, not a link-local address' }]],
    ['a CGNAT address', { url: 'https://100.64.0.1/in', regions: ['eu'] }, [{ field: 'url', message: 'must name a public host, not a CGNAT address' }]],
    ['IPv6 loopback', { url: 'https://[::1]/in', regions: ['eu'] }, [{ field: 'url', message: 'must name a public host, not a loopback address' }]],
    ['IPv4-mapped IPv6', { url: 'https://[::ffff:10.0.0.1]/in', regions: ['eu'] }, [{ field: 'url', message: 'must name a public host, not a private address' }]],
    ['a localhost name', { url: 'https://api.localhost/in', regions: ['eu'] }, [{ field: 'url', message: 'must name a public host, not a localhost name' }]],
    ['every problem at once', { url: 'ftp://x', regions: ['mars'], languages: 'en' }, [
      { field: 'languages', message: 'must be an array' },
      { field: 'url', message: 'must use https:' },
      { field: 'regions[0]', message: 'must be one of eu, uk, us, apac, all' },
    ]],
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
    for (let i = 0; i < 10; i++) await created({ url: `https://h${i}.example/echo/`, regions: ['eu'] }, '203.0.113.9')
    const res = await subscribe({ url: `${HOOKS}/echo/eleventh`, regions: ['eu'] }, '203.0.113.9')
    expect(res.status).toBe(429)
    const retryAfter = Number(res.headers.get('Retry-After'))
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(3600)
    expect(await res.json()).toEqual({ error: { status: 429, code: 'rate_limited', message: 'At most 10 subscriptions may be requested per hour from one address.' } })
    expect((await subscribe({ url: `${HOOKS}/echo/other`, regions: ['eu'] }, '203.0.113.10')).status).toBe(201)
    expect(await subscriptionCount()).toBe(11)
  })

  it('answers 429 with Retry-After once an endpoint host has 20 subscriptions', async () => {
    for (let i = 0; i < 20; i++) await created({ url: `https://crowded.example/echo/${i}`, regions: ['eu'] }, `192.0.2.${i}`)
    const res = await subscribe({ url: 'https://crowded.example/echo/21', regions: ['eu'] }, '192.0.2.200')
    expect(res.status).toBe(429)
    expect(res.headers.get('Retry-After')).toBe('3600')
    expect((await res.json<{ error: { message: string } }>()).error.message).toBe('crowded.example already has 20 subscriptions, the most one host may have.')
    expect(await subscriptionCount()).toBe(20)
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
    for (const [method, path] of [['GET', ''], ['DELETE', ''], ['POST', '/rotate-secret'], ['POST', '/enable'], ['GET', '/deliveries']]) {
      const res = await fetchWorker(`/webhooks/${id}${path}`, { method, headers })
      expect(res.status, `${method} ${path}`).toBe(401)
      expect(res.headers.get('WWW-Authenticate')).toBe('Bearer realm="webhooks"')
      expect((await res.json<{ error: { code: string } }>()).error.code).toBe('unauthorized')
    }
  })

  it('404 for an id that is not subscribed', async () => {
    const res = await fetchWorker('/webhooks/sub_nothing', { headers: bearer('whmt_anything') })
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ error: { status: 404, code: 'unknown_subscription', message: 'No subscription has this id.' } })
  })

  it('DELETE answers 204, and the subscription is gone', async () => {
    const { id, managementToken } = await created()
    const res = await fetchWorker(`/webhooks/${id}`, { method: 'DELETE', headers: bearer(managementToken) })
    expect(res.status).toBe(204)
    expect(await res.text()).toBe('')
    expect((await fetchWorker(`/webhooks/${id}`, { headers: bearer(managementToken) })).status).toBe(404)
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
    const shown = await fetchWorker(`/webhooks/${id}`, { headers: bearer(managementToken) }).then((r) => r.json<{ previousSecretExpiresAt: string }>())
    expect(shown.previousSecretExpiresAt).toBe(body.previousSecretExpiresAt)
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
    expect(subscriptions).toEqual([expect.objectContaining({ id, host: 'hooks.example', status: 'active', health: 'healthy', last24h: { delivered: 0, failed: 0 } })])
    expect(subscriptions[0]).not.toHaveProperty('secret')
  })

  it.each([['no token', {}], ['a subscription token', bearer('whmt_x')]])('401 with %s', async (_, headers) => {
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
