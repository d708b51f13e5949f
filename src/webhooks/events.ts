/**
 * Webhook events: which ones a change log calls for at an instant, who receives each, and the
 * payload each subscriber gets. Plain functions: no bindings, no clock of their own.
 */
import { type ChangeRecord, isMaterial } from '../domain/change'
import { ALL_REGIONS } from '../domain/representation'

export const CHANGE_EVENTS = [
  'subprocessors.change.announced',
  'subprocessors.change.amended',
  'subprocessors.change.effective',
  'subprocessors.change.withdrawn',
] as const
export type ChangeEvent = (typeof CHANGE_EVENTS)[number]
export const VERIFICATION_EVENT = 'webhook.verification'

/** An event due for one change. */
export interface DueEvent {
  event: ChangeEvent
  change: ChangeRecord
  /** For an amendment: the version that made it. */
  amendedIn?: number
}

/** What has been emitted already: `${change id} ${event}`. */
export const emissionKey = (changeId: string, event: ChangeEvent) => `${changeId} ${event}`

/** The id an event is emitted under: the change's, and for an amendment the version that made it, since a change may be amended more than once. */
export const emittedAs = (due: Pick<DueEvent, 'change' | 'amendedIn'>) =>
  due.amendedIn === undefined ? due.change.id : `${due.change.id}#${due.amendedIn}`

/**
 * The events a change log calls for, given the last version processed and the instant: new
 * announcements, new withdrawals, and effective instants that have passed on changes still
 * standing, minus what `emitted` already holds.
 */
export function dueEvents(records: ChangeRecord[], lastVersion: number, now: number, emitted: Set<string>): DueEvent[] {
  const due: DueEvent[] = []
  const add = (event: ChangeEvent, change: ChangeRecord, amendedIn?: number) => {
    const one: DueEvent = amendedIn === undefined ? { event, change } : { event, change, amendedIn }
    if (!emitted.has(emissionKey(emittedAs(one), event))) due.push(one)
  }
  for (const change of records) {
    // A correction of a translation is no change in the facts: recorded and shown, never pushed.
    if (!isMaterial(change.type)) continue
    if (change.announcedIn > lastVersion) add('subprocessors.change.announced', change)
    for (const amendment of change.amendments)
      if (amendment.version > lastVersion && amendment.version > change.announcedIn)
        add('subprocessors.change.amended', change, amendment.version)
    if (change.withdrawnIn !== null && change.withdrawnIn > lastVersion) add('subprocessors.change.withdrawn', change)
    if (change.withdrawnIn === null && Date.parse(change.effectiveAt) <= now)
      add('subprocessors.change.effective', change)
  }
  return due
}

/** What a subscriber asked for. `languages` null: every language of the release. */
export interface Interest {
  regions: string[]
  languages: string[] | null
  events: string[]
}

/** The regions of a change a subscriber hears about; empty if none. */
export function regionsOfInterest(change: ChangeRecord, interest: Interest): string[] {
  if (interest.regions.includes(ALL_REGIONS)) return [ALL_REGIONS, ...change.regions]
  return change.regions.filter((region) => interest.regions.includes(region))
}

export function wants(interest: Interest, due: DueEvent): boolean {
  return interest.events.includes(due.event) && regionsOfInterest(due.change, interest).length > 0
}

const pick = (text: Record<string, string>, languages: string[]) =>
  Object.fromEntries(languages.filter((lang) => lang in text).map((lang) => [lang, text[lang]!]))

/** When the event happened: its own instant, so that every subscriber and every retry carry the same body. */
function occurredAt({ event, change, amendedIn }: DueEvent): string {
  if (event === 'subprocessors.change.announced') return change.announcedAt
  if (event === 'subprocessors.change.amended')
    return change.amendments.find((amendment) => amendment.version === amendedIn)?.at ?? change.announcedAt
  if (event === 'subprocessors.change.withdrawn') return change.withdrawnAt ?? change.announcedAt
  return change.effectiveAt
}

type Links = Record<string, Record<string, string>>

/** The body of a change event: `{ type, timestamp, data }`, as Standard Webhooks suggests. */
export interface ChangeEventPayload {
  type: ChangeEvent
  timestamp: string
  data: {
    /** The version whose change log held the change when the event was emitted. */
    version: number
    change: ChangeRecord
    /** The entry, only while it is in force at the event's instant: an addition announced or withdrawn, or a removal in effect, has none that answers. */
    links: { change: Record<string, string>; entry?: Record<string, string>; lists: Links; feeds: Links }
  }
}

/** Whether the entry answers at the event's instant: not before an addition takes effect, nor after a removal does. */
function entryInForce({ event, change }: DueEvent): boolean {
  if (change.type === 'added') return event === 'subprocessors.change.effective'
  if (change.type === 'removed') return event !== 'subprocessors.change.effective'
  return true
}

/**
 * The payload one subscriber receives: the change with its text in the subscriber's languages,
 * and absolute links to the change log from the version that holds it, to the entry while it is in
 * force, and to the list and feed of each region of interest.
 */
export function changePayload(
  due: DueEvent,
  version: number,
  regions: string[],
  languages: string[],
  origin: string,
): ChangeEventPayload {
  const { change } = due
  const perLanguage = (url: (lang: string) => string) =>
    Object.fromEntries(languages.map((lang) => [lang, `${origin}${url(lang)}`]))
  const perRegion = (url: (region: string, lang: string) => string): Links =>
    Object.fromEntries(
      regions.map((region) => [
        region,
        Object.fromEntries(languages.map((lang) => [lang, `${origin}${url(region, lang)}`])),
      ]),
    )
  return {
    type: due.event,
    timestamp: occurredAt(due),
    data: {
      version,
      change: {
        ...change,
        summary: pick(change.summary, languages),
        shortNotice: change.shortNotice && {
          ...change.shortNotice,
          reason: pick(change.shortNotice.reason, languages),
        },
      },
      links: {
        change: perLanguage(
          (lang) =>
            `/changes.json?lang=${lang}&since=${(due.event === 'subprocessors.change.withdrawn' ? change.withdrawnIn! : change.announcedIn) - 1}`,
        ),
        ...(entryInForce(due)
          ? { entry: perLanguage((lang) => `/subprocessors/${encodeURIComponent(change.entry)}.json?lang=${lang}`) }
          : {}),
        lists: perRegion((region, lang) => `/subprocessors.json?region=${region}&lang=${lang}`),
        feeds: perRegion((region, lang) => `/changes.atom?region=${region}&lang=${lang}`),
      },
    },
  }
}

/**
 * The verification event: the endpoint proves it wants the subscription by echoing `challenge`.
 * `verificationToken` is what the subscriber sent, or null: a receiver that checks it never
 * echoes a stranger's challenge, so no stranger can hold one of its host's places.
 */
export function verificationPayload(
  subscription: string,
  challenge: string,
  verificationToken: string | null,
  at: Date,
) {
  return { type: VERIFICATION_EVENT, timestamp: at.toISOString(), data: { subscription, challenge, verificationToken } }
}
