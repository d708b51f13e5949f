/**
 * The change log, computed at publish time: the entries in force at any instant, and the typed
 * change set of a new version against the one before it (ids are identity), with the notice
 * rules applied. Plain functions over the validated data.
 */
import {
  CHANGED_FIELDS,
  type ChangedField,
  type ChangeRecord,
  type ChangeType,
  type FieldChange,
  NOTICE_FIELDS,
  type ShortNotice,
} from '../../domain/change'
import type { ReleaseStamp } from '../render/model'
import type { Announcement, RegistryData, SubprocessorEntry } from './schema'

const DAY_MS = 24 * 60 * 60 * 1000

/** When an announcement takes effect: its date at midnight UTC, its instant, or (undated) when published. */
export function effectiveInstant(announcement: Announcement, publishedAt: number): number {
  return announcement.effective === undefined
    ? publishedAt
    : Date.parse(announcement.effective.length === 10 ? `${announcement.effective}T00:00:00Z` : announcement.effective)
}

const announcedEntry = (announcement: Announcement): string =>
  (announcement.add?.id ?? announcement.remove ?? announcement.change)!
const announcedType = (announcement: Announcement): ChangeType =>
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
function canonical(value: unknown): string {
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

function changedFields(before: SubprocessorEntry, after: SubprocessorEntry): FieldChange[] {
  return CHANGED_FIELDS.filter((field) => canonical(before[field] ?? null) !== canonical(after[field] ?? null)).map(
    (field) => ({
      field,
      before: before[field] ?? null,
      after: after[field] ?? null,
    }),
  )
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
  at: number
  shortNotice: ShortNotice | null
}

/** The record of a change this version makes; its summary comes later. */
function recordOf(stamp: ReleaseStamp, { type, before, after, at, shortNotice }: Draft): Omit<ChangeRecord, 'summary'> {
  const entry = (after ?? before)!
  const fields = before && after ? changedFields(before, after) : []
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
  }
}

/** Why a change that needs notice may not take effect this soon; null when it may. */
function shortNoticeViolation(
  change: Omit<ChangeRecord, 'summary'>,
  data: RegistryData,
  now: number,
  earliest: number,
): NoticeViolation | null {
  const at = Date.parse(change.effectiveAt)
  if (!change.requiresNotice || at >= earliest || change.shortNotice) return null
  const what =
    change.type === 'added'
      ? 'an addition'
      : `a change of ${change.fields
          .filter(changesInSubstance)
          .map(({ field }) => field)
          .join(', ')}`
  return {
    entry: change.entry,
    type: change.type,
    effectiveAt: change.effectiveAt,
    earliestAllowed: day(earliest),
    message: `${change.entry}: ${what} needs ${data.registry.notice.periodDays} days' notice, but it would take effect ${at <= now ? `when published (${day(now)})` : `on ${day(at)}`}; the earliest date allowed is ${day(earliest)}. Announce it in announcements.json with "effective" on or after that date, or give "shortNotice" with its reason.`,
  }
}

/**
 * What takes effect now, against what the previous version has in force now. A new announcement
 * that takes effect now lends its shortNotice to the change it makes.
 */
function changesNow(previous: Previous, data: RegistryData, now: number, isNew: (a: Announcement) => boolean): Draft[] {
  const lending = new Map<string, ShortNotice | null>()
  for (const announcement of data.announcements)
    if (isNew(announcement) && effectiveInstant(announcement, now) === now)
      lending.set(announcedEntry(announcement), announcement.shortNotice ?? null)
  const shortNotice = (id: string) => lending.get(id) ?? null
  const before = new Map(
    entriesAt(previous.data, now, Date.parse(previous.stamp.publishedAt)).map((entry) => [entry.id, entry]),
  )
  const after = new Map(entriesAt(data, now, now).map((entry) => [entry.id, entry]))
  const drafts: Draft[] = []
  for (const [id, entry] of after) {
    const old = before.get(id)
    if (!old) drafts.push({ type: 'added', before: undefined, after: entry, at: now, shortNotice: shortNotice(id) })
    else if (changedFields(old, entry).length)
      drafts.push({ type: 'modified', before: old, after: entry, at: now, shortNotice: shortNotice(id) })
  }
  for (const [id, entry] of before)
    if (!after.has(id)) drafts.push({ type: 'removed', before: entry, after: undefined, at: now, shortNotice: null })
  return drafts
}

/**
 * What is newly announced for later, and the new announcements dated in the past: refused, except
 * into an empty store, where they are simply in force, since no customer was ever told otherwise.
 */
