import { beforeAll, describe, expect, it } from 'vitest'
import { fetchWorker, publish } from './helpers'

beforeAll(() => publish())

const EXPLICIT = '/subprocessors.json?region=eu&lang=en'

describe('ETags', () => {
  it('gives every 200 a strong ETag', async () => {
    const res = await fetchWorker(EXPLICIT)
    expect(res.headers.get('ETag')).toMatch(/^"[A-Za-z0-9_-]{43}"$/)
  })

  it('gives the same bytes the same ETag, and different bytes different ETags', async () => {
    const seen = new Map<string, string>()
    for (const region of ['all', 'eu', 'uk', 'us', 'apac']) {
      for (const lang of ['lv', 'en']) {
        for (const format of ['json', 'html', 'csv']) {
          const path = `/subprocessors.${format}?region=${region}&lang=${lang}`
          const [first, second] = await Promise.all([fetchWorker(path), fetchWorker(path)])
          const body = await first.text()
          expect(await second.text()).toBe(body)
          expect(second.headers.get('ETag')).toBe(first.headers.get('ETag'))
          seen.set(first.headers.get('ETag')!, body)
        }
      }
    }
    expect(seen.size).toBe(30)
  })
})

describe('conditional requests', () => {
  async function current() {
    const res = await fetchWorker(EXPLICIT)
    return { etag: res.headers.get('ETag')!, lastModified: res.headers.get('Last-Modified')! }
  }

  it('returns 304 with no body when If-None-Match lists the current ETag', async () => {
    const { etag } = await current()
    const res = await fetchWorker(EXPLICIT, { headers: { 'If-None-Match': etag } })
    expect(res.status).toBe(304)
    expect(await res.text()).toBe('')
    expect(res.headers.get('ETag')).toBe(etag)
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=300, stale-while-revalidate=60')
    expect(res.headers.get('Content-Location')).toBe(EXPLICIT)
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*')
    expect(res.headers.has('Content-Type')).toBe(false)
  })

  it('keeps Vary on a 304 whose URL leaves choices open', async () => {
    const first = await fetchWorker('/subprocessors')
    const res = await fetchWorker('/subprocessors', { headers: { 'If-None-Match': first.headers.get('ETag')! } })
    expect(res.status).toBe(304)
    expect(res.headers.get('Vary')).toBe('Accept, Accept-Language')
    expect(res.headers.get('Cache-Control')).toBe('private, max-age=300')
  })

  it.each([
    ['a list', (etag: string) => `"nope", ${etag}, "other"`],
    ['weak comparison', (etag: string) => `W/${etag}`],
    ['*', () => '*'],
  ])('returns 304 for If-None-Match with %s', async (_, header) => {
    const { etag } = await current()
    const res = await fetchWorker(EXPLICIT, { headers: { 'If-None-Match': header(etag) } })
    expect(res.status).toBe(304)
  })

  it('returns 200 when If-None-Match names another ETag', async () => {
    const res = await fetchWorker(EXPLICIT, { headers: { 'If-None-Match': '"something-else"' } })
    expect(res.status).toBe(200)
  })

  it('returns 200 for an ETag of the same list in another format', async () => {
    const csv = await fetchWorker('/subprocessors.csv?region=eu&lang=en')
    const res = await fetchWorker(EXPLICIT, { headers: { 'If-None-Match': csv.headers.get('ETag')! } })
    expect(res.status).toBe(200)
  })

  it('returns 304 for If-Modified-Since at or after Last-Modified', async () => {
    const { lastModified, etag } = await current()
    for (const since of [lastModified, 'Sat, 21 Nov 2026 00:00:00 GMT']) {
      const res = await fetchWorker(EXPLICIT, { headers: { 'If-Modified-Since': since } })
      expect(res.status).toBe(304)
      expect(res.headers.get('ETag')).toBe(etag)
      expect(await res.text()).toBe('')
    }
  })

  it('returns 200 for If-Modified-Since before Last-Modified, or unparseable', async () => {
    for (const since of ['Thu, 19 Nov 2026 10:00:00 GMT', 'yesterday']) {
      const res = await fetchWorker(EXPLICIT, { headers: { 'If-Modified-Since': since } })
      expect(res.status).toBe(200)
    }
  })

  it('ignores If-Modified-Since when If-None-Match is present', async () => {
    const { lastModified } = await current()
    const res = await fetchWorker(EXPLICIT, {
      headers: { 'If-None-Match': '"other"', 'If-Modified-Since': lastModified },
    })
    expect(res.status).toBe(200)
  })
})

describe('HEAD', () => {
  it.each([EXPLICIT, '/subprocessors.csv?region=uk&lang=lv', '/subprocessors.html?region=us&lang=en', '/'])(
    'returns the headers of GET %s without a body',
    async (path) => {
      const get = await fetchWorker(path)
      const getBody = new Uint8Array(await get.arrayBuffer())
      const head = await fetchWorker(path, { method: 'HEAD' })
      expect(head.status).toBe(200)
      expect(await head.text()).toBe('')
      expect([...head.headers]).toEqual([...get.headers])
      expect(head.headers.get('Content-Length')).toBe(String(getBody.byteLength))
    },
  )
})

describe('caching headers', () => {
  it.each([
    ['/subprocessors', 'Accept, Accept-Language'],
    ['/subprocessors.csv', 'Accept-Language'],
    ['/subprocessors?lang=lv', 'Accept'],
    ['/subprocessors.html?lang=lv&region=eu', null],
  ])('Vary for %s is %s', async (path, vary) => {
    const res = await fetchWorker(path)
    expect(res.headers.get('Vary')).toBe(vary)
  })

  it('lets browsers and shared caches keep a URL that names its region', async () => {
    const res = await fetchWorker('/subprocessors.html?region=uk')
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=300, stale-while-revalidate=60')
  })
})

describe('security headers', () => {
  it('tells browsers not to sniff types and not to send referrers, on every response', async () => {
    for (const path of [
      '/subprocessors.csv?region=eu&lang=en',
      '/subprocessors/twilio.html',
      '/schema.json',
      '/nowhere',
    ]) {
      const res = await fetchWorker(path)
      expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff')
      expect(res.headers.get('Referrer-Policy')).toBe('no-referrer')
    }
  })
})

describe('CORS', () => {
  it('allows any origin to read and exposes the validators', async () => {
    const res = await fetchWorker(EXPLICIT, { headers: { Origin: 'https://tool.example' } })
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*')
    expect(res.headers.get('Access-Control-Expose-Headers')).toBe(
      'ETag,Last-Modified,Content-Location,Content-Language,Content-Disposition,Link,Content-Digest',
    )
  })

  it('answers a preflight', async () => {
    const res = await fetchWorker('/subprocessors', {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://tool.example',
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'If-None-Match',
      },
    })
    expect(res.status).toBe(204)
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*')
    expect(res.headers.get('Access-Control-Allow-Methods')).toBe('GET,HEAD,OPTIONS')
    expect(res.headers.get('Access-Control-Allow-Headers')).toBe('If-None-Match')
  })
})
