/**
 * The change log, computed at publish time: the entries in force at any instant, and the typed
 * change set of a new version against the one before it (ids are identity), with the notice
 * rules applied. Plain functions over the validated data.
 *
 * The change model (docs/changing-the-data.md):
 * - a record is made only for a difference in facts or in a translation both versions have;
 * - material: an entry added or removed, or a field changed in the source language or in a
 *   language-neutral part (a place, a region, a category): `added`, `removed`, `modified`;
 * - a translation that changed while the source language's text stayed the same: `corrected`,
 *   never announced, needing no notice; a language new to this version records nothing;
 * - an announcement not yet in force, edited, is amended: it keeps its id, the record says what
 *   moved, and an amendment that brings the date forward, widens the regions or changes a fact
 *   needs the full notice from its own publish. One live announcement per entry, at most.
 */
import {
  type Amendment,
  CHANGED_FIELDS,
  type ChangedField,
  type ChangeRecord,
  type ChangeType,
  type FieldChange,
  NOTICE_FIELDS,
  type ShortNotice,
  touchedIn,
} from '../../domain/change'
import type { ReleaseStamp } from '../render/model'
import type { Announcement, Language, RegistryData, SubprocessorEntry } from './schema'

const DAY_MS = 24 * 60 * 60 * 1000

/** When an announcement takes effect: its date at midnight UTC, its instant, or (undated) when published. */
export function effectiveInstant(announcement: Announcement, publishedAt: number): number {
  return announcement.effective === undefined
    ? publishedAt
    : Date.parse(announcement.effective.length === 10 ? `${announcement.effective}T00:00:00Z` : announcement.effective)
}

export const announcedEntry = (announcement: Announcement): string =>
  (announcement.add?.id ?? announcement.remove ?? announcement.change)!
export const announcedType = (announcement: Announcement): ChangeType =>
  announcement.add ? 'added' : announcement.remove ? 'removed' : 'modified'

/** The announcements in the order they take effect; ties keep the order written. */
function inEffectOrder(data: RegistryData, publishedAt: number): { announcement: Announcement; at: number }[] {
  return data.announcements
    .map((announcement) => ({ announcement, at: effectiveInstant(announcement, publishedAt) }))
    .sort((a, b) => a.at - b.at)
}

function apply(entries: SubprocessorEntry[], announcement: Announcement): SubprocessorEntry[] {
  if (announcement.add) return [...entries, announcement.add]
  if (announcement.remove) return entries.filter((entry) => entry.id !== announcement.remove)
  return entries.map((entry) => (entry.id === announcement.change ? { ...entry, ...announcement.set } : entry))
}

/** The entries in force at an instant: the written entries, with every announcement effective by then applied. */
export function entriesAt(data: RegistryData, at: number, publishedAt: number): SubprocessorEntry[] {
  let entries = data.subprocessors.subprocessors
  for (const { announcement, at: effective } of inEffectOrder(data, publishedAt))
    if (effective <= at) entries = apply(entries, announcement)
  return entries
}

/** The instants after publishing at which the entries in force change: where a version's states begin. */
export function boundariesAfter(data: RegistryData, publishedAt: number): number[] {
  return [
    ...new Set(
      inEffectOrder(data, publishedAt)
        .map(({ at }) => at)
        .filter((at) => at > publishedAt),
    ),
  ]
}

