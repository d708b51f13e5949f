import { describe, expect, it } from 'vitest'
import { fetchWorker, publish, useFreshStorage } from './helpers'

useFreshStorage()

describe('before anything is published', () => {
  it('answers 503 in the error shape', async () => {
    const res = await fetchWorker('/subprocessors')
    expect(res.status).toBe(503)
    expect(res.headers.get('Cache-Control')).toBe('no-store')
    expect(await res.json()).toEqual({ error: { status: 503, code: 'not_published', message: 'No version of the registry has been published yet.' } })
  })
})

describe('errors', () => {
  it('answers 404 in the error shape for an unknown path', async () => {
    await publish()
    const res = await fetchWorker('/suppliers')
    expect(res.status).toBe(404)
    expect(res.headers.get('Content-Type')).toBe('application/json')
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*')
    expect(await res.json()).toEqual({ error: { status: 404, code: 'not_found', message: 'There is nothing at /suppliers.' } })
  })

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('answers %s with 405 and Allow', async (method) => {
    await publish()
    const res = await fetchWorker('/subprocessors.json', { method, body: method === 'DELETE' ? undefined : '{}' })
    expect(res.status).toBe(405)
    expect(res.headers.get('Allow')).toBe('GET, HEAD, OPTIONS')
    expect(await res.json()).toEqual({
      error: { status: 405, code: 'method_not_allowed', message: 'This resource is read-only.', allowed: ['GET', 'HEAD', 'OPTIONS'] },
    })
  })

  it('shortens a long unknown value in the message', async () => {
    await publish()
    const res = await fetchWorker(`/subprocessors?region=${'x'.repeat(500)}`)
    expect(res.status).toBe(400)
    expect((await res.json<{ error: { message: string } }>()).error.message).toBe(`Unknown region "${'x'.repeat(40)}…".`)
  })
})

describe('hostile requests never cause a 5xx', () => {
  const HEADERS: Record<string, string>[] = [
    { Accept: 'text/html, ?/?; q=, "/"' },
    { Accept: 'a'.repeat(8000) },
    { Accept: ',,,,;;;;q=;q=1;q=0.5' },
    { Accept: 'text/html;q=1e-9999' },
    { Accept: '*/*;q="0.5"' },
    { Accept: Array.from({ length: 500 }, (_, i) => `type${i}/sub;q=0.${i % 10}`).join(',') },
    { 'Accept-Language': '*;q=NaN' },
    { 'Accept-Language': 'lv-' + 'x'.repeat(5000) },
    { 'Accept-Language': ';;;' },
    { 'If-None-Match': '"' },
    { 'If-None-Match': 'W/' },
    { 'If-Modified-Since': 'Thu, 99 Foo 99999 99:99:99 GMT' },
    { 'If-Modified-Since': '0' },
  ]

  it.each(HEADERS.map((headers) => [JSON.stringify(headers).slice(0, 60), headers]))('headers %s', async (_, headers) => {
    await publish()
    const res = await fetchWorker('/subprocessors', { headers })
    expect(res.status).toBeLessThan(500)
    expect([200, 304, 400, 406]).toContain(res.status)
  })

  it.each([
    '/subprocessors?region=%00',
    '/subprocessors?region=%E0%A4%A',
    '/subprocessors?lang=%ff%fe',
    '/subprocessors?format=json&format=csv',
    '/subprocessors?region[]=eu',
    '/subprocessors?&&&=&=',
    '/subprocessors.json.json',
    '/subprocessors.%2e%2e',
    '/%2e%2e/subprocessors',
    `/subprocessors?${'a=1&'.repeat(2000)}`,
  ])('query %.60s', async (path) => {
    await publish()
    const res = await fetchWorker(path)
    expect(res.status).toBeGreaterThanOrEqual(200)
    expect(res.status).toBeLessThan(500)
    if (res.status >= 400) {
      const body = await res.json<{ error: { status: number; code: string; message: string } }>()
      expect(body.error.status).toBe(res.status)
    }
  })
})
