/**
 * The typed change log: what changed in the list, since when, and what is coming. Computed at
 * publish time by comparing the data of one version with the next (ids are identity), kept with
 * every version, and read by the feeds, the page and webhook delivery.
 */

/**
 * `added`, `removed` and `modified` are material: a difference in the facts (the source language's
 * text, or a language-neutral field). `corrected` is not: a translation that changed while the
 * source language's text stayed the same. It is recorded and shown, never announced, needs no
 * notice, and is not pushed as a change event.
 */
export const CHANGE_TYPES = ['added', 'removed', 'modified', 'corrected'] as const
export type ChangeType = (typeof CHANGE_TYPES)[number]

export const isMaterial = (type: ChangeType) => type !== 'corrected'

/** The fields of an entry a modification can name: every field but the id. */
export const CHANGED_FIELDS = [
  'name',
  'alsoWrittenAs',
  'product',
  'category',
  'roles',
  'purpose',
  'customers',
  'location',
  'regions',
  'assurances',
  'notes',
] as const
export type ChangedField = (typeof CHANGED_FIELDS)[number]

/** Fields whose change needs the notice period (a location by its place, not its wording); any other change is editorial and takes effect when published. */
export const NOTICE_FIELDS: readonly ChangedField[] = ['location', 'regions', 'category']

/** Why a change that needs notice takes effect sooner: an urgent engagement, or a correction of the transcription. */
export interface ShortNotice {
  kind: 'urgent' | 'correction'
  /** Text per language, shown to readers wherever the change is. */
  reason: Record<string, string>
}

/** One changed field: its value before and after, as data/ holds it (text per language where the field is text). */
export interface FieldChange {
  field: ChangedField
  before: unknown
  after: unknown
}

/** A later version's edit of an announcement not yet in force: the record keeps its id, and says what moved. */
export interface Amendment {
  version: number
  at: string
  /** What the amendment changed: `effectiveAt`, `regions`, `shortNotice`, or the entry's fields by name. */
  changed: string[]
  /** Whether it brought the date forward, widened the regions or changed a fact: then it needed the full notice. */
  material: boolean
}

/** One change to one entry, as the change log keeps it. */
export interface ChangeRecord {
  /** Stable across publishes: the version that announced it, the entry, the type and the effective instant. */
  id: string
  type: ChangeType
  entry: string
  /** The entry's legal name as written (after the change; before it, for a removal); null where the source names none. */
  name: string | null
  /** One line per language saying what changes and when, rendered at publish time for readers that cannot render (webhook payloads). */
  summary: Record<string, string>
  /** The entry's data as data/ holds it after the change (before it, for a removal). */
  snapshot: unknown
  /** For `modified`: every changed field, old and new. */
  fields: FieldChange[]
  /** Customer regions whose list the change touches: the entry's regions before and after. */
  regions: string[]
  announcedIn: number
  announcedAt: string
  effectiveAt: string
  /** Until when a customer may object: the effective instant, for a change that needs notice; otherwise null. */
  objectionDeadline: string | null
  requiresNotice: boolean
  shortNotice: ShortNotice | null
  /** Set when a later version took the change back before it took effect. */
  withdrawnIn: number | null
  withdrawnAt: string | null
  /** Every amendment of the announcement by a later version, oldest first. */
  amendments: Amendment[]
}

/** A record as stored by any version: one written before amendments were kept has none. */
export const withRecordDefaults = (record: ChangeRecord): ChangeRecord =>
  record.amendments ? record : { ...record, amendments: [] }

/** The last version that touched a record: announced, amended or withdrew it. */
export function touchedIn(change: ChangeRecord): number {
  return Math.max(change.announcedIn, change.withdrawnIn ?? 0, change.amendments.at(-1)?.version ?? 0)
}

/** Where a change stands at an instant. */
export type ChangeStatus = 'upcoming' | 'effective' | 'withdrawn'

export function changeStatus(change: ChangeRecord, at: number): ChangeStatus {
  if (change.withdrawnIn !== null) return 'withdrawn'
  return Date.parse(change.effectiveAt) <= at ? 'effective' : 'upcoming'
}
