import { beforeAll, describe, expect, it } from 'vitest'
import { fetchWorker, publish } from './helpers'

// Runs first, on empty storage; the rest of the file reads one publish.

describe('before anything is published', () => {
  it('answers 503 in the error shape', async () => {
    const res = await fetchWorker('/subprocessors')
    expect(res.status).toBe(503)
    expect(res.headers.get('Cache-Control')).toBe('no-store')
    expect(res.headers.get('Retry-After')).toBe('5')
    expect(await res.json()).toEqual({
      error: { status: 503, code: 'not_published', message: 'No version of the registry has been published yet.' },
    })
  })
})

describe('errors', () => {
  beforeAll(() => publish())

  it('answers 404 in the error shape for an unknown path', async () => {
    const res = await fetchWorker('/suppliers')
    expect(res.status).toBe(404)
    expect(res.headers.get('Content-Type')).toBe('application/json')
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*')
    expect(await res.json()).toEqual({
      error: { status: 404, code: 'not_found', message: 'There is nothing at /suppliers.' },
    })
  })

  const ROUTES = [
    '/',
    '/subprocessors',
    '/subprocessors.json',
    '/subprocessors.csv',
    '/subprocessors/twilio',
    '/subprocessors/twilio.html',
    '/schema.json',
    '/openapi.json',
    '/.well-known/subprocessors',
  ]
  const METHODS = [
    'POST',
    'PUT',
    'PATCH',
    'DELETE',
    'TRACE',
    'PROPFIND',
    'PROPPATCH',
    'MKCOL',
    'COPY',
    'MOVE',
    'LOCK',
    'UNLOCK',
    'REPORT',
    'SEARCH',
    'PURGE',
  ]

  it.each(METHODS)('answers %s with 405 and Allow on every route that exists', async (method) => {
    for (const route of ROUTES) {
      const res = await fetchWorker(route, {
        method,
        body: ['POST', 'PUT', 'PATCH'].includes(method) ? '{}' : undefined,
      })
      expect([route, res.status]).toEqual([route, 405])
      expect(res.headers.get('Allow')).toBe('GET, HEAD, OPTIONS')
      expect(await res.json()).toEqual({
        error: {
          status: 405,
          code: 'method_not_allowed',
          message: 'This resource is read-only.',
          allowed: ['GET', 'HEAD', 'OPTIONS'],
        },
      })
    }
  })

  it.each(['POST', 'TRACE', 'PROPFIND'])('answers %s with 404 on a path that does not exist', async (method) => {
    const res = await fetchWorker('/suppliers', { method })
    expect(res.status).toBe(404)
    expect(res.headers.get('Allow')).toBeNull()
  })

  it('shortens a long unknown value in the message', async () => {
    const res = await fetchWorker(`/subprocessors?region=${'x'.repeat(500)}`)
    expect(res.status).toBe(400)
    expect((await res.json<{ error: { message: string } }>()).error.message).toBe(
      `Unknown region "${'x'.repeat(40)}…".`,
    )
  })
})

describe('hostile requests get an exact answer, never a 5xx', () => {
  beforeAll(() => publish())

  // A header that breaks its grammar counts as absent (RFC 9110 §12.5.1), so most of these get the default.
  const HEADERS: [Record<string, string>, number][] = [
    [{ Accept: 'text/html, ?/?; q=, "/"' }, 200],
    [{ Accept: 'a'.repeat(8000) }, 200],
    [{ Accept: ',,,,;;;;q=;q=1;q=0.5' }, 200],
    [{ Accept: 'text/html;q=1e-9999' }, 200],
    [{ Accept: '*/*;q="0.5"' }, 200],
    [{ Accept: Array.from({ length: 500 }, (_, i) => `type${i}/sub;q=0.${i % 10}`).join(',') }, 406],
    [{ 'Accept-Language': '*;q=NaN' }, 200],
    [{ 'Accept-Language': `lv-${'x'.repeat(5000)}` }, 200],
    [{ 'Accept-Language': ';;;' }, 200],
    [{ 'If-None-Match': '"' }, 200],
    [{ 'If-None-Match': 'W/' }, 200],
    [{ 'If-Modified-Since': 'Thu, 99 Foo 99999 99:99:99 GMT' }, 200],
    [{ 'If-Modified-Since': '0' }, 200],
  ]

  it.each(HEADERS.map(([headers, status]) => [JSON.stringify(headers).slice(0, 60), headers, status] as const))(
    'headers %s',
    async (_, headers, status) => {
      const res = await fetchWorker('/subprocessors', { headers })
      expect(res.status).toBe(status)
    },
  )

  it.each([
    ['/subprocessors?region=%00', 400, 'unknown_region'],
    ['/subprocessors?region=%E0%A4%A', 400, 'unknown_region'],
    ['/subprocessors?lang=%ff%fe', 400, 'unknown_language'],
    ['/subprocessors?format=json&format=csv', 400, 'repeated_parameter'],
    ['/subprocessors?region[]=eu', 200, null],
    ['/subprocessors?&&&=&=', 200, null],
    ['/subprocessors.json.json', 400, 'unknown_format'],
    ['/subprocessors.%2e%2e', 400, 'unknown_format'],
    ['/%2e%2e/subprocessors', 200, null],
    [`/subprocessors?${'a=1&'.repeat(2000)}`, 200, null],
  ] as const)('query %.60s', async (path, status, code) => {
    const res = await fetchWorker(path)
    expect(res.status).toBe(status)
    if (code) expect(await res.json()).toMatchObject({ error: { status, code } })
  })
})
