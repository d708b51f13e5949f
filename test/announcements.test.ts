// Announced changes: notice, effective dates crossed by a controllable clock, and what every list
// shows apart from the entries in force.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { NoticeViolations } from '../src/publish/input/changes'
import type { ChangeDocument, SubprocessorListDocument } from '../src/publish/contract/schema'
import { ACME, announcing, at } from './support/history'
import { fetchWorker, publish, fixtureData, TARGET, useFreshStorage } from './helpers'

useFreshStorage()
afterEach(() => vi.useRealTimers())

const V1 = at('2026-11-20T10:00:00Z')
const V2 = at('2026-11-21T10:00:00Z')

function clock(iso: string) {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(at(iso))
}

const list = (path: string) =>
  fetchWorker(path).then(async (res) => ({ res, doc: await res.json<SubprocessorListDocument>() }))
const ids = (doc: SubprocessorListDocument) => doc.subprocessors.map((entry) => entry.id)

describe('an addition announced ahead of its effective date', () => {
  beforeEach(async () => {
    await publish(fixtureData(), V1)
    await publish(announcing(fixtureData(), { add: ACME, effective: '2027-01-15' }), V2)
  })

  it('lists the entries in force and, apart from them, the upcoming change with its dates', async () => {
    clock('2026-11-22T00:00:00Z')
    const { res, doc } = await list('/subprocessors.json?region=eu&lang=en')
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=300, stale-while-revalidate=60')
    expect(ids(doc)).not.toContain('acme-analytics')
    expect(doc).toMatchObject({
      version: 2,
      state: 'in-force',
      inForce: { from: '2026-11-21T10:00:00.000Z', until: '2027-01-15T00:00:00.000Z' },
    })
    expect(doc.upcoming).toHaveLength(1)
    const change = doc.upcoming[0]!
    expect(change).toMatchObject({
      id: 'v2/acme-analytics/added/2027-01-15T00:00:00.000Z',
      tag: 'tag:liveagent.com,2023-10-02:subprocessors/change/v2/acme-analytics/added/2027-01-15T00:00:00.000Z',
      type: 'added',
      status: 'upcoming',
      entry: { id: 'acme-analytics', name: 'Acme Analytics, Inc.', href: '/subprocessors/acme-analytics.json?lang=en' },
      summary: 'Added: Acme Analytics, Inc., from January 15, 2027',
      fields: [],
      regions: ['eu', 'uk'],
      version: 2,
      announcedAt: '2026-11-21T10:00:00.000Z',
      effectiveAt: '2027-01-15T00:00:00.000Z',
      objectionDeadline: '2027-01-15T00:00:00.000Z',
      requiresNotice: true,
      shortNotice: null,
      withdrawn: null,
    })
    expect(change.entry.document).toMatchObject({
      id: 'acme-analytics',
      purpose: 'A synthetic sub-processor for tests.',
      location: { countries: ['DE'], text: 'Germany' },
    })
    // Only the lists the change touches show it.
    expect((await list('/subprocessors.json?region=us&lang=en')).doc.upcoming).toEqual([])
  })

  it('keeps the CSV the list in force', async () => {
    clock('2026-11-22T00:00:00Z')
    const csv = await fetchWorker('/subprocessors.csv?region=eu&lang=en').then((res) => res.text())
    expect(csv).not.toContain('acme-analytics')
  })

  it('takes effect on its date with no publish: new state, new ETag, and no cache kept past the boundary', async () => {
    clock('2027-01-14T23:58:00Z')
    const before = await list('/subprocessors.json?region=eu&lang=en')
    expect(before.res.headers.get('Cache-Control')).toBe('public, max-age=120')
    expect(ids(before.doc)).not.toContain('acme-analytics')
    const entryBefore = await fetchWorker('/subprocessors/acme-analytics.json?lang=en')
    expect(entryBefore.status).toBe(404)

    clock('2027-01-14T23:59:59.999Z')
    const lastMoment = await list('/subprocessors.json?region=eu&lang=en')
    expect(lastMoment.res.headers.get('ETag')).toBe(before.res.headers.get('ETag'))
    expect(lastMoment.res.headers.get('Cache-Control')).toBe('public, max-age=0')

    clock('2027-01-15T00:00:00Z')
    const after = await list('/subprocessors.json?region=eu&lang=en')
    expect(after.res.status).toBe(200)
    expect(after.res.headers.get('ETag')).not.toBe(before.res.headers.get('ETag'))
    expect(after.res.headers.get('Last-Modified')).toBe('Fri, 15 Jan 2027 00:00:00 GMT')
    expect(after.res.headers.get('Cache-Control')).toBe('public, max-age=300, stale-while-revalidate=60')
    expect(after.doc).toMatchObject({
      version: 2,
      state: 'in-force',
      inForce: { from: '2027-01-15T00:00:00.000Z', until: null },
      lastChanged: '2027-01-15',
      upcoming: [],
    })
    expect(ids(after.doc)).toContain('acme-analytics')
    expect((await fetchWorker('/subprocessors/acme-analytics.json?lang=en')).status).toBe(200)

    // A client holding the old ETag is told it changed.
    const revalidated = await fetchWorker('/subprocessors.json?region=eu&lang=en', {
      headers: { 'If-None-Match': before.res.headers.get('ETag')! },
    })
    expect(revalidated.status).toBe(200)
    const changes = await fetchWorker('/changes.json?region=eu&lang=en').then((res) =>
      res.json<{ changes: ChangeDocument[] }>(),
    )
    expect(changes.changes[0]).toMatchObject({ type: 'added', status: 'effective' })
  })

  it('shortens caching for a URL the isolate has answered before, as the boundary comes within max-age', async () => {
    // Two seconds apart, within one check of the release pointer: the same release, answered from memory.
    const path = '/subprocessors.json?region=eu&lang=en'
    clock('2027-01-14T23:54:59Z')
    const first = await list(path)
    const repeat = await list(path)
    expect(repeat.res.headers.get('Cache-Control')).toBe('public, max-age=300, stale-while-revalidate=60')
    expect(repeat.res.headers.get('ETag')).toBe(first.res.headers.get('ETag'))

    clock('2027-01-14T23:55:01Z')
    const near = await list(path)
    expect(near.res.headers.get('Cache-Control')).toBe('public, max-age=299')
    expect(near.res.headers.get('ETag')).toBe(first.res.headers.get('ETag'))
    const negotiated = { headers: { Accept: 'application/json' } }
    expect((await fetchWorker('/subprocessors?region=eu&lang=en', negotiated)).headers.get('Cache-Control')).toBe(
      'public, max-age=299',
    )
  })

  it('shows the upcoming change on the page, with its effective date, objection deadline and how to object', async () => {
    clock('2026-11-22T00:00:00Z')
    const page = await fetchWorker('/subprocessors.html?region=uk&lang=en').then((res) => res.text())
    expect(page).toContain(
      [
        '<section class="upcoming" aria-labelledby="upcoming-changes">',
        '<h2 id="upcoming-changes">Upcoming changes</h2>',
        '<p>To object, write to <a href="mailto:andrej@liveagent.com">andrej@liveagent.com</a> before the objection deadline.</p>',
        '<ul>',
        '<li><strong>Added: <bdi>Acme Analytics, Inc.</bdi></strong> A synthetic sub-processor for tests.<small>Announced <time datetime="2026-11-21">November 21, 2026</time> · Effective <time datetime="2027-01-15">January 15, 2027</time> · <strong>Objections by <time datetime="2027-01-15">January 15, 2027</time></strong></small></li>',
        '</ul>',
        '</section>',
      ].join('\n'),
    )
    expect(page).toContain(
      '<p>In force from <time datetime="2026-11-21">November 21, 2026</time> until <time datetime="2027-01-15">January 15, 2027</time>, when an announced change takes effect.</p>',
    )
    expect(page).toContain(
      '<link rel="alternate" type="application/atom+xml" hreflang="en" href="/changes.atom?region=uk&#38;lang=en">',
    )
  })
})

