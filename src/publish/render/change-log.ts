/**
 * What every format of the change log shares: the changes a region's log shows, the texts made
 * from a change (summary, plain text, objection line), and how a log is cut into head, items
 * and tail so that the Worker can serve `?since=N` as a slice of the stored bytes.
 */
import type { ChangeRecord } from '../../domain/change'
import { ALL_REGIONS } from '../../domain/representation'
import type { LogParts } from '../../storage/log'
import { touchedIn } from '../input/changes'
import type { Labels, Language, RegistryData } from '../input/schema'
import { changeDocument, fieldValue, type ReleaseStamp, regionName } from './model'
import { formatInstant } from './dates'
import { filled, labelsOf } from './summary'

export { filled, labelsOf, nameOf, summarize } from './summary'

const encoder = new TextEncoder()
/** Without `since`, a log holds this many of the latest changes, so that its cost does not grow with history. */
export const LATEST_CHANGES = 50

export const feedTag = (data: RegistryData, region: string, lang: string) =>
  `tag:${data.registry.notice.tagAuthority}:subprocessors/changes/${region}/${lang}`
/** An id usable as an HTML fragment. */
export const anchor = (id: string) => `change-${id.replace(/[^A-Za-z0-9]+/g, '-')}`

/** How to object to a change, in a line: until when, and where. */
const objection = (data: RegistryData, labels: Labels, deadline: string, lang: Language) =>
  `${filled(labels.objectionDeadline, { date: formatInstant(deadline, lang) })}. ${filled(labels.howToObject, { email: data.registry.notice.objectionsTo })}`

/** When a change last moved, as its feed entry's `updated`: announced, amended, taken effect, or withdrawn. */
export function updatedAt(change: ChangeRecord, at: number): number {
  const effective = Date.parse(change.effectiveAt)
  return Math.max(
    Date.parse(change.announcedAt),
    ...change.amendments.map((amendment) => Date.parse(amendment.at)),
    change.withdrawnAt ? Date.parse(change.withdrawnAt) : 0,
    change.withdrawnIn === null && effective <= at ? effective : 0,
  )
}

/** What an amendment changed, in the labels' words. */
export function amendedWhat(labels: Labels, changed: string[]): string {
  const names: Record<string, string> = {
    effectiveAt: labels.changeColumns.effective,
    regions: labels.fieldNames.regions,
    shortNotice: labels.changeColumns.shortNotice,
  }
  return changed.map((what) => names[what] ?? labels.fieldNames[what as keyof Labels['fieldNames']] ?? what).join(', ')
}

/** The changes that touch a region's list, newest first by the version that last touched them. */
function changesFor(changes: ChangeRecord[], region: string): ChangeRecord[] {
  return changes
    .map((change, order) => ({ change, order }))
    .filter(({ change }) => region === ALL_REGIONS || change.regions.includes(region))
    .sort((a, b) => touchedIn(b.change) - touchedIn(a.change) || b.order - a.order)
    .map(({ change }) => change)
}

/** What one state of a version renders its change log from. */
export interface LogContext {
  data: RegistryData
  stamp: ReleaseStamp
  /** Every change record of the version. */
  changes: ChangeRecord[]
  /** The instant the state begins: what is effective by then. */
  at: number
  /**
   * Items already rendered for this version, by format, state, language and change: a change's
   * item has the same bytes in every region's log, and a long history repeats thousands of them.
   */
  rendered?: Map<string, Uint8Array>
  /** Each region's changes, by state and region: the same for every language and format. */
  regionLogs?: Map<string, RegionLog>
}

/** A region's changes, newest first, and when any of them last moved (or the publish). */
export interface RegionLog {
  all: ChangeRecord[]
  updated: string
}

export const text = (value: string) => encoder.encode(value)

/** Splits a rendered document at a marker into head and tail; the marker holds the items' place. */
export function around(document: string, marker: string): { head: string; tail: string } {
  const at = document.indexOf(marker)
  if (at === -1) throw new Error(`no ${marker} in the rendered log`)
  return { head: document.slice(0, at), tail: document.slice(at + marker.length) }
}

