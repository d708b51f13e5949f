/**
 * From a change log to what a vendor-risk team acts on: plain functions, no fetching. A change
 * announced or withdrawn after the last version seen is new; one whose day has come since the
 * last check is `effective`. Each event says what the change does, in a line a person reads.
 */
import type { Change } from './format.js'

export type EventKind = 'added' | 'removed' | 'modified' | 'announced' | 'amended' | 'withdrawn' | 'effective'

/** One thing a vendor-risk team acts on: who, what, where, from when, and until when to object. */
export interface ChangeEvent {
  kind: EventKind
  registry: string
  vendor: string
  change: string
  type: Change['type']
  subprocessor: { id: string; name: string | null }
  /** The fields a modification changes, by name. */
  fields: string[]
  /** For an amendment: what it changed (`effectiveAt`, `regions`, fields by name). */
  changed: string[]
  regions: string[]
  effectiveAt: string
  objectionDeadline: string | null
  /** The version that announced (or withdrew) the change. */
  version: number
  summary: string | null
}

export interface Classified {
  events: { kind: EventKind; change: Change; version: number }[]
  /** Announced changes still to come: each gives an `effective` event when its instant passes. */
  pending: Change[]
}

/**
 * The events of a change log read after `since` (the last version seen), given the changes that
 * were pending, at `now`. The log is newest first, as the format orders it; events come oldest first.
 */
export function classify(changes: Change[], since: number, pending: Change[], now: number): Classified {
  const amendedSince = (c: Change) => (c.amended ?? []).filter((a) => a.version > since).at(-1)
  const fresh = changes.filter((c) => c.version > since || (c.withdrawn?.version ?? 0) > since || amendedSince(c))
  const events: Classified['events'] = []
  const withdrawn = new Set<string>()
  let still = [...pending]
  for (const change of [...fresh].reverse()) {
    const amendment = amendedSince(change)
    if (change.withdrawn) {
      withdrawn.add(change.id)
      still = still.filter((p) => p.id !== change.id)
      events.push({ kind: 'withdrawn', change, version: change.withdrawn.version })
    } else if (Date.parse(change.effectiveAt) > now) {
      // An announcement amended since it was read: the pending one is replaced, its id kept.
      still = [...still.filter((p) => p.id !== change.id), change]
      if (change.version > since) events.push({ kind: 'announced', change, version: change.version })
      else if (amendment) events.push({ kind: 'amended', change, version: amendment.version })
    } else if (change.version > since || amendment) {
      still = still.filter((p) => p.id !== change.id)
      events.push({ kind: change.type, change, version: amendment?.version ?? change.version })
    }
  }
  for (const change of still.filter((p) => Date.parse(p.effectiveAt) <= now && !withdrawn.has(p.id)))
    events.push({ kind: 'effective', change, version: change.version })
  return { events, pending: still.filter((p) => Date.parse(p.effectiveAt) > now) }
}

/** The changes announced or withdrawn in versions `from` < v ≤ `to`, oldest first: what `diff` adds to the lists' difference. */
export function announcedBetween(changes: Change[], from: number, to: number) {
  const inRange = (v: number | undefined) => v !== undefined && v > from && v <= to
  return {
    announced: changes
      .filter((c) => inRange(c.version) && Date.parse(c.effectiveAt) > Date.parse(c.announcedAt))
      .reverse(),
    withdrawn: changes.filter((c) => inRange(c.withdrawn?.version)).reverse(),
  }
}

const WHAT: Record<Change['type'], string> = { added: 'addition of', removed: 'removal of', modified: 'change to' }

const day = (instant: string) => instant.slice(0, 10)

/** The event a team acts on, of one registry, from a classified change. */
export function toEvent(
  registry: string,
  vendor: string,
  { kind, change, version }: Classified['events'][number],
): ChangeEvent {
  return {
    kind,
    registry,
    vendor,
    change: change.id,
    type: change.type,
    subprocessor: { id: change.entry.id, name: change.entry.name },
    fields: change.fields ?? [],
    changed: kind === 'amended' ? ((change.amended ?? []).find((a) => a.version === version)?.changed ?? []) : [],
    regions: change.regions,
    effectiveAt: change.effectiveAt,
    objectionDeadline: change.objectionDeadline,
    version,
    summary: change.summary ?? null,
  }
}

/** What the change does, in words: `addition of Acme (eu, uk)`, `change to Twilio [regions] (us)`. */
export function describeChange(change: Pick<ChangeEvent, 'type' | 'subprocessor' | 'fields' | 'regions'>): string {
  const fields = change.type === 'modified' && change.fields.length ? ` [${change.fields.join(', ')}]` : ''
  const regions = change.regions.length ? ` (${change.regions.join(', ')})` : ''
  return `${WHAT[change.type]} ${change.subprocessor.name ?? change.subprocessor.id}${fields}${regions}`
}

/** The event as one line: what happened, to what, and the dates that matter. */
export function eventLine(event: ChangeEvent): string {
  const what = describeChange(event)
  const object = event.objectionDeadline ? `, object by ${day(event.objectionDeadline)}` : ''
  switch (event.kind) {
    case 'announced':
      return `announced ${what}, effective ${day(event.effectiveAt)}${object}`
    case 'amended': {
      const changed = event.changed.length ? ` [${event.changed.join(', ')}]` : ''
      return `amended in version ${event.version}${changed}: ${what}, effective ${day(event.effectiveAt)}${object}`
    }
    case 'withdrawn':
      return `withdrawn in version ${event.version}: the ${what}, which was to take effect ${day(event.effectiveAt)}`
    case 'effective':
      return `in force: the ${what}, since ${day(event.effectiveAt)}`
    case 'added':
      return `added ${event.subprocessor.name ?? event.subprocessor.id}${event.regions.length ? ` (${event.regions.join(', ')})` : ''}, in force since ${day(event.effectiveAt)}`
    case 'removed':
      return `removed ${event.subprocessor.name ?? event.subprocessor.id}${event.regions.length ? ` (${event.regions.join(', ')})` : ''}, since ${day(event.effectiveAt)}`
    case 'modified':
      return `changed ${what.slice(WHAT.modified.length + 1)}, in force since ${day(event.effectiveAt)}`
  }
}