describe('notice', () => {
  beforeEach(() => publish(fixtureData(), V1))

  async function refusal(data: Parameters<typeof publish>[0], when = V2) {
    const error = await publish(data, when).then(
      () => null,
      (thrown: unknown) => thrown,
    )
    expect(error).toBeInstanceOf(NoticeViolations)
    return (error as NoticeViolations).violations
  }

  it('refuses an addition announced with less than the notice period, naming the entry, its date and the earliest allowed', async () => {
    expect(await refusal(announcing(fixtureData(), { add: ACME, effective: '2026-12-01' }))).toEqual([
      {
        entry: 'acme-analytics',
        type: 'added',
        effectiveAt: '2026-12-01T00:00:00.000Z',
        earliestAllowed: '2026-12-21',
        message:
          'acme-analytics: an addition needs 30 days\' notice, but it would take effect on 2026-12-01; the earliest date allowed is 2026-12-21. Announce it in announcements.json with "effective" on or after that date, or give "shortNotice" with its reason.',
      },
    ])
    // Refused before anything is written: version 1 stays current, and the version table holds only it.
    expect((await TARGET.versions.latest())?.version).toBe(1)
    expect(
      (await fetchWorker('/subprocessors.json?region=eu&lang=en').then((res) => res.json<{ version: number }>()))
        .version,
    ).toBe(1)
  })

  it('counts an addition with no date at all as effective now', async () => {
    const data = fixtureData()
    data.subprocessors.subprocessors.push(ACME)
    const [violation] = await refusal(data)
    expect(violation!.message).toContain(
      "acme-analytics: an addition needs 30 days' notice, but it would take effect when published (2026-11-21)",
    )
  })

  it('refuses a change of location or regions without notice, and lets an editorial change take effect at once', async () => {
    const moved = fixtureData()
    moved.subprocessors.subprocessors.find((entry) => entry.id === 'twilio')!.regions = ['us']
    const [violation] = await refusal(moved)
    expect(violation).toMatchObject({ entry: 'twilio', type: 'modified', earliestAllowed: '2026-12-21' })
    expect(violation!.message).toContain("a change of regions needs 30 days' notice")

    const reworded = fixtureData()
    // Reworded in the source language: a change of fact, but not one that needs notice.
    reworded.subprocessors.subprocessors.find((entry) => entry.id === 'twilio')!.purpose.lv =
      'LiveAgent izmanto Twilio balss zvaniem.'
    const result = await publish(reworded, V2)
    expect(result.newChanges).toMatchObject([
      {
        type: 'modified',
        entry: 'twilio',
        effectiveAt: '2026-11-21T10:00:00.000Z',
        requiresNotice: false,
        objectionDeadline: null,
      },
    ])
  })

  it('refuses a retroactive announcement, even one that needs no notice', async () => {
    const [violation] = await refusal(announcing(fixtureData(), { remove: 'openai', effective: '2026-11-01' }))
    expect(violation).toMatchObject({ entry: 'openai', type: 'removed', effectiveAt: '2026-11-01T00:00:00.000Z' })
    expect(violation!.message).toContain('has already passed; an announcement cannot be retroactive')
  })

  it('accepts an urgent addition with its reason, and shows the reason in every format', async () => {
    const reason = {
      lv: 'Steidzama nomaiņa pēc iepriekšējā pakalpojumu sniedzēja darbības pārtraukšanas.',
      en: 'An urgent replacement after the previous provider stopped its service.',
    }
    await publish(announcing(fixtureData(), { add: ACME, shortNotice: { kind: 'urgent', reason } }), V2)
    clock('2026-11-22T00:00:00Z')
    const { doc } = await list('/subprocessors.json?region=eu&lang=en')
    expect(ids(doc)).toContain('acme-analytics')
    const changes = await fetchWorker('/changes.json?lang=en').then((res) => res.json<{ changes: ChangeDocument[] }>())
    expect(changes.changes[0]).toMatchObject({
      type: 'added',
      status: 'effective',
      requiresNotice: true,
      shortNotice: { kind: 'urgent', reason: reason.en },
    })
    for (const format of ['html', 'csv', 'atom', 'jsonfeed']) {
      const body = await fetchWorker(`/changes.${format}?lang=lv`).then((res) => res.text())
      expect([format, body.includes(reason.lv)]).toEqual([format, true])
    }
  })
})

