/**
 * The change log in every format: JSON, CSV, a page, Atom 1.0 (RFC 4287) and JSON Feed 1.1, and
 * the version index. Each log is rendered as a head, items newest first, and a tail, so that the
 * Worker can serve `?since=N` as a slice of the stored bytes.
 */
import { html, raw } from 'hono/html'
import { type ChangeRecord, changeStatus } from '../../domain/change'
import {
  ALL_REGIONS,
  CHANGE_FORMATS,
  CHANGE_LOG_SCHEMA_URL,
  type ChangeFormat,
  MEDIA_TYPES,
  type VersionFormat,
  VERSIONS_SCHEMA_URL,
  viewUrl,
} from '../../domain/representation'
import type { LogParts } from '../../storage/log'
import { changeCounts, touchedIn } from '../input/changes'
import { formatInstant } from './dates'
import { changeDocument, changeTag, plainValue, regionName, type ReleaseStamp, textIn } from '../model'
import { csvCell } from './csv'
import { LIST_PAGE_STYLE, markupText } from './html'
import type { ChangeLogDocument, VersionsDocument } from '../contract/schema'
import type { Labels, Language, RegistryData } from '../input/schema'

const encoder = new TextEncoder()
/** Without `since`, a log holds this many of the latest changes, so that its cost does not grow with history. */
export const LATEST_CHANGES = 50

const feedTag = (data: RegistryData, region: string, lang: string) =>
  `tag:${data.registry.notice.tagAuthority}:subprocessors/changes/${region}/${lang}`
/** An id usable as an HTML fragment. */
const anchor = (id: string) => `change-${id.replace(/[^A-Za-z0-9]+/g, '-')}`

const labelsOf = (data: RegistryData, lang: Language): Labels => data.locales[lang]!.labels
const nameOf = (data: RegistryData, change: Pick<ChangeRecord, 'name'>, lang: Language) =>
  change.name ?? labelsOf(data, lang).notNamed

/** A label with its blanks filled, as plain text (the locale schema makes sure every blank is there). */
const filled = (template: string, values: Record<string, string | number>) =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name]))

/** The one-line summary of a change in every language; kept in the record for readers that cannot render. */
export function summarize(data: RegistryData, change: Omit<ChangeRecord, 'summary'>): Record<string, string> {
  return Object.fromEntries(
    data.registry.languages.map((lang) => {
      const labels = labelsOf(data, lang)
      return [
        lang,
        filled(labels.changeSummary, {
          type: labels.changeTypes[change.type],
          name: nameOf(data, change, lang),
          date: formatInstant(change.effectiveAt, lang),
        }),
      ]
    }),
  )
}

/** How to object to a change, in a line: until when, and where. */
const objection = (data: RegistryData, labels: Labels, deadline: string, lang: Language) =>
  `${filled(labels.objectionDeadline, { date: formatInstant(deadline, lang) })}. ${filled(labels.howToObject, { email: data.registry.notice.objectionsTo })}`

/** When a change last moved, as its feed entry's `updated`: announced, taken effect, or withdrawn. */
function updatedAt(change: ChangeRecord, at: number): number {
  const effective = Date.parse(change.effectiveAt)
  return Math.max(
    Date.parse(change.announcedAt),
    change.withdrawnAt ? Date.parse(change.withdrawnAt) : 0,
    change.withdrawnIn === null && effective <= at ? effective : 0,
  )
}

/** The changes that touch a region's list, newest first by the version that last touched them. */
export function changesFor(changes: ChangeRecord[], region: string): ChangeRecord[] {
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
}

const notice = (data: RegistryData, lang: Language) => ({
  periodDays: data.registry.notice.periodDays,
  objectionsTo: data.registry.notice.objectionsTo,
  note: textIn(data.registry.notice.note, lang),
})

