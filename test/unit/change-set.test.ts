/**
 * The change set, table by table: what a new version records against the one before it, which
 * changes need the notice period, what publishing refuses, and what a later version withdraws.
 * computeChanges is the legal core of the registry; these run it directly, with no storage.
 */
import { describe, expect, it } from 'vitest'
import { loadData } from '../../src/cli/load-data'
import { FIXTURE_DATA } from '../support/harness'
import {
  boundariesAfter,
  changeCountsByVersion,
  computeChanges,
  entriesAt,
  NoticeViolations,
  type Previous,
} from '../../src/publish/input/changes'
import { type ChangeRecord, withRecordDefaults } from '../../src/domain/change'
import type { Announcement, RegistryData, SubprocessorEntry } from '../../src/publish/input/schema'
import { withLanguage } from '../support/history'

const loaded = await loadData(FIXTURE_DATA)
if (!loaded.ok) throw new Error('test/fixtures/data does not validate')
const data: RegistryData = loaded.data

const DAY = 24 * 60 * 60 * 1000
const V1 = '2026-01-01T10:00:00.000Z'
const V2 = '2026-02-01T10:00:00.000Z'
const daysAfterV2 = (days: number) => new Date(Date.parse(V2) + days * DAY).toISOString().slice(0, 10)
const summarize = () => ({ en: 'summary' })

const entry = (id: string) => data.subprocessors.subprocessors.find((e) => e.id === id)!
const withEntries = (entries: SubprocessorEntry[], announcements: Announcement[] = []): RegistryData => ({
  ...data,
  subprocessors: { ...data.subprocessors, subprocessors: entries },
  announcements,
})
const newcomer = (): SubprocessorEntry => ({ ...entry('twilio'), id: 'acme-mail', name: 'Acme Mail Ltd' })
const URGENT = { kind: 'urgent', reason: { lv: 'Steidzami', en: 'Urgent', de: 'Dringend' } } as const

/** Version 1 of `before`, then version 2 of `after`: the change records of version 2, or the refusal. */
function secondVersion(before: RegistryData, after: RegistryData) {
  const first = computeChanges(null, before, { version: 1, publishedAt: V1 }, summarize)
  const previous: Previous = { stamp: { version: 1, publishedAt: V1 }, data: before, changes: first }
  try {
    return computeChanges(previous, after, { version: 2, publishedAt: V2 }, summarize)
  } catch (error) {
    if (error instanceof NoticeViolations) return error
    throw error
  }
}

const shape = (result: ReturnType<typeof secondVersion>) =>
  result instanceof NoticeViolations
    ? { refused: result.violations.map(({ entry, type }) => `${entry} ${type}`) }
    : {
        recorded: result.map(
          (c) =>
            `v${c.announcedIn} ${c.entry} ${c.type} ${c.effectiveAt.slice(0, 10)}${c.requiresNotice ? ' notice' : ''}${c.shortNotice ? ' short' : ''}${c.withdrawnIn ? ` withdrawn-in-v${c.withdrawnIn}` : ''}${c.amendments.map((a) => ` amended-in-v${a.version}:${a.changed.join('+')}${a.material ? '!' : ''}`).join('')}${c.fields.length ? ` [${c.fields.map((f) => f.field).join(',')}]` : ''}`,
        ),
      }

