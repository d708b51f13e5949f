/**
 * The change model as properties (fast-check): random sequences of what a privacy team does in
 * an ordinary week (entries added, removed and edited in any field and any language, languages
 * added, announcements made, amended, withdrawn, folded in once in force), each step published
 * as the next version when the publisher accepts it, and for every version:
 *
 * - replaying the change log from the baseline gives exactly the list in force, in every region
 *   and language, at every state start;
 * - no record exists without a difference, and no difference goes unrecorded;
 * - a translation-only edit records only corrections, and a new language records nothing;
 * - at most one live announcement per entry;
 * - every announcement and every material amendment meets the notice rule;
 * - every record says the same in every language: the same ids, kinds, dates and regions.
 *
 * `PROPERTY_RUNS` sets how many sequences (default 150); `npm run test:properties` runs 5,000.
 */
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { type ChangeRecord, CHANGED_FIELDS, changeStatus } from '../../src/domain/change'
import {
  canonical,
  computeChanges,
  correctedFields,
  entriesAt,
  boundariesAfter,
  inLanguage,
  materialFields,
  NoticeViolations,
  type Previous,
  wordingOf,
} from '../../src/publish/input/changes'
import type { Announcement, RegistryData, SubprocessorEntry } from '../../src/publish/input/schema'
import { changeDocument } from '../../src/publish/render/model'
import { summarize } from '../../src/publish/render/summary'
import { fixtureDataInNode } from '../support/fixture'
import { withLanguage } from '../support/history'

const RUNS = Number(process.env.PROPERTY_RUNS ?? 150)
const DAY = 24 * 60 * 60 * 1000
const START = Date.parse('2026-01-01T10:00:00.000Z')
/** Versions are published ten days apart: announcements made for the days between take effect on the way. */
const publishedAt = (step: number) => START + step * 10 * DAY
const dateIn = (from: number, days: number) => new Date(from + days * DAY).toISOString().slice(0, 10)
const REGIONS = ['eu', 'uk', 'us', 'apac'] as const

const base = await fixtureDataInNode()
const NOTICE = base.registry.notice.periodDays
// A registry of four of the fixture's entries: small enough to reach every case often.
const start: RegistryData = {
  ...base,
  subprocessors: { ...base.subprocessors, subprocessors: base.subprocessors.subprocessors.slice(0, 4) },
  announcements: [],
}

/** What the team does in one week: intentions, made concrete against the data as it stands. */
type Edit =
  | { kind: 'reword'; entry: number; text: string }
  | { kind: 'translate'; entry: number; lang: number; text: string }
  | { kind: 'rename'; entry: number; text: string }
  | { kind: 'removeNow'; entry: number }
  | { kind: 'addUrgently'; name: string; regions: number[] }
  | { kind: 'announceAdd'; name: string; regions: number[]; days: number }
  | { kind: 'announceRemove'; entry: number; days: number }
  | { kind: 'announceRegions'; entry: number; regions: number[]; days: number }
  | { kind: 'amendDate'; announcement: number; days: number }
  | { kind: 'amendRegions'; announcement: number; regions: number[] }
  | { kind: 'amendTranslation'; announcement: number; text: string }
  | { kind: 'withdraw'; announcement: number }
  | { kind: 'fold' }
  | { kind: 'addLanguage' }

const word = fc.stringMatching(/^[a-z]{3,8}$/)
const regionSet = fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 })
const index = fc.nat({ max: 9 })
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('reword' as const), entry: index, text: word }),
  fc.record({ kind: fc.constant('translate' as const), entry: index, lang: index, text: word }),
  fc.record({ kind: fc.constant('rename' as const), entry: index, text: word }),
  fc.record({ kind: fc.constant('removeNow' as const), entry: index }),
  fc.record({ kind: fc.constant('addUrgently' as const), name: word, regions: regionSet }),
  fc.record({
    kind: fc.constant('announceAdd' as const),
    name: word,
    regions: regionSet,
    days: fc.integer({ min: 20, max: 70 }),
  }),
  fc.record({ kind: fc.constant('announceRemove' as const), entry: index, days: fc.integer({ min: 1, max: 50 }) }),
  fc.record({
    kind: fc.constant('announceRegions' as const),
    entry: index,
    regions: regionSet,
    days: fc.integer({ min: 20, max: 70 }),
  }),
  fc.record({ kind: fc.constant('amendDate' as const), announcement: index, days: fc.integer({ min: 1, max: 80 }) }),
  fc.record({ kind: fc.constant('amendRegions' as const), announcement: index, regions: regionSet }),
  fc.record({ kind: fc.constant('amendTranslation' as const), announcement: index, text: word }),
  fc.record({ kind: fc.constant('withdraw' as const), announcement: index }),
  fc.constant({ kind: 'fold' as const }),
  fc.constant({ kind: 'addLanguage' as const }),
)
/** One week: one edit, or two at once. */
const week = fc.array(edit, { minLength: 1, maxLength: 2 })