// Key order does not make two values different.
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`
  }
  return JSON.stringify(value)
}

type Texts = Record<Language, string>

/** A field's value as one language reads it: each text in that language, every language-neutral part as it is. */
export function inLanguage(field: ChangedField, value: unknown, lang: Language): unknown {
  if (value === undefined || value === null) return null
  switch (field) {
    case 'purpose':
    case 'customers':
      return (value as Texts)[lang] ?? null
    case 'location': {
      const location = value as { text: Texts }
      return { ...location, text: location.text[lang] ?? null }
    }
    case 'notes':
      return (value as { note: Texts }[]).map((note) => ({ ...note, note: note.note[lang] ?? null }))
    default:
      return value
  }
}

/** The languages whose differences a change records: the source language's are facts, the others' corrections. */
export interface Wording {
  source: Language
  /** Translations both versions have: a language new to this version records nothing. */
  translations: Language[]
}

export function wordingOf(previous: RegistryData | null, data: RegistryData): Wording {
  const source = data.registry.source.language
  const before = new Set(previous?.registry.languages ?? data.registry.languages)
  return { source, translations: data.registry.languages.filter((lang) => lang !== source && before.has(lang)) }
}

const fieldChange = (field: ChangedField, before: SubprocessorEntry, after: SubprocessorEntry): FieldChange => ({
  field,
  before: before[field] ?? null,
  after: after[field] ?? null,
})

const differsIn = (field: ChangedField, before: unknown, after: unknown, lang: Language) =>
  canonical(inLanguage(field, before ?? null, lang)) !== canonical(inLanguage(field, after ?? null, lang))

/** The fields whose facts differ: their source-language text, or a language-neutral part. */
export function materialFields(before: SubprocessorEntry, after: SubprocessorEntry, wording: Wording): FieldChange[] {
  return CHANGED_FIELDS.filter((field) => differsIn(field, before[field], after[field], wording.source)).map((field) =>
    fieldChange(field, before, after),
  )
}

/** The fields whose facts are the same but whose translation, in a language both versions have, differs. */
export function correctedFields(before: SubprocessorEntry, after: SubprocessorEntry, wording: Wording): FieldChange[] {
  return CHANGED_FIELDS.filter(
    (field) =>
      !differsIn(field, before[field], after[field], wording.source) &&
      wording.translations.some((lang) => differsIn(field, before[field], after[field], lang)),
  ).map((field) => fieldChange(field, before, after))
}

/** Where the data is processed, apart from how it is worded: rewording or translating a location is editorial. */
const place = (location: unknown) => {
  const { countries, subdivisions } = (location ?? {}) as { countries?: string[]; subdivisions?: string[] }
  return location ? canonical({ countries, subdivisions: subdivisions ?? [] }) : 'none'
}

/** A notice field that changed in substance: a new region or category, or a new place (not a new wording of it). */
const changesInSubstance = ({ field, before, after }: FieldChange) =>
  NOTICE_FIELDS.includes(field) && (field !== 'location' || place(before) !== place(after))

const needsNotice = (type: ChangeType, fields: FieldChange[]) =>
  type === 'added' || (type === 'modified' && fields.some(changesInSubstance))

/** A change that would take effect sooner than the notice period allows; publishing refuses it. */
export interface NoticeViolation {
  entry: string
  type: ChangeType
  effectiveAt: string
  earliestAllowed: string
  message: string
}

export class NoticeViolations extends Error {
  constructor(readonly violations: NoticeViolation[]) {
    super(
      `${violations.length} change${violations.length === 1 ? '' : 's'} would take effect without the notice the registry promises:\n${violations.map((v) => `  ${v.message}`).join('\n')}`,
    )
  }
}

/** What a version is computed from: its data, and the change records of the version before it. */
export interface Previous {
  stamp: ReleaseStamp
  data: RegistryData
  changes: ChangeRecord[]
}

const day = (instant: number) => new Date(instant).toISOString().slice(0, 10)
const iso = (instant: number) => new Date(instant).toISOString()

/** A change as the data implies it, before it becomes a record: what changes, when, and with what notice. */
interface Draft {
  type: ChangeType
  before: SubprocessorEntry | undefined
  after: SubprocessorEntry | undefined
  /** The fields it changes: for `modified` the material ones, for `corrected` the translated ones. */
  fields: FieldChange[]
  at: number
  shortNotice: ShortNotice | null
}

/** The drafts one entry's change makes: one material change and one correction at the most. */
function draftsOf(
  before: SubprocessorEntry | undefined,
  after: SubprocessorEntry | undefined,
  at: number,
  shortNotice: ShortNotice | null,
  wording: Wording,
): Draft[] {
  if (!before && !after) return []
  if (!before) return [{ type: 'added', before, after, fields: [], at, shortNotice }]
  if (!after) return [{ type: 'removed', before, after, fields: [], at, shortNotice }]
  const material = materialFields(before, after, wording)
  const corrected = correctedFields(before, after, wording)
  return [
    ...(material.length ? [{ type: 'modified' as const, before, after, fields: material, at, shortNotice }] : []),
    ...(corrected.length
      ? [{ type: 'corrected' as const, before, after, fields: corrected, at, shortNotice: null }]
      : []),
  ]
}

/** The record of a change this version makes; its summary comes later. */
function recordOf(
  stamp: ReleaseStamp,
  { type, before, after, fields, at, shortNotice }: Draft,
): Omit<ChangeRecord, 'summary'> {
  const entry = (after ?? before)!
  const requiresNotice = needsNotice(type, fields)
  const effectiveAt = iso(at)
  return {
    id: `v${stamp.version}/${entry.id}/${type}/${effectiveAt}`,
    type,
    entry: entry.id,
    name: entry.name,
    snapshot: entry,
    fields,
    regions: [...new Set([...(before?.regions ?? []), ...(after?.regions ?? [])])],
    announcedIn: stamp.version,
    announcedAt: stamp.publishedAt,
    effectiveAt,
    objectionDeadline: requiresNotice ? effectiveAt : null,
    requiresNotice,
    shortNotice,
    withdrawnIn: null,
    withdrawnAt: null,
    amendments: [],
  }
}

const describeNeed = (change: Pick<ChangeRecord, 'type' | 'fields'>) =>
  change.type === 'added'
    ? 'an addition'
    : `a change of ${change.fields
        .filter(changesInSubstance)
        .map(({ field }) => field)
        .join(', ')}`

/** Why a change that needs notice may not take effect this soon; null when it may. */
function shortNoticeViolation(
  change: Omit<ChangeRecord, 'summary'>,
  data: RegistryData,
  now: number,
  earliest: number,
  amending = '',
): NoticeViolation | null {
  const at = Date.parse(change.effectiveAt)
  if (!change.requiresNotice || at >= earliest || change.shortNotice) return null
  return {
    entry: change.entry,
    type: change.type,
    effectiveAt: change.effectiveAt,
    earliestAllowed: day(earliest),
    message: `${change.entry}: ${amending}${describeNeed(change)} needs ${data.registry.notice.periodDays} days' notice${amending ? ' from this publish' : ''}, but it would take effect ${at <= now ? `when published (${day(now)})` : `on ${day(at)}`}; the earliest date allowed is ${day(earliest)}. Announce it in announcements.json with "effective" on or after that date, or give "shortNotice" with its reason.`,
  }
}