describe('the change set of a new version', () => {
  const base = () => data.subprocessors.subprocessors

  it('records nothing for the first version', () => {
    expect(computeChanges(null, data, { version: 1, publishedAt: V1 }, summarize)).toEqual([])
  })

  it('takes an announcement dated before the first version as in force, refusing nothing', () => {
    const stale = withEntries(data.subprocessors.subprocessors, [{ remove: 'twilio', effective: '2025-06-01' }])
    expect(computeChanges(null, stale, { version: 1, publishedAt: V1 }, summarize)).toEqual([])
    expect(entriesAt(stale, Date.parse(V1), Date.parse(V1)).map((e) => e.id)).not.toContain('twilio')
  })

  it.each<[string, () => RegistryData, object]>([
    ['unchanged data records nothing', () => withEntries(base()), { recorded: [] }],
    [
      'an entry removed now needs no notice',
      () => withEntries(base().filter((e) => e.id !== 'twilio')),
      { recorded: ['v2 twilio removed 2026-02-01'] },
    ],
    [
      'a purpose reworded in the source language now is a material change, in force when published',
      () =>
        withEntries(base().map((e) => (e.id === 'twilio' ? { ...e, purpose: { ...e.purpose, lv: 'Īsziņas' } } : e))),
      { recorded: ['v2 twilio modified 2026-02-01 [purpose]'] },
    ],
    [
      'a purpose reworded in a translation only is a correction',
      () =>
        withEntries(
          base().map((e) => (e.id === 'twilio' ? { ...e, purpose: { ...e.purpose, en: 'Text messages' } } : e)),
        ),
      { recorded: ['v2 twilio corrected 2026-02-01 [purpose]'] },
    ],
    [
      'a source rewording and a translation fix of another field: one change and one correction',
      () =>
        withEntries(
          base().map((e) =>
            e.id === 'linode-us' && e.location
              ? {
                  ...e,
                  purpose: { ...e.purpose, lv: 'Mitināšana' },
                  location: { ...e.location, text: { ...e.location.text, de: 'in den USA' } },
                }
              : e,
          ),
        ),
      { recorded: ['v2 linode-us modified 2026-02-01 [purpose]', 'v2 linode-us corrected 2026-02-01 [location]'] },
    ],
    [
      'a location reworded in a translation, the same place, is a correction',
      () =>
        withEntries(
          base().map((e) =>
            e.id === 'linode-us' && e.location
              ? { ...e, location: { ...e.location, text: { ...e.location.text, en: 'in the USA' } } }
              : e,
          ),
        ),
      { recorded: ['v2 linode-us corrected 2026-02-01 [location]'] },
    ],
    [
      'a location moved to another country is refused: it needs notice',
      () =>
        withEntries(
          base().map((e) =>
            e.id === 'linode-us' && e.location ? { ...e, location: { ...e.location, countries: ['CA'] } } : e,
          ),
        ),
      { refused: ['linode-us modified'] },
    ],
    [
      'an entry added now is refused without short notice',
      () => withEntries([...base(), newcomer()]),
      { refused: ['acme-mail added'] },
    ],
    [
      'an entry added now with short notice is recorded as such',
      () => withEntries(base(), [{ add: newcomer(), shortNotice: URGENT }]),
      { recorded: ['v2 acme-mail added 2026-02-01 notice short'] },
    ],
    [
      'a region added now is refused: it needs notice',
      () => withEntries(base().map((e) => (e.id === 'linode-us' ? { ...e, regions: ['us', 'apac'] } : e))),
      { refused: ['linode-us modified'] },
    ],
    // Published at 10:00, a date takes effect at midnight: the first date with 30 full days' notice is the 31st.
    [
      'an addition announced with the full notice is recorded for its date',
      () => withEntries(base(), [{ add: newcomer(), effective: daysAfterV2(31) }]),
      { recorded: [`v2 acme-mail added ${daysAfterV2(31)} notice`] },
    ],
    [
      'an addition announced for the 30th day, hours short, is refused',
      () => withEntries(base(), [{ add: newcomer(), effective: daysAfterV2(30) }]),
      { refused: ['acme-mail added'] },
    ],
    [
      'a removal announced for tomorrow needs no notice',
      () => withEntries(base(), [{ remove: 'twilio', effective: daysAfterV2(1) }]),
      { recorded: [`v2 twilio removed ${daysAfterV2(1)}`] },
    ],
    [
      'an announcement dated in the past is refused: it cannot be retroactive',
      () => withEntries(base(), [{ remove: 'twilio', effective: '2026-01-15' }]),
      { refused: ['twilio removed'] },
    ],
  ])('%s', (_, after, expected) => {
    expect(shape(secondVersion(withEntries(base()), after()))).toEqual(expected)
  })

  it('names every entry that lacks notice at once, with the earliest date allowed', () => {
    const refused = secondVersion(
      withEntries(base()),
      withEntries([...base(), newcomer(), { ...newcomer(), id: 'acme-chat' }]),
    )
    expect(refused).toBeInstanceOf(NoticeViolations)
    expect(
      (refused as NoticeViolations).violations.map(({ entry, earliestAllowed }) => [entry, earliestAllowed]),
    ).toEqual([
      ['acme-mail', daysAfterV2(30)],
      ['acme-chat', daysAfterV2(30)],
    ])
  })
})