function logLinks(region: string, lang: Language) {
  const url = (format: ChangeFormat) => viewUrl({ kind: 'changes', region, lang, format })
  return {
    ...(Object.fromEntries(CHANGE_FORMATS.map((format) => [format, url(format)])) as Record<ChangeFormat, string>),
    all: viewUrl({ kind: 'changes', region, lang, format: 'json', complete: true }),
  }
}

const text = (value: string) => encoder.encode(value)

/** Splits a rendered document at a marker into head and tail; the marker holds the items' place. */
function around(document: string, marker: string): { head: string; tail: string } {
  const at = document.indexOf(marker)
  if (at === -1) throw new Error(`no ${marker} in the rendered log`)
  return { head: document.slice(0, at), tail: document.slice(at + marker.length) }
}

/** Holds the items' place while a log is rendered whole; a NUL never comes out of the renderers otherwise. */
const ITEMS = '\u0000items\u0000'
const ITEMS_IN_JSON = JSON.stringify(ITEMS)

/**
 * One change log, in one format and language, for one region: a head, its items and a tail.
 * `latest` keeps the newest changes only (the default view); without it, every change.
 */
export function renderChangeLog(
  ctx: LogContext,
  region: string,
  lang: Language,
  format: ChangeFormat,
  latest?: number,
): LogParts {
  const { data, stamp, at } = ctx
  const all = changesFor(ctx.changes, region)
  const shown = latest === undefined ? all : all.slice(0, latest)
  const l = labelsOf(data, lang)
  const regionLabel = regionName(data, region, lang)
  const updated = new Date(
    Math.max(Date.parse(stamp.publishedAt), ...all.map((change) => updatedAt(change, at))),
  ).toISOString()
  const items = (render: (change: ChangeRecord) => string) =>
    shown.map((change) => ({ body: text(render(change)), touched: touchedIn(change) }))

  switch (format) {
    case 'json': {
      const document: ChangeLogDocument = {
        $schema: CHANGE_LOG_SCHEMA_URL,
        version: stamp.version,
        publishedAt: stamp.publishedAt,
        language: lang,
        region: { id: region as ChangeLogDocument['region']['id'], name: regionLabel },
        notice: notice(data, lang),
        links: logLinks(region, lang),
        changes: [],
      }
      const { head, tail } = around(JSON.stringify({ ...document, changes: ITEMS }, null, 2), ITEMS_IN_JSON)
      return {
        head: text(`${head}[\n`),
        items: items((change) => indent(JSON.stringify(changeDocument(data, change, lang, at), null, 2), '    ')),
        separator: text(',\n'),
        tail: text(`\n  ]${tail}\n`),
      }
    }
    case 'jsonfeed': {
      const feed = {
        version: 'https://jsonfeed.org/version/1.1',
        title: filled(l.feedTitle, { service: data.registry.company.service, region: regionLabel }),
        home_page_url: viewUrl({ kind: 'changes', region, lang, format: 'html' }),
        feed_url: viewUrl({ kind: 'changes', region, lang, format: 'jsonfeed' }),
        description: textIn(data.registry.notice.note, lang),
        language: lang,
        authors: [{ name: data.registry.company.name }],
        items: ITEMS,
      }
      const { head, tail } = around(JSON.stringify(feed, null, 2), ITEMS_IN_JSON)
      return {
        head: text(`${head}[\n`),
        items: items((change) => {
          const item = {
            id: changeTag(data, change.id),
            url: viewUrl({ kind: 'entry', id: change.entry, lang, format: 'html' }),
            title: `${l.changeTypes[change.type]}: ${nameOf(data, change, lang)}`,
            content_text: plainText(ctx, change, lang),
            date_published: change.announcedAt,
            date_modified: new Date(updatedAt(change, at)).toISOString(),
            tags: [change.type, changeStatus(change, at)],
            _subprocessor_change: changeDocument(data, change, lang, at),
          }
          return indent(JSON.stringify(item, null, 2), '    ')
        }),
        separator: text(',\n'),
        tail: text(`\n  ]${tail}\n`),
      }
    }
    case 'atom': {
      const head = html`<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${lang}">
<id>${feedTag(data, region, lang)}</id>
<title>${filled(l.feedTitle, { service: data.registry.company.service, region: regionLabel })}</title>
<subtitle>${textIn(data.registry.notice.note, lang)}</subtitle>
<updated>${updated}</updated>
<author><name>${data.registry.company.name}</name><email>${data.registry.notice.objectionsTo}</email></author>
<link rel="self" type="${MEDIA_TYPES.atom}" href="${viewUrl({ kind: 'changes', region, lang, format: 'atom' })}"/>
<link rel="alternate" type="text/html" href="${viewUrl({ kind: 'changes', region, lang, format: 'html' })}"/>
<link rel="related" type="text/html" href="${viewUrl({ kind: 'list', region, lang, format: 'html' })}"/>
`
      return {
        head: text(String(head)),
        items: items((change) =>
          String(html`<entry>
<id>${changeTag(data, change.id)}</id>
<title>${l.changeTypes[change.type]}: ${nameOf(data, change, lang)}</title>
<published>${change.announcedAt}</published>
<updated>${new Date(updatedAt(change, at)).toISOString()}</updated>
<link rel="alternate" type="text/html" href="${viewUrl({ kind: 'entry', id: change.entry, lang, format: 'html' })}"/>
<link rel="related" type="text/html" href="${viewUrl({ kind: 'changes', region, lang, format: 'html' })}#${anchor(change.id)}"/>
<category term="${change.type}" label="${l.changeTypes[change.type]}"/>
<category term="${changeStatus(change, at)}" label="${l.changeStatuses[changeStatus(change, at)]}"/>
<content type="text">${plainText(ctx, change, lang)}</content>
</entry>`),
        ),
        separator: text('\n'),
        tail: text(`${shown.length ? '\n' : ''}</feed>\n`),
      }
    }
    case 'csv': {
      const c = l.changeColumns
      const header = [
        c.summary,
        c.id,
        c.type,
        c.status,
        c.entry,
        c.name,
        c.fields,
        c.regions,
        c.version,
        c.announced,
        c.effective,
        c.objectionsUntil,
        c.shortNotice,
        c.withdrawn,
      ]
      return {
        head: text(`\uFEFF${header.map(csvCell).join(',')}\r\n`),
        items: items((change) => {
          const doc = changeDocument(data, change, lang, at)
          return [
            doc.summary,
            change.id,
            change.type,
            doc.status,
            change.entry,
            change.name ?? '',
            change.fields.map(({ field }) => l.fieldNames[field]).join('; '),
            change.regions.join('; '),
            String(change.announcedIn),
            change.announcedAt,
            change.effectiveAt,
            change.objectionDeadline ?? '',
            doc.shortNotice ? `${l.shortNoticeKinds[doc.shortNotice.kind]}: ${doc.shortNotice.reason}` : '',
            doc.withdrawn ? `${doc.withdrawn.version} ${doc.withdrawn.at}` : '',
          ]
            .map(csvCell)
            .join(',')
        }),
        separator: text('\r\n'),
        tail: text(shown.length ? '\r\n' : ''),
      }
    }
    case 'html': {
      const title = `${data.registry.company.service}: ${l.changesTitle} (${regionLabel})`
      const c = l.changeColumns
      const { head, tail } = around(
        changesPage(
          data,
          lang,
          title,
          [
            html`<p>${textIn(data.registry.notice.note, lang)}</p>`,
            latest === undefined
              ? html`<p>${l.allChanges}.</p>`
              : html`<p>${filled(l.latestOnly, { count: latest })} <a href="${viewUrl({ kind: 'changes', region, lang, format: 'json', complete: true })}" type="${MEDIA_TYPES.json}">${l.allChanges} (JSON)</a></p>`,
            html`<table>
<caption>${l.changesTitle}: ${regionLabel}</caption>
<thead><tr><th scope="col">${c.summary}</th><th scope="col">${l.whatChanges}</th><th scope="col">${c.effective}</th><th scope="col">${c.objectionsUntil}</th><th scope="col">${c.version}</th></tr></thead>
<tbody>
${raw(ITEMS)}
</tbody>
</table>`,
            shown.length ? '' : html`<p>${l.noChanges}</p>`,
            html`<nav aria-label="${l.formatsNav}"><ul>${CHANGE_FORMATS.filter((f) => f !== 'html').map((f) => html`<li><a href="${viewUrl({ kind: 'changes', region, lang, format: f })}" type="${MEDIA_TYPES[f]}">${f.toUpperCase()}</a></li>`)}</ul></nav>`,
          ],
          [region, lang],
        ),
        ITEMS,
      )
      return {
        head: text(head),
        items: items((change) => markupText(changeRow(ctx, change, lang))),
        separator: text('\n'),
        tail: text(tail),
      }
    }
  }
}