/** A previous record still to take effect, and not withdrawn: an announcement a new version may amend. */
const isLive = (change: ChangeRecord, now: number) =>
  change.withdrawnIn === null && Date.parse(change.effectiveAt) > now

/** The drafts of what takes effect now, against what the previous version has in force now. */
function changesNow(
  previous: Previous,
  data: RegistryData,
  now: number,
  lending: Map<string, ShortNotice | null>,
  wording: Wording,
): Draft[] {
  const before = new Map(
    entriesAt(previous.data, now, Date.parse(previous.stamp.publishedAt)).map((entry) => [entry.id, entry]),
  )
  const after = new Map(entriesAt(data, now, now).map((entry) => [entry.id, entry]))
  const drafts: Draft[] = []
  for (const [id, entry] of after)
    drafts.push(...draftsOf(before.get(id), entry, now, lending.get(id) ?? null, wording))
  for (const [id, entry] of before) if (!after.has(id)) drafts.push(...draftsOf(entry, undefined, now, null, wording))
  return drafts
}

/** The draft an announcement makes at its own instant: the entry before it and after it. */
function announcedDraft(
  data: RegistryData,
  announcement: Announcement,
  at: number,
  now: number,
  wording: Wording,
): Draft[] {
  const id = announcedEntry(announcement)
  const before = entriesAt(data, at - 1, now).find((entry) => entry.id === id)
  const after = entriesAt(data, at, now).find((entry) => entry.id === id)
  return draftsOf(before, after, at, announcement.shortNotice ?? null, wording)
}

