import { beforeAll, describe, expect, it } from 'vitest'
import { fetchWorker, publish } from './helpers'

beforeAll(() => publish())

describe('GET /subprocessors/{id}', () => {
  it('serves one entry as JSON by default, with the regions it applies to', async () => {
    const res = await fetchWorker('/subprocessors/twilio')
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toBe('application/json; charset=utf-8')
    expect(res.headers.get('Content-Location')).toBe('/subprocessors/twilio.json?lang=en')
    expect(res.headers.get('Content-Language')).toBe('en')
    expect(res.headers.get('Vary')).toBe('Accept, Accept-Language')
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=300, stale-while-revalidate=60')
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*')
    expect(await res.json()).toEqual({
      $schema: '/schema.json#/$defs/SubprocessorDocument',
      format: 'subprocessor-registry/1.0',
      version: 1,
      publishedAt: '2026-11-20T10:00:00.000Z',
      lastUpdated: '2023-10-02',
      language: 'en',
      sourceLanguage: 'lv',
      id: 'twilio',
      name: 'Twilio, Inc.',
      alsoWrittenAs: [],
      product: null,
      category: 'service',
      categoryLabel: 'Service',
      roles: [],
      purpose: 'LiveAgent uses Twilio as its VoIP service provider.',
      customers: null,
      location: null,
      regions: ['eu', 'uk', 'us', 'apac'],
      assurances: [],
      notes: [
        {
          field: 'purpose.lv',
          text: "The source text spells it “Twillio”; the Latvian text keeps the source's spelling and the translations spell the name correctly.",
        },
        { field: 'location', text: 'The source does not give a processing location.' },
      ],
      links: {
        html: '/subprocessors/twilio.html?lang=en',
        json: '/subprocessors/twilio.json?lang=en',
        csv: '/subprocessors/twilio.csv?lang=en',
        list: '/subprocessors.html?region=all&lang=en',
      },
    })
  })

  it('negotiates format and language like the list', async () => {
    const res = await fetchWorker('/subprocessors/linode-uk', {
      headers: { Accept: 'text/csv', 'Accept-Language': 'lv-LV' },
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Location')).toBe('/subprocessors/linode-uk.csv?lang=lv')
    expect(res.headers.get('Content-Disposition')).toBe(
      'attachment; filename="liveagent-subprocessors-linode-uk-lv-v1.csv"',
    )
    const rows = (await res.text()).replace(/^\uFEFF/, '').split('\r\n')
    expect(rows).toHaveLength(3)
    expect(
      rows[1]!.startsWith(
        '"linode-uk","Linode, LLC","","","Serveri","","LiveAgent Pakalpojumu Datu glabāšana","","atrašanās vieta Apvienotajā Karalistē","GB","eu; uk",',
      ),
    ).toBe(true)
  })

  it('takes the format from a suffix or ?format=, and the language from ?lang=', async () => {
    for (const [path, type, lang] of [
      ['/subprocessors/openai.html?lang=lv', 'text/html; charset=utf-8', 'lv'],
      ['/subprocessors/openai?format=csv&lang=en', 'text/csv; charset=utf-8; header=present', 'en'],
      ['/subprocessors/OPENAI.JSON', 'application/json; charset=utf-8', 'en'],
    ] as const) {
      const res = await fetchWorker(path, { headers: { Accept: 'image/png' } })
      expect(res.status).toBe(200)
      expect(res.headers.get('Content-Type')).toBe(type)
      expect(res.headers.get('Content-Language')).toBe(lang)
    }
  })

  it('serves an accessible page that links back to the list', async () => {
    const html = await fetchWorker('/subprocessors/support-subcontractors.html?lang=lv').then((res) => res.text())
    expect(html).toContain('<html lang="lv">')
    expect(html).toContain('<h1><em>Avotā nav nosaukts</em></h1>')
    expect(html).toContain('<a href="/subprocessors.html?region=all&#38;lang=lv">Visi apakšapstrādātāji</a>')
    expect(html).toContain(
      '<dt>Nolūks</dt><dd>Lai nodrošinātu diennakts klientu apkalpošanas pieejamību, LiveAgent sadarbojas ar apakšuzņēmējiem, kuri var piekļūt Pakalpojuma Datiem.</dd>',
    )
  })

  it('carries a Link header with its alternates and its schema', async () => {
    const res = await fetchWorker('/subprocessors/aws.html?lang=en')
    expect(res.headers.get('Link')).toBe(
      [
        '</subprocessors/aws.json?lang=lv>; rel="alternate"; type="application/json"; hreflang="lv"',
        '</subprocessors/aws.html?lang=lv>; rel="alternate"; type="text/html"; hreflang="lv"',
        '</subprocessors/aws.csv?lang=lv>; rel="alternate"; type="text/csv"; hreflang="lv"',
        '</subprocessors/aws.json?lang=en>; rel="alternate"; type="application/json"; hreflang="en"',
        '</subprocessors/aws.csv?lang=en>; rel="alternate"; type="text/csv"; hreflang="en"',
        '</subprocessors/aws.json?lang=de>; rel="alternate"; type="application/json"; hreflang="de"',
        '</subprocessors/aws.html?lang=de>; rel="alternate"; type="text/html"; hreflang="de"',
        '</subprocessors/aws.csv?lang=de>; rel="alternate"; type="text/csv"; hreflang="de"',
        '</schema.json#/$defs/SubprocessorDocument>; rel="describedby"; type="application/schema+json"',
        '</versions/1/manifest>; rel="describedby"; type="application/json"; title="manifest"',
      ].join(', '),
    )
  })

  it('answers If-None-Match with 304 and HEAD with the headers of GET', async () => {
    const get = await fetchWorker('/subprocessors/intuit-mailchimp.json?lang=lv')
    const etag = get.headers.get('ETag')!
    const body = await get.arrayBuffer()
    const revalidated = await fetchWorker('/subprocessors/intuit-mailchimp.json?lang=lv', {
      headers: { 'If-None-Match': etag },
    })
    expect(revalidated.status).toBe(304)
    expect(revalidated.headers.get('ETag')).toBe(etag)
    const head = await fetchWorker('/subprocessors/intuit-mailchimp.json?lang=lv', { method: 'HEAD' })
    expect([...head.headers]).toEqual([...get.headers])
    expect(head.headers.get('Content-Length')).toBe(String(body.byteLength))
  })

  it('does not depend on a region', async () => {
    const here = await fetchWorker('/subprocessors/aws.json?lang=en', {
      cf: { country: 'DE' } as IncomingRequestCfProperties,
    })
    const there = await fetchWorker('/subprocessors/aws.json?lang=en&region=us', {
      cf: { country: 'SG' } as IncomingRequestCfProperties,
    })
    expect(here.headers.get('ETag')).toBe(there.headers.get('ETag'))
    const ignored = await fetchWorker('/subprocessors/aws.json?lang=en&region=mars')
    expect(ignored.status).toBe(200)
    expect(ignored.headers.get('ETag')).toBe(here.headers.get('ETag'))
  })

  it.each(['nope', 'twilio-', 'Ṫwilio', 'twilio%2Fx', '.json'])(
    'answers 404 in the error shape for the unknown id %j',
    async (id) => {
      const res = await fetchWorker(`/subprocessors/${encodeURIComponent(id)}`)
      expect(res.status).toBe(404)
      const body = await res.json<{ error: { status: number; code: string } }>()
      expect(body.error).toMatchObject({ status: 404, code: 'unknown_subprocessor' })
    },
  )

  it('answers 400 for an unknown format or language', async () => {
    expect((await fetchWorker('/subprocessors/twilio.xml')).status).toBe(400)
    expect((await fetchWorker('/subprocessors/twilio?lang=fr')).status).toBe(400)
    expect((await fetchWorker('/subprocessors/twilio.csv?format=json')).status).toBe(400)
    expect((await fetchWorker('/subprocessors/twilio.json.json')).status).toBe(400)
  })

  it('answers 406 when Accept allows none of its formats', async () => {
    const res = await fetchWorker('/subprocessors/twilio', { headers: { Accept: 'application/pdf' } })
    expect(res.status).toBe(406)
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

  it('answers 405 to writes', async () => {
    const res = await fetchWorker('/subprocessors/twilio', { method: 'DELETE' })
    expect(res.status).toBe(405)
  })
})
