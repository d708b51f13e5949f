// The change log as Atom 1.0 and JSON Feed 1.1, read back by a real XML parser and checked
// against what RFC 4287 requires; and the JSON documents against the published schema.
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ACME, announcing, at } from './support/history'
import { fetchWorker, publish, fixtureData, useFreshStorage } from './helpers'

useFreshStorage()
afterEach(() => vi.useRealTimers())

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  isArray: (name) => ['entry', 'link', 'category', 'author'].includes(name),
})

interface AtomLink {
  '@rel'?: string
  '@href': string
  '@type'?: string
}
interface AtomEntry {
  id: string
  title: string
  updated: string
  published: string
  link: AtomLink[]
  category: { '@term': string }[]
  content: { '#text': string; '@type': string }
}
interface AtomFeed {
  '@xmlns': string
  '@xml:lang': string
  id: string
  title: string
  updated: string
  author: { name: string }[]
  link: AtomLink[]
  entry?: AtomEntry[]
}

async function atom(path: string): Promise<AtomFeed> {
  const res = await fetchWorker(path)
  expect(res.status).toBe(200)
  expect(res.headers.get('Content-Type')).toBe('application/atom+xml; charset=utf-8')
  const xml = await res.text()
  expect(XMLValidator.validate(xml)).toBe(true)
  return (parser.parse(xml) as { feed: AtomFeed }).feed
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/

/** RFC 4287 §4.1.1 and §4.1.2: what every feed and entry must carry. */
function expectValidAtom(feed: AtomFeed) {
  expect(feed['@xmlns']).toBe('http://www.w3.org/2005/Atom')
  expect(feed.id).toMatch(/^tag:/)
  expect(feed.title).not.toBe('')
  expect(feed.updated).toMatch(RFC3339)
  // A feed names its author unless every entry does (§4.1.1).
  expect(feed.author[0]!.name).not.toBe('')
  expect(feed.link.filter((link) => link['@rel'] === 'self')).toHaveLength(1)
  for (const entry of feed.entry ?? []) {
    expect(entry.id).toMatch(/^tag:[a-z0-9.-]+,\d{4}-\d{2}-\d{2}:/)
    expect(entry.title).not.toBe('')
    expect(entry.updated).toMatch(RFC3339)
    expect(entry.published).toMatch(RFC3339)
    // An entry without content would need an alternate link; this one has both (§4.1.2).
    expect(entry.content['@type']).toBe('text')
    expect(entry.content['#text']).not.toBe('')
    expect(entry.link.some((link) => (link['@rel'] ?? 'alternate') === 'alternate')).toBe(true)
  }
}

describe('the Atom feed', () => {
  it('is valid with nothing in it', async () => {
    await publish(fixtureData(), at('2026-11-20T10:00:00Z'))
    const feed = await atom('/changes.atom?region=eu&lang=en')
    expectValidAtom(feed)
    expect(feed).toMatchObject({
      '@xml:lang': 'en',
      id: 'tag:liveagent.com,2023-10-02:subprocessors/changes/eu/en',
      title: 'LiveAgent: changes to the sub-processors (Europe)',
      updated: '2026-11-20T10:00:00.000Z',
    })
    expect(feed.entry).toBeUndefined()
  })

  it('has one entry per change, with a stable id, published at the announcement, linked to the entry', async () => {
    await publish(fixtureData(), at('2026-11-20T10:00:00Z'))
    await publish(announcing(fixtureData(), { add: ACME, effective: '2027-01-15' }), at('2026-11-21T10:00:00Z'))
    const first = await atom('/changes.atom?region=eu&lang=en')
    expectValidAtom(first)
    expect(first.entry).toHaveLength(1)
    const entry = first.entry![0]!
    expect(entry).toMatchObject({
      id: 'tag:liveagent.com,2023-10-02:subprocessors/change/v2/acme-analytics/added/2027-01-15T00:00:00.000Z',
      title: 'Added: Acme Analytics, Inc.',
      published: '2026-11-21T10:00:00.000Z',
      updated: '2026-11-21T10:00:00.000Z',
    })
    // Absolute, from the configured origin: a feed has no base URL to resolve a relative link against.
    expect(entry.link.find((link) => (link['@rel'] ?? 'alternate') === 'alternate')!['@href']).toBe(
      'https://registry.example/subprocessors/acme-analytics.html?lang=en',
    )
    expect(first.link.find((link) => link['@rel'] === 'self')!['@href']).toBe(
      'https://registry.example/changes.atom?region=eu&lang=en',
    )
    expect(entry.category.map((category) => category['@term'])).toEqual(['added', 'upcoming'])
    expect(entry.content['#text']).toContain(
      'Objections by January 15, 2027. To object, write to andrej@liveagent.com before the objection deadline.',
    )
    // The us list is not touched by the change.
    expect((await atom('/changes.atom?region=us&lang=en')).entry).toBeUndefined()

    // A later version keeps the entry's id; the entry moves (updated) when the change takes effect.
    const renamed = announcing(fixtureData(), { add: ACME, effective: '2027-01-15' })
    renamed.subprocessors.subprocessors.find((e) => e.id === 'linode-eu')!.purpose.en =
      'Storing LiveAgent Service Data in Europe'
    await publish(renamed, at('2026-11-22T10:00:00Z'))
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(at('2027-01-16T00:00:00Z'))
    const later = await atom('/changes.atom?region=eu&lang=en')
    expectValidAtom(later)
    expect(later.entry!.map((e) => e.id)).toEqual([
      'tag:liveagent.com,2023-10-02:subprocessors/change/v3/linode-eu/corrected/2026-11-22T10:00:00.000Z',
      entry.id,
    ])
    expect(later.entry![1]).toMatchObject({
      published: '2026-11-21T10:00:00.000Z',
      updated: '2027-01-15T00:00:00.000Z',
    })
    expect(later.updated).toBe('2027-01-15T00:00:00.000Z')
  })

  it('is linked from the page and the discovery document', async () => {
    await publish(fixtureData(), at('2026-11-20T10:00:00Z'))
    const page = await fetchWorker('/subprocessors.html?region=eu&lang=lv').then((res) => res.text())
    expect(page).toContain(
      '<link rel="alternate" type="application/atom+xml" hreflang="lv" href="/changes.atom?region=eu&#38;lang=lv">',
    )
    const discovery = await fetchWorker('/.well-known/subprocessors').then((res) =>
      res.json<{ history: { changes: { href: string; type: string }[] } }>(),
    )
    expect(discovery.history.changes).toContainEqual({
      region: 'eu',
      lang: 'lv',
      format: 'atom',
      type: 'application/atom+xml',
      href: '/changes.atom?region=eu&lang=lv',
    })
  })
})

describe('the JSON Feed', () => {
  it('is JSON Feed 1.1, each item carrying the typed change', async () => {
    await publish(fixtureData(), at('2026-11-20T10:00:00Z'))
    await publish(announcing(fixtureData(), { remove: 'openai', effective: '2026-12-21' }), at('2026-11-21T10:00:00Z'))
    const res = await fetchWorker('/changes', { headers: { Accept: 'application/feed+json', 'Accept-Language': 'lv' } })
    expect(res.headers.get('Content-Type')).toBe('application/feed+json; charset=utf-8')
    expect(res.headers.get('Content-Location')).toBe('/changes.jsonfeed?region=all&lang=lv')
    const feed = await res.json<{ version: string; title: string; items: Record<string, unknown>[] }>()
    expect(feed).toMatchObject({
      version: 'https://jsonfeed.org/version/1.1',
      title: 'LiveAgent: izmaiņas apakšapstrādātāju sarakstā (Visi reģioni)',
      home_page_url: 'https://registry.example/changes.html?region=all&lang=lv',
      feed_url: 'https://registry.example/changes.jsonfeed?region=all&lang=lv',
      language: 'lv',
      _subprocessor_registry: { format: 'subprocessor-registry/1.0' },
    })
    expect(feed.items).toHaveLength(1)
    expect(feed.items[0]).toMatchObject({
      id: 'tag:liveagent.com,2023-10-02:subprocessors/change/v2/openai/removed/2026-12-21T00:00:00.000Z',
      url: 'https://registry.example/subprocessors/openai.html?lang=lv',
      title: 'Noņemts: OpenAI',
      date_published: '2026-11-21T10:00:00.000Z',
      tags: ['removed', 'upcoming'],
      _subprocessor_change: { type: 'removed', entry: { id: 'openai' }, effectiveAt: '2026-12-21T00:00:00.000Z' },
    })
  })
})

describe('the change log and the version index as JSON', () => {
  it('validate against the published schema', async () => {
    await publish(fixtureData(), at('2026-11-20T10:00:00Z'))
    await publish(
      announcing(
        fixtureData(),
        { add: ACME, effective: '2027-01-15' },
        {
          change: 'twilio',
          set: { location: { countries: ['US'], text: { lv: 'ASV', en: 'USA' } } },
          effective: '2027-02-01',
        },
      ),
      at('2026-11-21T10:00:00Z'),
    )
    const ajv = new Ajv2020({ allErrors: true, strict: true })
    addFormats.default(ajv)
    ajv.addSchema(await fetchWorker('/schema.json').then((res) => res.json<object>()), 'registry')
    for (const region of ['all', 'eu', 'us']) {
      for (const lang of ['lv', 'en']) {
        for (const [path, schema] of [
          [`/changes.json?region=${region}&lang=${lang}`, 'registry#/$defs/ChangeLog'],
          [`/changes.json?region=${region}&lang=${lang}&since=1`, 'registry#/$defs/ChangeLog'],
          [`/subprocessors.json?region=${region}&lang=${lang}`, 'registry'],
          [`/versions.json?lang=${lang}`, 'registry#/$defs/Versions'],
        ] as const) {
          const doc = await fetchWorker(path).then((res) => res.json())
          const valid = ajv.validate(schema, doc)
          expect([path, ajv.errors ?? []]).toEqual([path, []])
          expect(valid).toBe(true)
        }
      }
    }
    const changes = await fetchWorker('/changes.json?lang=en').then((res) =>
      res.json<{ changes: { fields: unknown[] }[] }>(),
    )
    expect(changes.changes[0]!.fields).toEqual([
      { field: 'location', before: null, after: { countries: ['US'], subdivisions: [], text: 'USA' } },
    ])
  })
})