/** What an amendment changes in a live record, and whether it must meet the notice again. */
function amendment(
  old: ChangeRecord,
  next: Omit<ChangeRecord, 'summary'>,
  wording: Wording,
): Omit<Amendment, 'version' | 'at'> | null {
  const changed: string[] = []
  const moved = Date.parse(next.effectiveAt) - Date.parse(old.effectiveAt)
  if (moved !== 0) changed.push('effectiveAt')
  const widened = next.regions.some((region) => !old.regions.includes(region))
  if (canonical([...next.regions].sort()) !== canonical([...old.regions].sort())) changed.push('regions')
  const [before, after] = [old.snapshot as SubprocessorEntry, next.snapshot as SubprocessorEntry]
  const facts = materialFields(before, after, wording)
  const translations = correctedFields(before, after, wording)
  changed.push(...[...facts, ...translations].map(({ field }) => field))
  if (canonical(old.shortNotice) !== canonical(next.shortNotice)) changed.push('shortNotice')
  if (changed.length === 0) return null
  // Narrower regions need no new notice: only wider ones are judged by the regions the change touches.
  const otherFacts = facts.filter(({ field }) => field !== 'regions')
  return { changed: [...new Set(changed)], material: moved < 0 || widened || otherFacts.length > 0 }
}

/** The earlier records, with those announced before, not yet effective and no longer announced marked withdrawn. */
function withdrawing(previous: Previous | null, data: RegistryData, stamp: ReleaseStamp, now: number): ChangeRecord[] {
  const announced = new Set(data.announcements.map((a) => `${announcedEntry(a)} ${announcedType(a)}`))
  return (previous?.changes ?? []).map((change) =>
    isLive(change, now) && !announced.has(`${change.entry} ${change.type}`)
      ? { ...change, withdrawnIn: stamp.version, withdrawnAt: stamp.publishedAt }
      : change,
  )
}

/**
 * The change records of a new version: every earlier record (a live announcement the data no
 * longer makes is withdrawn; one it makes differently is amended), then what takes effect now,
 * then what is newly announced. Throws NoticeViolations, naming every offending entry, when a
 * change or an amendment that needs notice would take effect sooner than the notice period, or a
 * new announcement is dated in the past (except in the first version, where it is in force already).
 */