function announcedForLater(
  previous: Previous | null,
  data: RegistryData,
  now: number,
  earliest: number,
  isNew: (a: Announcement) => boolean,
): ({ draft: Draft } | { retroactive: NoticeViolation })[] {
  const steps: ({ draft: Draft } | { retroactive: NoticeViolation })[] = []
  for (const { announcement, at } of inEffectOrder(data, now)) {
    if (!isNew(announcement) || at === now) continue
    const id = announcedEntry(announcement)
    const type = announcedType(announcement)
    if (at >= now) {
      const before = entriesAt(data, at - 1, now).find((entry) => entry.id === id)
      const after = entriesAt(data, at, now).find((entry) => entry.id === id)
      steps.push({ draft: { type, before, after, at, shortNotice: announcement.shortNotice ?? null } })
    } else if (previous) {
      steps.push({
        retroactive: {
          entry: id,
          type,
          effectiveAt: iso(at),
          earliestAllowed: day(earliest),
          message: `${id}: the announcement takes effect on ${announcement.effective}, which has already passed; an announcement cannot be retroactive. Give a date on or after ${day(earliest)} (or, for a change that needs no notice, any date from today).`,
        },
      })
    }
  }
  return steps
}

/** The earlier records, with those announced before, not yet effective and no longer announced marked withdrawn. */
function withdrawing(previous: Previous | null, data: RegistryData, stamp: ReleaseStamp, now: number): ChangeRecord[] {
  const stillAnnounced = new Set(
    data.announcements.map(
      (announcement) =>
        `${announcedEntry(announcement)} ${announcedType(announcement)} ${iso(effectiveInstant(announcement, now))}`,
    ),
  )
  return (previous?.changes ?? []).map((change) =>
    change.withdrawnIn === null &&
    Date.parse(change.effectiveAt) > now &&
    !stillAnnounced.has(`${change.entry} ${change.type} ${change.effectiveAt}`)
      ? { ...change, withdrawnIn: stamp.version, withdrawnAt: stamp.publishedAt }
      : change,
  )
}

/**
 * The change records of a new version: every earlier record (a not-yet-effective one the data no
 * longer announces is marked withdrawn), then what takes effect now, then what is newly announced.
 * Throws NoticeViolations, naming every offending entry, when a change that needs notice would take
 * effect sooner than the notice period, or a new announcement is dated in the past (except in the
 * first version, where it is in force already).
 */
export function computeChanges(
  previous: Previous | null,
  data: RegistryData,
  stamp: ReleaseStamp,
  summarize: (record: Omit<ChangeRecord, 'summary'>) => Record<string, string>,
): ChangeRecord[] {
  const now = Date.parse(stamp.publishedAt)
  const earliest = now + data.registry.notice.periodDays * DAY_MS
  const previousKeys = new Set(previous?.data.announcements.map(canonical) ?? [])
  const isNew = (announcement: Announcement) => !previousKeys.has(canonical(announcement))

  // In order: what takes effect now, then each new announcement by its date; violations named in that order.
  const steps = [
    ...(previous ? changesNow(previous, data, now, isNew) : []).map((draft) => ({ draft })),
    ...announcedForLater(previous, data, now, earliest, isNew),
  ]
  const fresh: Omit<ChangeRecord, 'summary'>[] = []
  const violations: NoticeViolation[] = []
  for (const step of steps) {
    if ('retroactive' in step) {
      violations.push(step.retroactive)
      continue
    }
    const change = recordOf(stamp, step.draft)
    fresh.push(change)
    const violation = shortNoticeViolation(change, data, now, earliest)
    if (violation) violations.push(violation)
  }
  if (violations.length) throw new NoticeViolations(violations)
  return [
    ...withdrawing(previous, data, stamp, now),
    ...fresh.map((change) => ({ ...change, summary: summarize(change) })),
  ]
}

/** The records a version introduced or touched: what `?since=` a version before it returns. */
export function touchedIn(change: ChangeRecord): number {
  return Math.max(change.announcedIn, change.withdrawnIn ?? 0)
}

/** Counts of a version's own changes by type, withdrawals apart. */
export function changeCounts(changes: ChangeRecord[], version: number): Record<ChangeType | 'withdrawn', number> {
  const counts = { added: 0, removed: 0, modified: 0, withdrawn: 0 }
  for (const change of changes) {
    if (change.announcedIn === version) counts[change.type]++
    if (change.withdrawnIn === version) counts.withdrawn++
  }
  return counts
}

export type { ChangedField }