const pick = <T>(items: T[], i: number): T | undefined => (items.length ? items[i % items.length] : undefined)
const texts = (data: RegistryData, text: string) =>
  Object.fromEntries(data.registry.languages.map((lang) => [lang, `${text} (${lang})`]))

function newEntry(data: RegistryData, name: string, regions: number[]): SubprocessorEntry {
  const id = `acme-${name}`
  return {
    id,
    name: `Acme ${name}, Inc.`,
    category: 'service',
    purpose: texts(data, `${name} purpose`),
    location: { countries: ['DE'], text: texts(data, 'Germany') },
    regions: regions.map((r) => REGIONS[r]!),
    assurances: [],
  }
}

const announcedId = (a: Announcement) => (a.add?.id ?? a.remove ?? a.change)!
const withEntries = (data: RegistryData, map: (entries: SubprocessorEntry[]) => SubprocessorEntry[]) => ({
  ...data,
  subprocessors: { ...data.subprocessors, subprocessors: map(data.subprocessors.subprocessors) },
})

/** The data after one edit; an edit that does not fit the data as it stands changes nothing. */
function applyEdit(data: RegistryData, e: Edit, now: number): RegistryData {
  const entries = data.subprocessors.subprocessors
  const announced = new Set(data.announcements.map(announcedId))
  const free = entries.filter((entry) => !announced.has(entry.id))
  const source = data.registry.source.language
  const editEntry = (i: number, change: (entry: SubprocessorEntry) => SubprocessorEntry) => {
    const target = pick(free, i)
    return target
      ? withEntries(data, (all) => all.map((entry) => (entry.id === target.id ? change(entry) : entry)))
      : data
  }
  const announce = (announcement: Announcement) => ({ ...data, announcements: [...data.announcements, announcement] })
  const editAnnouncement = (i: number, change: (a: Announcement) => Announcement | null) => {
    const target = pick(data.announcements, i)
    if (!target) return data
    const changed = change(target)
    return {
      ...data,
      announcements: data.announcements.flatMap((a) => (a === target ? (changed ? [changed] : []) : [a])),
    }
  }
  switch (e.kind) {
    case 'reword':
      return editEntry(e.entry, (entry) => ({ ...entry, purpose: { ...entry.purpose, [source]: e.text } }))
    case 'translate': {
      const lang = pick(
        data.registry.languages.filter((l) => l !== source),
        e.lang,
      )!
      return editEntry(e.entry, (entry) => ({ ...entry, purpose: { ...entry.purpose, [lang]: e.text } }))
    }
    case 'rename':
      return editEntry(e.entry, (entry) => ({ ...entry, name: `${e.text} Ltd.` }))
    case 'removeNow': {
      const target = pick(free, e.entry)
      return target && entries.length > 1 ? withEntries(data, (all) => all.filter((x) => x.id !== target.id)) : data
    }
    case 'addUrgently': {
      const entry = newEntry(data, e.name, e.regions)
      if (entries.some((x) => x.id === entry.id) || announced.has(entry.id)) return data
      return announce({ add: entry, shortNotice: { kind: 'urgent', reason: texts(data, 'urgent') } })
    }
    case 'announceAdd': {
      const entry = newEntry(data, e.name, e.regions)
      if (entries.some((x) => x.id === entry.id) || announced.has(entry.id)) return data
      return announce({ add: entry, effective: dateIn(now, e.days) })
    }
    case 'announceRemove': {
      const target = pick(free, e.entry)
      return target && entries.length > 1 ? announce({ remove: target.id, effective: dateIn(now, e.days) }) : data
    }
    case 'announceRegions': {
      const target = pick(free, e.entry)
      const regions = e.regions.map((r) => REGIONS[r]!)
      return target ? announce({ change: target.id, set: { regions }, effective: dateIn(now, e.days) }) : data
    }
    case 'amendDate':
      return editAnnouncement(e.announcement, (a) => (a.effective ? { ...a, effective: dateIn(now, e.days) } : a))
    case 'amendRegions':
      return editAnnouncement(e.announcement, (a) =>
        a.add ? { ...a, add: { ...a.add, regions: e.regions.map((r) => REGIONS[r]!) } } : a,
      )
    case 'amendTranslation':
      return editAnnouncement(e.announcement, (a) =>
        a.add ? { ...a, add: { ...a.add, purpose: { ...a.add.purpose, en: e.text } } } : a,
      )
    case 'withdraw':
      return editAnnouncement(e.announcement, () => null)
    case 'fold': {
      // Announcements in force are written into the entries and dropped: the list in force stays the same.
      const folded = entriesAt(data, now, now)
      const inForce = (a: Announcement) => !a.effective || Date.parse(`${a.effective}T00:00:00Z`) <= now
      return {
        ...data,
        subprocessors: { ...data.subprocessors, subprocessors: folded.filter((entry) => entry.id) },
        announcements: data.announcements.filter((a) => !inForce(a)),
      }
    }
    case 'addLanguage':
      return data.registry.languages.includes('fr') ? data : withLanguage(data, 'fr', 'en', 'Français')
  }
}