const indent = (json: string, by: string) => json.replace(/^/gm, by)

/** A change in plain text: for feed readers and spreadsheets. */
function plainText(ctx: LogContext, change: ChangeRecord, lang: Language): string {
  const l = labelsOf(ctx.data, lang)
  const doc = changeDocument(ctx.data, change, lang, ctx.at)
  const lines = [doc.summary]
  for (const field of doc.fields)
    lines.push(`${l.fieldNames[field.field]}: ${plainValue(field.before, l)} → ${plainValue(field.after, l)}`)
  lines.push(`${l.regions}: ${change.regions.join(', ')}`)
  if (doc.shortNotice) lines.push(`${l.shortNoticeKinds[doc.shortNotice.kind]}: ${doc.shortNotice.reason}`)
  if (change.objectionDeadline && doc.status === 'upcoming')
    lines.push(objection(ctx.data, l, change.objectionDeadline, lang))
  if (doc.withdrawn)
    lines.push(filled(l.withdrawnIn, { version: doc.withdrawn.version, date: formatInstant(doc.withdrawn.at, lang) }))
  return lines.join('\n')
}

function changeRow(ctx: LogContext, change: ChangeRecord, lang: Language) {
  const l = labelsOf(ctx.data, lang)
  const doc = changeDocument(ctx.data, change, lang, ctx.at)
  const status = doc.status
  const fields = doc.fields.length
    ? html`<ul>${doc.fields.map((field) => html`<li>${l.fieldNames[field.field]}: ${plainValue(field.before, l)} → ${plainValue(field.after, l)}</li>`)}</ul>`
    : l.changeTypes[change.type]
  const deadline = change.objectionDeadline
    ? html`<time datetime="${change.objectionDeadline}">${formatInstant(change.objectionDeadline, lang)}</time>${status === 'upcoming' ? html`<br>${filled(l.howToObject, { email: ctx.data.registry.notice.objectionsTo })}` : ''}`
    : '—'
  return html`<tr id="${anchor(change.id)}" class="${status}"><th scope="row">${l.changeStatuses[status]}: ${doc.summary}</th><td>${fields}${doc.shortNotice ? html`<p>${l.shortNoticeKinds[doc.shortNotice.kind]}: ${doc.shortNotice.reason}</p>` : ''}${doc.withdrawn ? html`<p>${filled(l.withdrawnIn, { version: doc.withdrawn.version, date: formatInstant(doc.withdrawn.at, lang) })}</p>` : ''}</td><td><time datetime="${change.effectiveAt}">${formatInstant(change.effectiveAt, lang)}</time></td><td>${deadline}</td><td>${change.announcedIn}</td></tr>`
}