describe('a removal announced 30 days ahead', () => {
  it('is upcoming until its date, needs no objection, and takes effect then', async () => {
    await publish(fixtureData(), V1)
    await publish(announcing(fixtureData(), { remove: 'openai', effective: '2026-12-21' }), V2)
    clock('2026-12-20T12:00:00Z')
    const before = await list('/subprocessors.json?region=us&lang=en')
    expect(ids(before.doc)).toContain('openai')
    expect(before.doc.upcoming).toMatchObject([
      {
        type: 'removed',
        entry: { id: 'openai', name: 'OpenAI' },
        effectiveAt: '2026-12-21T00:00:00.000Z',
        objectionDeadline: null,
        requiresNotice: false,
      },
    ])
    clock('2026-12-21T00:00:00Z')
    expect(ids((await list('/subprocessors.json?region=us&lang=en')).doc)).not.toContain('openai')
    expect((await fetchWorker('/subprocessors/openai.json')).status).toBe(404)
  })
})

describe('a move between regions', () => {
  it('touches the lists of both regions and names the field with its old and new value', async () => {
    await publish(fixtureData(), V1)
    await publish(
      announcing(fixtureData(), { change: 'websupport-eu', set: { regions: ['eu', 'uk'] }, effective: '2027-01-15' }),
      V2,
    )
    clock('2026-11-22T00:00:00Z')
    const uk = await list('/subprocessors.json?region=uk&lang=lv')
    expect(ids(uk.doc)).not.toContain('websupport-eu')
    expect(uk.doc.upcoming).toMatchObject([
      {
        type: 'modified',
        entry: { id: 'websupport-eu' },
        fields: [{ field: 'regions', before: ['eu'], after: ['eu', 'uk'] }],
        regions: ['eu', 'uk'],
      },
    ])
    expect((await list('/subprocessors.json?region=us&lang=lv')).doc.upcoming).toEqual([])
    clock('2027-01-15T00:00:00Z')
    expect(ids((await list('/subprocessors.json?region=uk&lang=lv')).doc)).toContain('websupport-eu')
  })
})