describe('withdrawal', () => {
  const announced = (announcements: Announcement[]) => withEntries(data.subprocessors.subprocessors, announcements)
  const later = (days: number) => new Date(Date.parse(V1) + days * DAY).toISOString().slice(0, 10)

  it.each<[string, Announcement[], Announcement[], string[]]>([
    [
      'an announcement dropped before its date is withdrawn',
      [{ add: newcomer(), effective: later(60) }],
      [],
      [`v1 acme-mail added ${later(60)} notice withdrawn-in-v2`],
    ],
    [
      'an announcement kept is not recorded again',
      [{ add: newcomer(), effective: later(60) }],
      [{ add: newcomer(), effective: later(60) }],
      [`v1 acme-mail added ${later(60)} notice`],
    ],
    [
      'an announcement moved to a later date is amended, keeping its identity',
      [{ remove: 'twilio', effective: later(45) }],
      [{ remove: 'twilio', effective: later(50) }],
      [`v1 twilio removed ${later(50)} amended-in-v2:effectiveAt`],
    ],
  ])('%s', (_, first, second, expected) => {
    expect(shape(secondVersion(announced(first), announced(second)))).toEqual({ recorded: expected })
  })

  it('keeps an announcement that took effect, once the data has it in force, and withdraws nothing', () => {
    const removed = withEntries(data.subprocessors.subprocessors.filter((e) => e.id !== 'twilio'))
    expect(shape(secondVersion(announced([{ remove: 'twilio', effective: later(10) }]), removed))).toEqual({
      recorded: [`v1 twilio removed ${later(10)}`],
    })
  })
})

