import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import oas31 from '@seriousme/openapi-schema-validator/schemas/v3.1/schema.json'
import { beforeAll, describe, expect, it } from 'vitest'
import { app } from '../src/index'
import { fetchWorker, publish, fixtureData } from './helpers'

const REGIONS = ['all', 'eu', 'uk', 'us', 'apac']
const LANGS = fixtureData().registry.languages
const IDS = fixtureData().subprocessors.subprocessors.map((entry) => entry.id)

beforeAll(() => publish())

async function schemaValidator() {
  const ajv = new Ajv2020({ allErrors: true, strict: true })
  addFormats.default(ajv)
  ajv.addSchema(await fetchWorker('/schema.json').then((res) => res.json<object>()), 'registry')
  return ajv
}

describe('/schema.json', () => {
  it('is served with its own ETag and revalidates to 304', async () => {
    const res = await fetchWorker('/schema.json')
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toBe('application/schema+json')
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=300, stale-while-revalidate=60')
    const etag = res.headers.get('ETag')!
    expect(etag).toMatch(/^"[\w-]{43}"$/)
    const again = await fetchWorker('/schema.json', { headers: { 'If-None-Match': etag } })
    expect(again.status).toBe(304)
  })

  it('validates every region × language list', async () => {
    const ajv = await schemaValidator()
    for (const region of REGIONS) {
      for (const lang of LANGS) {
        const doc = await fetchWorker(`/subprocessors.json?region=${region}&lang=${lang}`).then((res) =>
          res.json<{ $schema: string }>(),
        )
        expect(doc.$schema).toBe('/schema.json')
        const valid = ajv.validate('registry', doc)
        expect(ajv.errors ?? []).toEqual([])
        expect(valid).toBe(true)
      }
    }
  })

  it('validates every entry in every language against its $defs entry', async () => {
    const ajv = await schemaValidator()
    for (const id of IDS) {
      for (const lang of LANGS) {
        const doc = await fetchWorker(`/subprocessors/${id}.json?lang=${lang}`).then((res) =>
          res.json<{ $schema: string }>(),
        )
        expect(doc.$schema).toBe('/schema.json#/$defs/SubprocessorDocument')
        const valid = ajv.validate('registry#/$defs/SubprocessorDocument', doc)
        expect(ajv.errors ?? []).toEqual([])
        expect(valid).toBe(true)
      }
    }
  })

  it('rejects a document that strays from it', async () => {
    const ajv = await schemaValidator()
    const doc = await fetchWorker('/subprocessors.json?region=eu&lang=en').then((res) =>
      res.json<Record<string, any>>(),
    )
    expect(ajv.validate('registry', { ...doc, extra: true })).toBe(false)
    expect(ajv.validate('registry', { ...doc, version: '1' })).toBe(false)
    const { regions: _, ...withoutRegions } = doc.subprocessors[0]
    expect(ajv.validate('registry', { ...doc, subprocessors: [withoutRegions] })).toBe(false)
  })
})

describe('/openapi.json', () => {
  async function openapi() {
    const res = await fetchWorker('/openapi.json')
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toBe('application/vnd.oai.openapi+json;version=3.1')
    return res.json<{
      openapi: string
      paths: Record<
        string,
        Record<string, { parameters?: { name: string }[]; responses: Record<string, { headers?: object }> }>
      >
    }>()
  }

  it('validates against the OpenAPI 3.1 schema', async () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false })
    addFormats.default(ajv)
    const doc = await openapi()
    expect(doc.openapi).toBe('3.1.0')
    const valid = ajv.validate(oas31, doc)
    expect(ajv.errors ?? []).toEqual([])
    expect(valid).toBe(true)
  })

  it('resolves every $ref it makes', async () => {
    const doc = await openapi()
    const text = JSON.stringify(doc)
    const refs = [...new Set([...text.matchAll(/"\$ref":"([^"]+)"/g)].map((match) => match[1]!))]
    expect(refs.length).toBeGreaterThan(0)
    for (const ref of refs) {
      expect(ref.startsWith('#/')).toBe(true)
      const target = ref
        .slice(2)
        .split('/')
        .reduce<any>((node, key) => node?.[key], doc)
      expect(target, ref).toBeTypeOf('object')
    }
  })

  it('describes every route the app serves', async () => {
    const doc = await openapi()
    const HONO_TO_OPENAPI: Record<string, string> = {
      '/': '/',
      '/subprocessors': '/subprocessors',
      '/:file{subprocessors\\.[^/]*}': '/subprocessors.{format}',
      '/subprocessors/:id': '/subprocessors/{id}',
      '/changes': '/changes',
      '/:file{changes\\.[^/]*}': '/changes.{format}',
      '/versions': '/versions',
      '/:file{versions\\.[^/]*}': '/versions.{format}',
      '/schema.json': '/schema.json',
      '/openapi.json': '/openapi.json',
      '/.well-known/subprocessors': '/.well-known/subprocessors',
      '/versions/:version/manifest': '/versions/{version}/manifest',
      '/versions/:version/evidence': '/versions/{version}/evidence',
      '/versions/:version/proof': '/versions/{version}/proof',
      '/log/checkpoint': '/log/checkpoint',
      '/log/tile/*': '/log/tile/{level}/{index}.p/{width}',
      '/webhooks': '/webhooks',
      '/webhooks/:id': '/webhooks/{id}',
      '/webhooks/:id/rotate-secret': '/webhooks/{id}/rotate-secret',
      '/webhooks/:id/enable': '/webhooks/{id}/enable',
      '/webhooks/:id/deliveries': '/webhooks/{id}/deliveries',
      '/admin/webhooks': '/admin/webhooks',
      '/objections': '/objections',
      '/objections/:digest/resolution': '/objections/{digest}/resolution',
      '/objections/:digest/inclusion': '/objections/{digest}/inclusion',
    }
    const served = [
      ...new Set(
        app.routes.filter((route) => ['GET', 'POST', 'DELETE'].includes(route.method)).map((route) => route.path),
      ),
    ]
    expect(served.sort()).toEqual(Object.keys(HONO_TO_OPENAPI).sort())
    for (const path of served) expect(Object.keys(doc.paths)).toContain(HONO_TO_OPENAPI[path])
    for (const route of app.routes.filter((route) => ['POST', 'DELETE'].includes(route.method))) {
      expect(Object.keys(doc.paths[HONO_TO_OPENAPI[route.path]!]!), route.path).toContain(route.method.toLowerCase())
    }
  })

  it('documents the statuses and headers of the list', async () => {
    const { get } = (await openapi()).paths['/subprocessors']!
    expect(Object.keys(get!.responses).sort()).toEqual(['200', '304', '400', '404', '406', '503'])
    expect(Object.keys(get!.responses['200']!.headers!)).toEqual(
      expect.arrayContaining(['ETag', 'Last-Modified', 'Vary', 'Content-Location', 'Link']),
    )
    expect(get!.parameters!.map((p) => p.name)).toEqual([
      'region',
      'lang',
      'format',
      'version',
      'at',
      'Accept-Language',
      'If-None-Match',
      'If-Modified-Since',
    ])
    const changes = (await openapi()).paths['/changes']!.get!
    expect(changes.parameters!.map((p) => p.name)).toEqual([
      'region',
      'lang',
      'format',
      'since',
      'Accept-Language',
      'If-None-Match',
      'If-Modified-Since',
    ])
    const entry = (await openapi()).paths['/subprocessors/{id}']!.get!
    expect(Object.keys(entry.responses).sort()).toEqual(['200', '304', '400', '404', '406', '503'])
  })
})

