import { beforeAll, describe, expect, it } from 'vitest'
import { fetchWorker, publish } from './helpers'

beforeAll(() => publish())

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8'

async function formatFor(path: string, accept?: string) {
  const res = await fetchWorker(path, accept === undefined ? {} : { headers: { Accept: accept } })
  await res.arrayBuffer()
  return { status: res.status, type: res.headers.get('Content-Type'), location: res.headers.get('Content-Location') }
}

describe('format negotiation from Accept', () => {
  it.each([
    ['no Accept at all', undefined, 'application/json; charset=utf-8'],
    ['*/*', '*/*', 'application/json; charset=utf-8'],
    ["a browser's Accept", BROWSER_ACCEPT, 'text/html; charset=utf-8'],
    ['application/json', 'application/json', 'application/json; charset=utf-8'],
    ['text/csv', 'text/csv', 'text/csv; charset=utf-8; header=present'],
    ['text/html', 'text/html', 'text/html; charset=utf-8'],
    ['text/* (ties go to HTML before CSV)', 'text/*', 'text/html; charset=utf-8'],
    ['application/*', 'application/*', 'application/json; charset=utf-8'],
    ['the higher q-value', 'application/json;q=0.5, text/csv;q=0.9', 'text/csv; charset=utf-8; header=present'],
    [
      'the most specific range deciding',
      'text/*;q=0.1, text/csv, */*;q=0.2',
      'text/csv; charset=utf-8; header=present',
    ],
    ['q=0 excluding JSON from */*', 'application/json;q=0, */*', 'text/html; charset=utf-8'],
    ['q=0 on text/html beating text/*', 'text/html;q=0, text/*', 'text/csv; charset=utf-8; header=present'],
    ['media type parameters', 'text/csv;header=present;charset=utf-8', 'text/csv; charset=utf-8; header=present'],
    ['upper-case types', 'TEXT/CSV', 'text/csv; charset=utf-8; header=present'],
    ['a malformed header, as if absent', 'text/html;q=abc', 'application/json; charset=utf-8'],
    ['garbage, as if absent', ';;;,,,/', 'application/json; charset=utf-8'],
    ['an out-of-range q-value, as if absent', 'text/csv;q=2', 'application/json; charset=utf-8'],
  ])('chooses by %s', async (_, accept, type) => {
    expect(await formatFor('/subprocessors?region=eu&lang=en', accept)).toEqual({
      status: 200,
      type,
      location: `/subprocessors.${type.split(';')[0] === 'application/json' ? 'json' : type.startsWith('text/csv') ? 'csv' : 'html'}?region=eu&lang=en`,
    })
  })

  it('answers 406 with the available types when Accept allows none of them', async () => {
    const res = await fetchWorker('/subprocessors?region=eu', {
      headers: { Accept: 'image/png, application/xml;q=0.5' },
    })
    expect(res.status).toBe(406)
    expect(res.headers.get('Content-Type')).toBe('application/json')
    expect(res.headers.get('Vary')).toBe('Accept')
    expect(await res.json()).toEqual({
      error: {
        status: 406,
        code: 'not_acceptable',
        message: 'Accept allows none of the formats this resource comes in.',
        allowed: ['application/json', 'text/html', 'text/csv'],
      },
    })
  })

  it('answers 406 when every offered type has q=0', async () => {
    const res = await fetchWorker('/subprocessors', {
      headers: { Accept: 'application/json;q=0, text/*;q=0, */*;q=0' },
    })
    expect(res.status).toBe(406)
  })

  it('serves GET / as the same resource as /subprocessors', async () => {
    const root = await fetchWorker('/?region=us&lang=lv', { headers: { Accept: 'text/csv' } })
    const list = await fetchWorker('/subprocessors?region=us&lang=lv', { headers: { Accept: 'text/csv' } })
    expect(root.status).toBe(200)
    expect(root.headers.get('ETag')).toBe(list.headers.get('ETag'))
    expect(await root.text()).toBe(await list.text())
  })
})

describe('format fixed by the URL', () => {
  it.each([
    ['/subprocessors.json?region=eu&lang=en', 'application/json; charset=utf-8'],
    ['/subprocessors.csv?region=eu&lang=en', 'text/csv; charset=utf-8; header=present'],
    ['/subprocessors.html?region=eu&lang=en', 'text/html; charset=utf-8'],
    ['/subprocessors?format=csv&region=eu&lang=en', 'text/csv; charset=utf-8; header=present'],
    ['/subprocessors?format=HTML&region=eu&lang=en', 'text/html; charset=utf-8'],
    ['/subprocessors.json?format=json&region=eu&lang=en', 'application/json; charset=utf-8'],
  ])('%s overrides Accept', async (path, type) => {
    const res = await fetchWorker(path, { headers: { Accept: 'image/png' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toBe(type)
    expect(res.headers.has('Vary')).toBe(false)
  })

  it('answers 400 when the suffix and ?format= disagree', async () => {
    const res = await fetchWorker('/subprocessors.csv?format=json')
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({
      error: {
        status: 400,
        code: 'conflicting_format',
        message: 'The path asks for csv but ?format= asks for json.',
        parameter: 'format',
        allowed: ['csv'],
      },
    })
  })

  it.each(['/subprocessors.xml', '/subprocessors.', '/subprocessors?format=pdf'])(
    'answers 400 listing the formats for %s',
    async (path) => {
      const res = await fetchWorker(path)
      expect(res.status).toBe(400)
      const body = await res.json<{ error: { code: string; parameter: string; allowed: string[] } }>()
      expect(body.error).toMatchObject({
        code: 'unknown_format',
        parameter: 'format',
        allowed: ['json', 'html', 'csv'],
      })
    },
  )
})

describe('a negotiated list asked again', () => {
  it('is resolved again for each Accept, Accept-Language and country, with the same headers as the first time', async () => {
    const ask = async (headers: Record<string, string>, country?: string) => {
      const res = await fetchWorker('/subprocessors', {
        headers,
        ...(country ? { cf: { country } } : {}),
      } as RequestInit<IncomingRequestCfProperties>)
      await res.arrayBuffer()
      return { location: res.headers.get('Content-Location'), vary: res.headers.get('Vary') }
    }
    const asked: [Record<string, string>, string | undefined, string][] = [
      [{ Accept: 'application/json', 'Accept-Language': 'de' }, 'GB', '/subprocessors.json?region=uk&lang=de'],
      [{ Accept: 'text/csv', 'Accept-Language': 'de' }, 'GB', '/subprocessors.csv?region=uk&lang=de'],
      [{ Accept: 'application/json', 'Accept-Language': 'lv' }, 'GB', '/subprocessors.json?region=uk&lang=lv'],
      [{ Accept: 'application/json', 'Accept-Language': 'de' }, 'US', '/subprocessors.json?region=us&lang=de'],
    ]
    for (let round = 0; round < 2; round++) {
      for (const [headers, country, location] of asked) {
        expect(await ask(headers, country)).toEqual({ location, vary: 'Accept, Accept-Language' })
      }
    }
  })
})