interface Version {
  number: number
  at: number
  data: RegistryData
  changes: ChangeRecord[]
  edits: Edit[]
}

/** The history the edits make: each week published when the publisher accepts it, else left out. */
function publishAll(weeks: Edit[][]): Version[] {
  const first = computeChanges(null, start, { version: 1, publishedAt: new Date(START).toISOString() }, (c) =>
    summarize(start, c),
  )
  const versions: Version[] = [{ number: 1, at: START, data: start, changes: first, edits: [] }]
  for (const [i, edits] of weeks.entries()) {
    const at = publishedAt(i + 1)
    const last = versions.at(-1)!
    const data = edits.reduce((d, e) => applyEdit(d, e, at), last.data)
    const previous: Previous = {
      stamp: { version: last.number, publishedAt: new Date(last.at).toISOString() },
      data: last.data,
      changes: last.changes,
    }
    const stamp = { version: last.number + 1, publishedAt: new Date(at).toISOString() }
    try {
      const changes = computeChanges(previous, data, stamp, (c) => summarize(data, c))
      versions.push({ number: stamp.version, at, data, changes, edits })
    } catch (error) {
      if (!(error instanceof NoticeViolations)) throw error
    }
  }
  return versions
}

/** A list as a region and a language show it: every entry of the region, each field as that language reads it. */
function listOf(entries: SubprocessorEntry[], region: string, lang: string): string {
  return canonical(
    entries
      .filter((entry) => region === 'all' || entry.regions.includes(region as (typeof REGIONS)[number]))
      .map((entry) => [entry.id, ...CHANGED_FIELDS.map((field) => inLanguage(field, entry[field], lang))])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
  )
}

/** The entries a change log gives from a baseline: every standing record in effect by `at`, applied in order. */
function replay(baseline: SubprocessorEntry[], from: number, changes: ChangeRecord[], at: number): SubprocessorEntry[] {
  const entries = new Map(baseline.map((entry) => [entry.id, entry]))
  const standing = changes
    .map((change, order) => ({ change, order }))
    .filter(({ change }) => change.withdrawnIn === null)
    .filter(({ change }) => Date.parse(change.effectiveAt) > from && Date.parse(change.effectiveAt) <= at)
    .sort((a, b) => Date.parse(a.change.effectiveAt) - Date.parse(b.change.effectiveAt) || a.order - b.order)
  for (const { change } of standing) {
    if (change.type === 'removed') entries.delete(change.entry)
    else entries.set(change.entry, change.snapshot as SubprocessorEntry)
  }
  return [...entries.values()]
}

const stateStarts = (v: Version) => [v.at, ...boundariesAfter(v.data, v.at)]

function checkReplay(versions: Version[]) {
  for (const version of versions)
    for (const lang of version.data.registry.languages) {
      // A language's baseline is the first version that has it: before, there is nothing to replay.
      const first = versions.find((v) => v.data.registry.languages.includes(lang))!
      const baseline = entriesAt(first.data, first.at, first.at)
      for (const at of stateStarts(version)) {
        const replayed = replay(baseline, first.at, version.changes, at)
        const published = entriesAt(version.data, at, version.at)
        for (const region of ['all', ...REGIONS])
          expect(
            listOf(replayed, region, lang),
            `v${version.number} at ${new Date(at).toISOString()}, ${region}/${lang}`,
          ).toBe(listOf(published, region, lang))
      }
    }
}