describe('discovery', () => {
  it('/.well-known/subprocessors links every list, the schema and the OpenAPI document', async () => {
    const res = await fetchWorker('/.well-known/subprocessors')
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toBe('application/json; charset=utf-8')
    const doc = await res.json<{
      schema: string
      openapi: string
      lists: { region: string; lang: string; format: string; type: string; href: string }[]
    }>()
    expect(doc).toMatchObject({
      format: 'subprocessor-registry/1.0',
      conformance: ['core', 'history', 'evidence', 'push'],
      schema: '/schema.json',
      openapi: '/openapi.json',
      templates: { entry: '/subprocessors/{id}.{format}?lang={lang}' },
    })
    expect(doc.lists).toHaveLength(REGIONS.length * LANGS.length * 3)
    for (const list of doc.lists) {
      const listed = await fetchWorker(list.href)
      expect(listed.status).toBe(200)
      expect(listed.headers.get('Content-Type')!.startsWith(list.type)).toBe(true)
      expect(listed.headers.get('Content-Location')).toBe(list.href)
    }
    for (const path of [doc.schema, doc.openapi]) expect((await fetchWorker(path)).status).toBe(200)
  })

  it('gives every list response a Link header with its alternates and its schema', async () => {
    const res = await fetchWorker('/subprocessors.csv?region=eu&lang=lv')
    expect(res.headers.get('Link')).toBe(
      [
        '</subprocessors.json?region=eu&lang=lv>; rel="alternate"; type="application/json"; hreflang="lv"',
        '</subprocessors.html?region=eu&lang=lv>; rel="alternate"; type="text/html"; hreflang="lv"',
        '</subprocessors.json?region=eu&lang=en>; rel="alternate"; type="application/json"; hreflang="en"',
        '</subprocessors.html?region=eu&lang=en>; rel="alternate"; type="text/html"; hreflang="en"',
        '</subprocessors.csv?region=eu&lang=en>; rel="alternate"; type="text/csv"; hreflang="en"',
        '</subprocessors.json?region=eu&lang=de>; rel="alternate"; type="application/json"; hreflang="de"',
        '</subprocessors.html?region=eu&lang=de>; rel="alternate"; type="text/html"; hreflang="de"',
        '</subprocessors.csv?region=eu&lang=de>; rel="alternate"; type="text/csv"; hreflang="de"',
        '</schema.json>; rel="describedby"; type="application/schema+json"',
        '</versions/1/manifest>; rel="describedby"; type="application/json"; title="manifest"',
      ].join(', '),
    )
  })

  it('puts the same alternates in the page as <link> elements', async () => {
    const html = await fetchWorker('/subprocessors.html?region=us&lang=en').then((res) => res.text())
    const links = html.match(/<link rel="alternate"[^>]*>/g)
    expect(links).toEqual([
      '<link rel="alternate" type="application/json" hreflang="en" href="/subprocessors.json?region=us&#38;lang=en">',
      '<link rel="alternate" type="text/csv" hreflang="en" href="/subprocessors.csv?region=us&#38;lang=en">',
      '<link rel="alternate" type="text/html" hreflang="lv" href="/subprocessors.html?region=us&#38;lang=lv">',
      '<link rel="alternate" type="text/html" hreflang="de" href="/subprocessors.html?region=us&#38;lang=de">',
      '<link rel="alternate" type="application/atom+xml" hreflang="en" href="/changes.atom?region=us&#38;lang=en">',
      '<link rel="alternate" type="application/feed+json" hreflang="en" href="/changes.jsonfeed?region=us&#38;lang=en">',
    ])
  })
})