describe('amending an announcement not yet in force', () => {
  const announced = (announcements: Announcement[]) => withEntries(data.subprocessors.subprocessors, announcements)
  // Version 1 on 1 January announces for day 60; version 2, on 1 February, has 29 of them left.
  const later = (days: number) => new Date(Date.parse(V1) + days * DAY).toISOString().slice(0, 10)
  const added = (over: Partial<SubprocessorEntry> = {}): Announcement => ({
    add: { ...newcomer(), ...over },
    effective: later(60),
  })

  it.each<[string, Announcement[], Announcement[], object]>([
    [
      'unchanged: recorded once, not again',
      [added()],
      [added()],
      { recorded: [`v1 acme-mail added ${later(60)} notice`] },
    ],
    [
      'a later date: amended under its own id, with no notice needed',
      [added()],
      [{ ...added(), effective: later(90) }],
      { recorded: [`v1 acme-mail added ${later(90)} notice amended-in-v2:effectiveAt`] },
    ],
    [
      'an earlier date, with the full notice from this publish: amended, as a material amendment',
      [{ ...added(), effective: later(90) }],
      [{ ...added(), effective: later(70) }],
      { recorded: [`v1 acme-mail added ${later(70)} notice amended-in-v2:effectiveAt!`] },
    ],
    [
      'an earlier date, without the full notice from this publish: refused',
      [{ ...added(), effective: later(90) }],
      [{ ...added(), effective: later(50) }],
      { refused: ['acme-mail added'] },
    ],
    [
      'wider regions, with less than the full notice left: refused',
      [added({ regions: ['eu'] })],
      [added({ regions: ['eu', 'us'] })],
      { refused: ['acme-mail added'] },
    ],
    [
      'narrower regions: amended, with no notice needed',
      [added({ regions: ['eu', 'us'] })],
      [added({ regions: ['eu'] })],
      { recorded: [`v1 acme-mail added ${later(60)} notice amended-in-v2:regions`] },
    ],
    [
      'a translation fixed: amended, with no notice needed',
      [added()],
      [added({ purpose: { ...newcomer().purpose, de: 'Nachrichten' } })],
      { recorded: [`v1 acme-mail added ${later(60)} notice amended-in-v2:purpose`] },
    ],
    [
      'a fact changed in the source language, with less than the full notice left: refused',
      [added()],
      [added({ purpose: { ...newcomer().purpose, lv: 'Ziņojumi' } })],
      { refused: ['acme-mail added'] },
    ],
    [
      'another kind of change for the entry: the first withdrawn, the second announced',
      [{ remove: 'twilio', effective: later(45) }],
      [{ change: 'twilio', set: { regions: ['us'] }, effective: later(75) }],
      {
        recorded: [
          `v1 twilio removed ${later(45)} withdrawn-in-v2`,
          `v2 twilio modified ${later(75)} notice [regions]`,
        ],
      },
    ],
  ])('%s', (_, first, second, expected) => {
    expect(shape(secondVersion(announced(first), announced(second)))).toEqual(expected)
  })

  it('keeps one live announcement per entry however often it is amended', () => {
    const v1 = computeChanges(null, announced([added()]), { version: 1, publishedAt: V1 }, summarize)
    const v2 = computeChanges(
      { stamp: { version: 1, publishedAt: V1 }, data: announced([added()]), changes: v1 },
      announced([{ ...added(), effective: later(80) }]),
      { version: 2, publishedAt: V2 },
      summarize,
    )
    const v3Data = announced([{ ...added(), effective: later(100) }])
    const v3 = computeChanges(
      { stamp: { version: 2, publishedAt: V2 }, data: announced([{ ...added(), effective: later(80) }]), changes: v2 },
      v3Data,
      { version: 3, publishedAt: '2026-02-10T10:00:00.000Z' },
      summarize,
    )
    expect(v3.map((c) => [c.id, c.effectiveAt.slice(0, 10), c.amendments.map((a) => a.version)])).toEqual([
      [v1[0]!.id, later(100), [2, 3]],
    ])
  })
})

describe('records stored before amendments were kept', () => {
  it('are read with none, and amended as any other', () => {
    const later = (days: number) => new Date(Date.parse(V1) + days * DAY).toISOString().slice(0, 10)
    const announced = withEntries(data.subprocessors.subprocessors, [{ remove: 'twilio', effective: later(45) }])
    const stored = computeChanges(null, announced, { version: 1, publishedAt: V1 }, summarize).map(
      ({ amendments: _, ...record }) => record as ChangeRecord,
    )
    const moved = withEntries(data.subprocessors.subprocessors, [{ remove: 'twilio', effective: later(50) }])
    const previous = {
      stamp: { version: 1, publishedAt: V1 },
      data: announced,
      changes: stored.map(withRecordDefaults),
    }
    const records = computeChanges(previous, moved, { version: 2, publishedAt: V2 }, summarize)
    expect(shape(records)).toEqual({ recorded: [`v1 twilio removed ${later(50)} amended-in-v2:effectiveAt`] })
    expect(withRecordDefaults(stored[0]!).amendments).toEqual([])
  })
})