/** The shell of the change log and version pages: the list page's style, hashed into the same CSP, and no script. */
function changesPage(
  data: RegistryData,
  lang: Language,
  title: string,
  main: unknown[],
  listLink?: [string, Language],
): string {
  const l = labelsOf(data, lang)
  const languageLinks = (href: (other: Language) => string) =>
    html`<nav aria-label="${l.languagesNav}"><ul>${data.registry.languages.map((other) => html`<li><a href="${href(other)}" hreflang="${other}" lang="${other}"${other === lang ? raw(' aria-current="page"') : ''}>${data.locales[other]!.name}</a></li>`)}</ul></nav>`
  return markupText(html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
${listLink ? html`<link rel="alternate" type="${MEDIA_TYPES.atom}" hreflang="${lang}" href="${viewUrl({ kind: 'changes', region: listLink[0], lang, format: 'atom' })}">` : ''}
<style>${raw(LIST_PAGE_STYLE)}</style>
</head>
<body>
<header>
<p>${data.registry.company.name} · ${data.registry.company.service}${listLink ? html` · <a href="${viewUrl({ kind: 'list', region: listLink[0], lang, format: 'html' })}">${regionName(data, listLink[0], lang)}</a>` : ''}</p>
<h1>${title}</h1>
${listLink ? languageLinks((other) => viewUrl({ kind: 'changes', region: listLink[0], lang: other, format: 'html' })) : languageLinks((other) => viewUrl({ kind: 'versions', lang: other, format: 'html' }))}
</header>
<main id="main">
${main}
</main>
</body>
</html>
`)
}

/** `/versions`: every version with its parent, publish time and the counts of its changes. */
export function versionsDocument(
  history: [number, number][],
  changes: ChangeRecord[],
  lang: Language,
): VersionsDocument {
  return {
    $schema: VERSIONS_SCHEMA_URL,
    language: lang,
    versions: [...history].reverse().map(([version, publishedAt]) => ({
      version,
      publishedAt: new Date(publishedAt).toISOString(),
      parent: version > 1 ? version - 1 : null,
      changes: changeCounts(changes, version),
      links: {
        list: `${viewUrl({ kind: 'list', region: ALL_REGIONS, lang, format: 'json' })}&version=${version}`,
        changes: `${viewUrl({ kind: 'changes', region: ALL_REGIONS, lang, format: 'json' })}&since=${version - 1}`,
      },
    })),
  }
}

// Where the rows go in the page: the page is rendered once around it, then cut there.
const ROWS = '\u0000rows\u0000'

/**
 * The version index as a log, newest version first: one item per version, which never changes once
 * published, so older versions' rows are stored once, in chunks every later version shares.
 */
export function renderVersionsLog(data: RegistryData, document: VersionsDocument, format: VersionFormat): LogParts {
  const items = (render: (version: VersionsDocument['versions'][number]) => string) =>
    document.versions.map((version) => ({ body: text(render(version)), touched: version.version }))
  if (format === 'json') {
    const { versions: _, ...head } = document
    const open = JSON.stringify(head, null, 2).slice(0, -2)
    return {
      head: text(`${open},\n  "versions": [\n`),
      items: items((version) => `    ${JSON.stringify(version)}`),
      separator: text(',\n'),
      tail: text('\n  ]\n}\n'),
    }
  }
  const lang = document.language
  const l = labelsOf(data, lang)
  const page = changesPage(data, lang, `${data.registry.company.service}: ${l.versionsTitle}`, [
    html`<table>
<caption>${l.versionsTitle}</caption>
<thead><tr><th scope="col">${l.version}</th><th scope="col">${l.parentVersion}</th><th scope="col">${l.changesTitle}</th></tr></thead>
<tbody>
${raw(ROWS)}</tbody>
</table>`,
  ])
  const [head, tail] = page.split(ROWS) as [string, string]
  const row = (version: VersionsDocument['versions'][number]) =>
    markupText(
      html`<tr><th scope="row"><a href="${version.links.list.replace('/subprocessors.json', '/subprocessors.html')}">${version.version}</a><small>${filled(l.published, { date: formatInstant(version.publishedAt, lang) })}</small></th><td>${version.parent ?? '—'}</td><td><a href="${version.links.changes.replace('/changes.json', '/changes.html')}">${filled(l.changeCounts, version.changes)}</a></td></tr>\n`,
    )
  return { head: text(head), items: items(row), separator: text(''), tail: text(tail) }
}