describe('a rename', () => {
  it('takes effect when published and is logged with the old and new name', async () => {
    await publish(fixtureData(), V1)
    const data = fixtureData()
    data.subprocessors.subprocessors.find((entry) => entry.id === 'twilio')!.name = 'Twilio Inc.'
    await publish(data, V2)
    const changes = await fetchWorker('/changes.json?since=1&lang=en').then((res) =>
      res.json<{ changes: ChangeDocument[] }>(),
    )
    expect(changes.changes).toMatchObject([
      {
        type: 'modified',
        status: 'effective',
        entry: { id: 'twilio', name: 'Twilio Inc.' },
        fields: [{ field: 'name', before: 'Twilio, Inc.', after: 'Twilio Inc.' }],
        effectiveAt: '2026-11-21T10:00:00.000Z',
      },
    ])
  })
})

describe('an announcement taken back before it takes effect', () => {
  it('is marked withdrawn in the log, disappears from the upcoming changes, and reaches a poller of the later version', async () => {
    await publish(fixtureData(), V1)
    await publish(announcing(fixtureData(), { add: ACME, effective: '2027-01-15' }), V2)
    await publish(fixtureData(), at('2026-11-25T10:00:00Z'))
    clock('2026-11-26T00:00:00Z')
    expect((await list('/subprocessors.json?region=eu&lang=en')).doc.upcoming).toEqual([])
    const since2 = await fetchWorker('/changes.json?since=2&lang=en').then((res) =>
      res.json<{ changes: ChangeDocument[] }>(),
    )
    expect(since2.changes).toMatchObject([
      { type: 'added', status: 'withdrawn', version: 2, withdrawn: { version: 3, at: '2026-11-25T10:00:00.000Z' } },
    ])
    const versions = await fetchWorker('/versions.json').then((res) =>
      res.json<{ versions: { version: number; changes: Record<string, number> }[] }>(),
    )
    expect(versions.versions.map(({ version, changes }) => [version, changes])).toEqual([
      [3, { added: 0, removed: 0, modified: 0, corrected: 0, amended: 0, withdrawn: 1 }],
      [2, { added: 1, removed: 0, modified: 0, corrected: 0, amended: 0, withdrawn: 0 }],
      [1, { added: 0, removed: 0, modified: 0, corrected: 0, amended: 0, withdrawn: 0 }],
    ])
  })
})