describe('a new language', () => {
  it('records no change to any entry', () => {
    expect(shape(secondVersion(data, withLanguage(data, 'fr', 'en', 'Français')))).toEqual({ recorded: [] })
  })

  // Found by the property suite (test/unit/change-model.test.ts, seed 1987661153): an announcement made,
  // then a language added, left the record without the new language's texts.
  it('reaches an announcement not yet in force, without amending it', () => {
    const added: Announcement = { add: newcomer(), effective: '2026-03-15' }
    const french = withLanguage(withEntries(data.subprocessors.subprocessors, [added]), 'fr', 'en', 'Français')
    const records = secondVersion(withEntries(data.subprocessors.subprocessors, [added]), french)
    expect(shape(records)).toEqual({ recorded: ['v1 acme-mail added 2026-03-15 notice'] })
    const [record] = records as ChangeRecord[]
    expect((record!.snapshot as SubprocessorEntry).purpose.fr).toBe(newcomer().purpose.en)
  })

  it("and a later fix of that language's text is a correction", () => {
    const french = withLanguage(data, 'fr', 'en', 'Français')
    const fixed = {
      ...french,
      subprocessors: {
        ...french.subprocessors,
        subprocessors: french.subprocessors.subprocessors.map((e) =>
          e.id === 'twilio' ? { ...e, purpose: { ...e.purpose, fr: 'Appels vocaux' } } : e,
        ),
      },
    }
    expect(shape(secondVersion(french, fixed))).toEqual({ recorded: ['v2 twilio corrected 2026-02-01 [purpose]'] })
  })
})

describe('states: the entries in force at each instant', () => {
  it('applies each announcement from its instant, and begins a state there', () => {
    const published = Date.parse(V2)
    const later = withEntries(data.subprocessors.subprocessors, [
      { remove: 'twilio', effective: daysAfterV2(10) },
      { add: newcomer(), effective: daysAfterV2(40) },
    ])
    const ids = (at: number) => entriesAt(later, at, published).map((e) => e.id)
    expect(boundariesAfter(later, published)).toEqual([
      Date.parse(`${daysAfterV2(10)}T00:00:00Z`),
      Date.parse(`${daysAfterV2(40)}T00:00:00Z`),
    ])
    expect(ids(published)).toContain('twilio')
    expect(ids(Date.parse(`${daysAfterV2(10)}T00:00:00Z`))).not.toContain('twilio')
    expect(ids(Date.parse(`${daysAfterV2(40)}T00:00:00Z`) - 1)).not.toContain('acme-mail')
    expect(ids(Date.parse(`${daysAfterV2(40)}T00:00:00Z`))).toContain('acme-mail')
  })
})

describe("each version's change counts, as the version index gives them", () => {
  const record = (over: Partial<ChangeRecord>): ChangeRecord =>
    withRecordDefaults({
      id: `r${Math.random()}`,
      type: 'added',
      entry: 'e',
      name: null,
      summary: {},
      snapshot: null,
      fields: [],
      regions: ['eu'],
      announcedIn: 1,
      announcedAt: V1,
      effectiveAt: V1,
      objectionDeadline: null,
      requiresNotice: false,
      shortNotice: null,
      withdrawnIn: null,
      withdrawnAt: null,
      amendments: [],
      ...over,
    })
  const amended = (version: number) => ({ version, at: V2, changed: ['effectiveAt'], material: false })
  const counts = changeCountsByVersion([
    record({ type: 'added', announcedIn: 1 }),
    record({ type: 'removed', announcedIn: 1 }),
    record({ type: 'modified', announcedIn: 2, withdrawnIn: 4, withdrawnAt: V2 }),
    // Amended twice in version 3: one amended change there.
    record({ type: 'added', announcedIn: 2, amendments: [amended(3), amended(3), amended(4)] }),
    record({ type: 'corrected', announcedIn: 3 }),
  ])
  const none = { added: 0, removed: 0, modified: 0, corrected: 0, withdrawn: 0, amended: 0 }
  it.each([
    [1, { ...none, added: 1, removed: 1 }],
    [2, { ...none, added: 1, modified: 1 }],
    [3, { ...none, corrected: 1, amended: 1 }],
    [4, { ...none, withdrawn: 1, amended: 1 }],
    [5, none],
  ])('version %i', (version, expected) => {
    expect(counts(version)).toEqual(expected)
  })

  it('gives each caller counts of its own', () => {
    counts(1).added = 99
    expect(counts(1).added).toBe(1)
  })
})