/** Between two versions, at the later one's publish: every difference has its record, and every record its difference. */
function checkRecordsMatchDifferences(previous: Version, version: Version) {
  const wording = wordingOf(previous.data, version.data)
  const before = new Map(entriesAt(previous.data, version.at, previous.at).map((e) => [e.id, e]))
  const after = new Map(entriesAt(version.data, version.at, version.at).map((e) => [e.id, e]))
  const expected = new Set<string>()
  for (const id of new Set([...before.keys(), ...after.keys()])) {
    const [b, a] = [before.get(id), after.get(id)]
    if (!b) expected.add(`${id} added`)
    else if (!a) expected.add(`${id} removed`)
    else {
      if (materialFields(b, a, wording).length) expected.add(`${id} modified`)
      if (correctedFields(b, a, wording).length) expected.add(`${id} corrected`)
    }
  }
  const now = version.changes.filter(
    (c) =>
      c.withdrawnIn === null &&
      Date.parse(c.effectiveAt) === version.at &&
      (c.announcedIn === version.number || c.amendments.at(-1)?.version === version.number),
  )
  expect(
    new Set(now.map((c) => `${c.entry} ${c.type}`)),
    `records of v${version.number} in force at its publish`,
  ).toEqual(expected)
  // What is announced for later is what the data announces: nothing more.
  const announcedLater = version.changes.filter((c) => c.withdrawnIn === null && Date.parse(c.effectiveAt) > version.at)
  for (const change of announcedLater)
    expect(
      version.data.announcements.some((a) => announcedId(a) === change.entry),
      `v${version.number}: ${change.id} is announced by the data`,
    ).toBe(true)
}

function checkVersion(versions: Version[], i: number) {
  const version = versions[i]!
  const previous = versions[i - 1]
  const touched = version.changes.filter(
    (c) =>
      c.announcedIn === version.number ||
      c.withdrawnIn === version.number ||
      c.amendments.some((a) => a.version === version.number),
  )
  if (previous) {
    checkRecordsMatchDifferences(previous, version)
    const only = (kinds: Edit['kind'][]) =>
      version.edits.length > 0 && version.edits.every((e) => kinds.includes(e.kind))
    if (only(['translate'])) expect(touched.map((c) => c.type).filter((t) => t !== 'corrected')).toEqual([])
    if (only(['addLanguage'])) expect(touched).toEqual([])
  }
  // One live announcement per entry.
  const live = version.changes.filter((c) => c.withdrawnIn === null && Date.parse(c.effectiveAt) > version.at)
  expect(new Set(live.map((c) => c.entry)).size, `v${version.number}: live announcements`).toBe(live.length)
  // The notice rule, for every announcement and every material amendment.
  for (const change of version.changes.filter((c) => c.requiresNotice && !c.shortNotice)) {
    const effective = Date.parse(change.effectiveAt)
    if (change.announcedIn === version.number) expect(effective - version.at).toBeGreaterThanOrEqual(NOTICE * DAY)
    for (const amendment of change.amendments.filter((a) => a.material && a.version === version.number))
      expect(
        effective - Date.parse(amendment.at),
        `${change.id} amended in v${amendment.version}`,
      ).toBeGreaterThanOrEqual(NOTICE * DAY)
  }
  // The same record in every language: only the texts differ.
  for (const change of version.changes) {
    const shapes = version.data.registry.languages.map((lang) => {
      const doc = changeDocument(version.data, change, lang, version.at)
      return canonical({
        id: doc.id,
        type: doc.type,
        status: doc.status,
        version: doc.version,
        effectiveAt: doc.effectiveAt,
        objectionDeadline: doc.objectionDeadline,
        regions: doc.regions,
        withdrawn: doc.withdrawn,
        amended: doc.amended,
        fields: doc.fields.map((f) => f.field),
        summarised: doc.summary !== '',
      })
    })
    expect(new Set(shapes).size, `${change.id} in every language`).toBe(1)
    expect(changeStatus(change, version.at)).toBe(changeDocument(version.data, change, 'lv', version.at).status)
  }
}

/** What the histories held, printed with PROPERTY_STATS=1: so that a property is not held by cases that never arise. */
const seen = new Map<string, number>()
const count = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1)
function tally(versions: Version[], weeks: number) {
  count('weeks')
  for (let i = 0; i < weeks - versions.length + 1; i++) count('weeks refused')
  for (const change of versions.at(-1)!.changes) {
    count(`record ${change.type}`)
    if (change.withdrawnIn) count('record withdrawn')
    for (const amendment of change.amendments) count(`amendment${amendment.material ? ' (material)' : ''}`)
  }
  if (versions.at(-1)!.data.registry.languages.includes('fr')) count('histories with a new language')
}
afterAll(() => {
  if (process.env.PROPERTY_STATS) console.log(Object.fromEntries([...seen].sort()))
})

describe('the change model, for any sequence of ordinary edits', () => {
  it(`holds every property over ${RUNS} random histories`, { timeout: Math.max(30_000, RUNS * 30) }, () => {
    fc.assert(
      fc.property(fc.array(week, { minLength: 1, maxLength: 8 }), (weeks) => {
        const versions = publishAll(weeks)
        if (process.env.PROPERTY_STATS) tally(versions, weeks.length)
        checkReplay(versions)
        for (let i = 0; i < versions.length; i++) checkVersion(versions, i)
      }),
      { numRuns: RUNS, seed: process.env.PROPERTY_SEED ? Number(process.env.PROPERTY_SEED) : undefined },
    )
  })
})