/** Holds the items' place while a log is rendered whole; a NUL never comes out of the renderers otherwise. */
export const ITEMS = '\u0000items\u0000'
export const ITEMS_IN_JSON = JSON.stringify(ITEMS)

export const indent = (json: string, by: string) => json.replace(/^/gm, by)

/** A change in plain text: for feed readers and spreadsheets. */
export function plainText(ctx: LogContext, change: ChangeRecord, lang: Language): string {
  const l = labelsOf(ctx.data, lang)
  const doc = changeDocument(ctx.data, change, lang, ctx.at)
  const lines = [doc.summary]
  for (const field of doc.fields)
    lines.push(
      `${l.fieldNames[field.field]}: ${fieldValue(ctx.data, field.field, field.before, l, lang)} → ${fieldValue(ctx.data, field.field, field.after, l, lang)}`,
    )
  lines.push(`${l.regions}: ${change.regions.join(', ')}`)
  if (doc.shortNotice) lines.push(`${l.shortNoticeKinds[doc.shortNotice.kind]}: ${doc.shortNotice.reason}`)
  if (change.objectionDeadline && doc.status === 'upcoming')
    lines.push(objection(ctx.data, l, change.objectionDeadline, lang))
  for (const amendment of change.amendments) lines.push(amendedLine(l, amendment, lang))
  if (doc.withdrawn)
    lines.push(filled(l.withdrawnIn, { version: doc.withdrawn.version, date: formatInstant(doc.withdrawn.at, lang) }))
  return lines.join('\n')
}

/** One amendment, in a line: the version, when, and what it changed. */
export const amendedLine = (l: Labels, amendment: ChangeRecord['amendments'][number], lang: Language) =>
  filled(l.amendedIn, {
    version: amendment.version,
    date: formatInstant(amendment.at, lang),
    changed: amendedWhat(l, amendment.changed),
  })

/** One log to render: its context, and what every format reads from it. */
export interface LogRender {
  ctx: LogContext
  region: string
  lang: Language
  /** Keep the newest changes only (the default view); undefined: every change. */
  latest: number | undefined
  /** The changes the log shows, newest first. */
  shown: ChangeRecord[]
  /** When any change of the region's log last moved, or the publish: a feed's `updated`. */
  updated: string
  labels: Labels
  regionLabel: string
}

function regionLog(ctx: LogContext, region: string): RegionLog {
  const key = `${ctx.at} ${region}`
  let log = ctx.regionLogs?.get(key)
  if (!log) {
    const all = changesFor(ctx.changes, region)
    const updated = all.reduce(
      (latest, change) => Math.max(latest, updatedAt(change, ctx.at)),
      Date.parse(ctx.stamp.publishedAt),
    )
    log = { all, updated: new Date(updated).toISOString() }
    ctx.regionLogs?.set(key, log)
  }
  return log
}

export function logRender(ctx: LogContext, region: string, lang: Language, latest: number | undefined): LogRender {
  const { all, updated } = regionLog(ctx, region)
  return {
    ctx,
    region,
    lang,
    latest,
    shown: latest === undefined ? all : all.slice(0, latest),
    updated,
    labels: labelsOf(ctx.data, lang),
    regionLabel: regionName(ctx.data, region, lang),
  }
}

/**
 * The log's items, each rendered by one format and marked with the version that last touched it.
 * Given a format name, an item is rendered once per version and reused by every region's log:
 * only for formats whose items do not name the region.
 */
export function itemsOf(
  log: LogRender,
  render: (change: ChangeRecord) => string,
  sameInEveryRegion?: string,
): LogParts['items'] {
  const { rendered, at } = log.ctx
  return log.shown.map((change) => {
    if (!rendered || !sameInEveryRegion) return { body: text(render(change)), touched: touchedIn(change) }
    const key = `${sameInEveryRegion} ${at} ${log.lang} ${change.id}`
    let body = rendered.get(key)
    if (!body) rendered.set(key, (body = text(render(change))))
    return { body, touched: touchedIn(change) }
  })
}
