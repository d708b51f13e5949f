// Immutable versions: every one kept and served exactly, the list at any instant, a poller's
// delta, and one publisher per version number.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { ChangeDocument, SubprocessorListDocument } from '../src/publish/contract/schema'
import { ACME, announcing, at } from './support/history'
import { fetchWorker, publish, fixtureData } from './helpers'

afterEach(() => vi.useRealTimers())

function clock(iso: string) {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(at(iso))
}

const V1 = at('2026-11-20T10:00:00Z')
const V2 = at('2026-11-21T10:00:00Z')
const V3 = at('2026-11-22T10:00:00Z')
const LIST = '/subprocessors.json?region=eu&lang=en'

describe('a history of three versions', () => {
  const seen: { etag: string; body: string }[] = []

  beforeAll(async () => {
    await publish(fixtureData(), V1)
    seen.push(await current())
    const renamed = fixtureData()
    renamed.subprocessors.subprocessors.find((entry) => entry.id === 'twilio')!.name = 'Twilio Inc.'
    await publish(renamed, V2)
    seen.push(await current())
    await publish(announcing(renamed, { add: ACME, effective: '2027-01-15' }), V3)
  })

  async function current() {
    const res = await fetchWorker(LIST)
    return { etag: res.headers.get('ETag')!, body: await res.text() }
  }

  it('lists every version with its parent, publish time, counts and links', async () => {
    const res = await fetchWorker('/versions.json?lang=en')
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Location')).toBe('/versions.json?lang=en')
    expect(await res.json()).toEqual({
      $schema: '/schema.json#/$defs/Versions',
      format: 'subprocessor-registry/1.0',
      language: 'en',
      versions: [
        {
          version: 3,
          publishedAt: '2026-11-22T10:00:00.000Z',
          languages: ['lv', 'en', 'de'],
          parent: 2,
          changes: { added: 1, removed: 0, modified: 0, corrected: 0, amended: 0, withdrawn: 0 },
          links: {
            list: '/subprocessors.json?region=all&lang=en&version=3',
            changes: '/changes.json?region=all&lang=en&since=2',
            manifest: '/versions/3/manifest',
            evidence: '/versions/3/evidence',
          },
        },
        {
          version: 2,
          publishedAt: '2026-11-21T10:00:00.000Z',
          languages: ['lv', 'en', 'de'],
          parent: 1,
          changes: { added: 0, removed: 0, modified: 1, corrected: 0, amended: 0, withdrawn: 0 },
          links: {
            list: '/subprocessors.json?region=all&lang=en&version=2',
            changes: '/changes.json?region=all&lang=en&since=1',
            manifest: '/versions/2/manifest',
            evidence: '/versions/2/evidence',
          },
        },
        {
          version: 1,
          publishedAt: '2026-11-20T10:00:00.000Z',
          languages: ['lv', 'en', 'de'],
          parent: null,
          changes: { added: 0, removed: 0, modified: 0, corrected: 0, amended: 0, withdrawn: 0 },
          links: {
            list: '/subprocessors.json?region=all&lang=en&version=1',
            changes: '/changes.json?region=all&lang=en&since=0',
            manifest: '/versions/1/manifest',
            evidence: '/versions/1/evidence',
          },
        },
      ],
    })
    const page = await fetchWorker('/versions', { headers: { Accept: 'text/html', 'Accept-Language': 'lv' } })
    expect(page.headers.get('Content-Type')).toBe('text/html; charset=utf-8')
    expect(await page.text()).toContain('<a href="/subprocessors.html?region=all&#38;lang=lv&#38;version=1">1</a>')
  })

  it('serves ?version=N as exactly the bytes and ETag it had when current, cached for good', async () => {
    for (const [i, { etag, body }] of seen.entries()) {
      const res = await fetchWorker(`${LIST}&version=${i + 1}`)
      expect(res.status).toBe(200)
      expect(res.headers.get('ETag')).toBe(etag)
      expect(res.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable')
      expect(res.headers.get('Content-Location')).toBe(`${LIST}&version=${i + 1}`)
      expect(await res.text()).toBe(body)
      const revalidated = await fetchWorker(`${LIST}&version=${i + 1}`, { headers: { 'If-None-Match': etag } })
      expect(revalidated.status).toBe(304)
    }
    const entry = await fetchWorker('/subprocessors/twilio.json?version=1').then((res) =>
      res.json<{ name: string; version: number }>(),
    )
    expect(entry).toMatchObject({ name: 'Twilio, Inc.', version: 1 })
    expect((await fetchWorker('/subprocessors/acme-analytics.json?version=3')).status).toBe(404)
  })

  it('answers an unknown version with 404 naming the range, and a malformed one with 400', async () => {
    const unknown = await fetchWorker(`${LIST}&version=4`)
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toEqual({
      error: {
        status: 404,
        code: 'unknown_version',
        message: 'No version 4 has been published; versions 1 to 3 exist.',
        parameter: 'version',
        allowed: ['1-3'],
      },
    })
    // Version 0 is outside 1 to the latest, as docs/errors.md says: 404, not a malformed number.
    const zero = await fetchWorker(`${LIST}&version=0`)
    expect(zero.status).toBe(404)
    expect(await zero.json()).toEqual({
      error: {
        status: 404,
        code: 'unknown_version',
        message: 'No version 0 has been published; versions 1 to 3 exist.',
        parameter: 'version',
        allowed: ['1-3'],
      },
    })
    for (const value of ['abc', '1.5', '-1', '01']) {
      const res = await fetchWorker(`${LIST}&version=${value}`)
      expect([value, res.status]).toEqual([value, 400])
      expect((await res.json<{ error: { code: string } }>()).error.code).toBe('invalid_version')
    }
  })

  it('serves ?at= in the past as the state then, for good', async () => {
    clock('2026-12-01T00:00:00Z')
    const res = await fetchWorker(`${LIST}&at=2026-11-20T12:00:00Z`)
    expect(res.headers.get('ETag')).toBe(seen[0]!.etag)
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable')
    expect(res.headers.get('Content-Location')).toBe(`${LIST}&at=2026-11-20T10:00:00.000Z`)
    expect((await fetchWorker(`${LIST}&at=2026-11-21`)).headers.get('ETag')).toBe(seen[0]!.etag)
    expect((await fetchWorker(`${LIST}&at=2026-11-21T11:00:00%2B01:00`)).headers.get('ETag')).toBe(seen[1]!.etag)
    // An unencoded "+" (a space, once the query is decoded) reads as the "+" it was.
    expect((await fetchWorker(`${LIST}&at=2026-11-21T11:00:00+01:00`)).headers.get('ETag')).toBe(seen[1]!.etag)
    const before = await fetchWorker(`${LIST}&at=2026-01-01`)
    expect(before.status).toBe(404)
    expect(await before.json()).toEqual({
      error: {
        status: 404,
        code: 'unknown_version',
        message:
          'No version had been published at 2026-01-01T00:00:00.000Z; the first was published at 2026-11-20T10:00:00.000Z.',
        parameter: 'at',
      },
    })
  })

  it('serves ?at= in the future as the state announced now, marked scheduled and never cached for good', async () => {
    clock('2026-12-01T00:00:00Z')
    const res = await fetchWorker(`${LIST}&at=2027-02-01`)
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=300, stale-while-revalidate=60')
    expect(res.headers.get('Content-Location')).toBe(`${LIST}&at=2027-02-01T00:00:00.000Z`)
    const doc = await res.json<SubprocessorListDocument>()
    expect(doc).toMatchObject({
      version: 3,
      state: 'scheduled',
      inForce: { from: '2027-01-15T00:00:00.000Z', until: null },
    })
    expect(doc.subprocessors.map((entry) => entry.id)).toContain('acme-analytics')
    const page = await fetchWorker('/subprocessors.html?region=eu&lang=en&at=2027-02-01').then((r) => r.text())
    expect(page).toContain(
      '<p class="upcoming"><strong>Scheduled: the list as announced to be in force from <time datetime="2027-01-15">January 15, 2027</time>. A later version may still change it.</strong></p>',
    )
    // Before the announced date, the future is today's list, still marked as a forecast.
    const soon = await fetchWorker(`${LIST}&at=2026-12-24`).then((r) => r.json<SubprocessorListDocument>())
    expect(soon).toMatchObject({
      state: 'scheduled',
      inForce: { from: '2026-11-22T10:00:00.000Z', until: '2027-01-15T00:00:00.000Z' },
    })
  })

  it('answers a malformed ?at= with 400 naming the accepted forms', async () => {
    for (const value of ['yesterday', '2027-02-30', '2027-01-15T10:00:00', '2027-01-15 10:00Z', '1700000000']) {
      const res = await fetchWorker(`${LIST}&at=${encodeURIComponent(value)}`)
      expect([value, res.status]).toEqual([value, 400])
      expect(await res.json()).toEqual({
        error: {
          status: 400,
          code: 'invalid_instant',
          message: `"at" must be a date or an RFC 3339 instant with its offset, not "${value}".`,
          parameter: 'at',
          allowed: ['YYYY-MM-DD', 'YYYY-MM-DDTHH:MM:SSZ', 'YYYY-MM-DDTHH:MM:SS±HH:MM'],
        },
      })
    }
    const both = await fetchWorker(`${LIST}&at=2026-11-21&version=1`)
    expect((await both.json<{ error: { code: string } }>()).error.code).toBe('conflicting_parameters')
    const entry = await fetchWorker('/subprocessors/twilio.json?at=2026-11-21')
    expect((await entry.json<{ error: { code: string } }>()).error.code).toBe('unsupported_parameter')
  })

  it('answers ?since=N with only what came after version N, with its own ETag and 304', async () => {
    const since1 = await fetchWorker('/changes.json?lang=en&since=1')
    expect(since1.status).toBe(200)
    expect(since1.headers.get('Content-Location')).toBe('/changes.json?region=all&lang=en&since=1')
    const doc = await since1.json<{ version: number; changes: ChangeDocument[] }>()
    expect(doc.version).toBe(3)
    expect(doc.changes.map((change) => [change.version, change.type, change.entry.id])).toEqual([
      [3, 'added', 'acme-analytics'],
      [2, 'modified', 'twilio'],
    ])
    const since2 = await fetchWorker('/changes.json?lang=en&since=2').then((res) =>
      res.json<{ changes: ChangeDocument[] }>(),
    )
    expect(since2.changes.map((change) => change.version)).toEqual([3])
    const since3 = await fetchWorker('/changes.json?lang=en&since=3')
    expect((await since3.json<{ changes: ChangeDocument[] }>()).changes).toEqual([])
    const etag = since1.headers.get('ETag')!
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}\.1"$/)
    expect((await fetchWorker('/changes.json?lang=en&since=1', { headers: { 'If-None-Match': etag } })).status).toBe(
      304,
    )
    const all = await fetchWorker('/changes.json?lang=en&since=0').then((res) =>
      res.json<{ changes: ChangeDocument[] }>(),
    )
    expect(all.changes).toHaveLength(2)
    const beyond = await fetchWorker('/changes.json?since=4')
    expect(beyond.status).toBe(400)
    expect(await beyond.json()).toEqual({
      error: {
        status: 400,
        code: 'invalid_since',
        message: 'Version 4 is beyond the latest, 3.',
        parameter: 'since',
        allowed: ['0-3'],
      },
    })
  })

  it('slices the JSON log only: the feeds, the page and the CSV show the latest changes, and say so', async () => {
    for (const format of ['csv', 'atom', 'jsonfeed', 'html']) {
      const res = await fetchWorker(`/changes.${format}?lang=en&since=2`)
      expect([format, res.status]).toEqual([format, 400])
      expect(await res.json()).toEqual({
        error: {
          status: 400,
          code: 'unsupported_parameter',
          message:
            '"since" applies to the JSON change log (/changes.json?since=N); the feeds, the page and the CSV show the latest changes.',
          parameter: 'since',
          allowed: ['json'],
        },
      })
    }
    const page = await fetchWorker('/changes.html?lang=en').then((res) => res.text())
    expect(page.match(/<tr id="change-/g)).toHaveLength(2)
    expect(page).toContain(
      '<a href="/changes.json?region=all&#38;lang=en&#38;since=0" type="application/json">Every change (JSON)</a>',
    )
  })
})