export function computeChanges(
  previous: Previous | null,
  data: RegistryData,
  stamp: ReleaseStamp,
  summarize: (record: Omit<ChangeRecord, 'summary'>) => Record<string, string>,
): ChangeRecord[] {
  const now = Date.parse(stamp.publishedAt)
  const earliest = now + data.registry.notice.periodDays * DAY_MS
  const wording = wordingOf(previous?.data ?? null, data)
  const previousKeys = new Set(previous?.data.announcements.map(canonical) ?? [])
  const records = withdrawing(previous, data, stamp, now)
  const live = new Map(records.filter((r) => isLive(r, now)).map((r) => [`${r.entry} ${r.type}`, r]))
  const recorded = new Set(
    records.filter((r) => r.withdrawnIn === null).map((r) => `${r.entry} ${r.type} ${r.effectiveAt}`),
  )
  const violations: NoticeViolation[] = []
  const fresh: Omit<ChangeRecord, 'summary'>[] = []
  const amended = new Map<string, ChangeRecord>()
  const lending = new Map<string, ShortNotice | null>()

  const announcementSteps: Draft[] = []
  for (const { announcement, at } of inEffectOrder(data, now)) {
    const id = announcedEntry(announcement)
    const type = announcedType(announcement)
    const old = live.get(`${id} ${type}`)
    if (old) {
      // The same announcement, as the data makes it now: unchanged, or amended under its own id.
      const [draft] = announcedDraft(data, announcement, at, now, wording).filter((d) => d.type === type)
      if (!draft) continue
      const next = recordOf(stamp, draft)
      const what = amendment(old, next, wording)
      if (!what) {
        // Texts only in a language new to this version: the record gains them, and no amendment is made.
        if (canonical(next.snapshot) !== canonical(old.snapshot))
          amended.set(old.id, { ...old, snapshot: next.snapshot, fields: next.fields })
        continue
      }
      const record: ChangeRecord = {
        ...next,
        id: old.id,
        announcedIn: old.announcedIn,
        announcedAt: old.announcedAt,
        summary: old.summary,
        amendments: [...old.amendments, { version: stamp.version, at: stamp.publishedAt, ...what }],
      }
      amended.set(old.id, { ...record, summary: summarize(record) })
      if (what.material) {
        const violation = shortNoticeViolation(next, data, now, earliest, 'amending the announcement: ')
        if (violation) violations.push(violation)
      }
      continue
    }
    const known = previousKeys.has(canonical(announcement)) || recorded.has(`${id} ${type} ${iso(at)}`)
    if (known) continue
    if (at === now) lending.set(id, announcement.shortNotice ?? null)
    else if (at > now) announcementSteps.push(...announcedDraft(data, announcement, at, now, wording))
    else if (previous)
      violations.push({
        entry: id,
        type,
        effectiveAt: iso(at),
        earliestAllowed: day(earliest),
        message: `${id}: the announcement takes effect on ${announcement.effective}, which has already passed; an announcement cannot be retroactive. Give a date on or after ${day(earliest)} (or, for a change that needs no notice, any date from today).`,
      })
  }

  // What takes effect now, but for an amended announcement brought to now, which its own record says.
  const amendedNow = new Set([...amended.values()].filter((r) => Date.parse(r.effectiveAt) <= now).map((r) => r.entry))
  const now_ = previous
    ? changesNow(previous, data, now, lending, wording).filter((d) => !amendedNow.has((d.after ?? d.before)!.id))
    : []
  for (const draft of [...now_, ...announcementSteps]) {
    const change = recordOf(stamp, draft)
    fresh.push(change)
    const violation = shortNoticeViolation(change, data, now, earliest)
    if (violation) violations.push(violation)
  }
  if (violations.length) throw new NoticeViolations(violations)
  return [
    ...records.map((record) => amended.get(record.id) ?? record),
    ...fresh.map((change) => ({ ...change, summary: summarize(change) })),
  ]
}

export { touchedIn }

export type ChangeCounts = Record<ChangeType | 'withdrawn' | 'amended', number>

/**
 * Counts of each version's own changes by type, withdrawals and amendments apart, in one pass: the
 * version index asks for every version's, and asking each of the records each time grew with the square of history.
 */
export function changeCountsByVersion(changes: ChangeRecord[]): (version: number) => ChangeCounts {
  const none = (): ChangeCounts => ({ added: 0, removed: 0, modified: 0, corrected: 0, withdrawn: 0, amended: 0 })
  const byVersion = new Map<number, ChangeCounts>()
  const of = (version: number) => {
    let counts = byVersion.get(version)
    if (!counts) byVersion.set(version, (counts = none()))
    return counts
  }
  for (const change of changes) {
    of(change.announcedIn)[change.type]++
    if (change.withdrawnIn !== null) of(change.withdrawnIn).withdrawn++
    // A change amended twice in one version counts once there.
    for (const version of new Set(change.amendments.map((a) => a.version))) of(version).amended++
  }
  return (version) => ({ ...(byVersion.get(version) ?? none()) })
}

export type { ChangedField }
