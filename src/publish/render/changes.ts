/**
 * The change log in JSON, CSV and as a page, the renderer of each format from one table, and the
 * version index. The feeds are in feeds.ts; what every format shares is in change-log.ts.
 */
import { html, raw } from 'hono/html'
import type { ChangeRecord } from '../../domain/change'
import {
  ALL_REGIONS,
  CHANGE_FORMATS,
  CHANGE_LOG_SCHEMA_URL,
  type ChangeFormat,
  MEDIA_TYPES,
  type VersionFormat,
  VERSIONS_SCHEMA_URL,
  viewUrl,
  REGISTRY_FORMAT,
  manifestUrl,
  evidenceUrl,
  type HistoryEntry,
} from '../../domain/representation'
import type { LogParts } from '../../storage/log'
import type { ChangeLogDocument, VersionsDocument } from '../contract/schema'
import { changeCountsByVersion } from '../input/changes'
import type { Language, RegistryData } from '../input/schema'
import { changeDocument, fieldValue, regionName, textIn } from './model'
import {
  amendedLine,
  anchor,
  around,
  filled,
  ITEMS,
  ITEMS_IN_JSON,
  indent,
  itemsOf,
  type LogContext,
  type LogRender,
  labelsOf,
  logRender,
  text,
} from './change-log'
import { csvCell } from './csv'
import { formatInstant } from './dates'
import { atomLog, jsonFeedLog } from './feeds'
import { LIST_PAGE_STYLE } from './html'
import { type Markup, markupText, pageShell } from './page'

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

function jsonLog(log: LogRender): LogParts {
  const { ctx, region, lang } = log
  const { data, stamp, at } = ctx
  const document: ChangeLogDocument = {
    $schema: CHANGE_LOG_SCHEMA_URL,
    format: REGISTRY_FORMAT,
    version: stamp.version,
    publishedAt: stamp.publishedAt,
    language: lang,
    region: { id: region as ChangeLogDocument['region']['id'], name: log.regionLabel },
    notice: notice(data, lang),
    links: logLinks(region, lang),
    changes: [],
  }
  const { head, tail } = around(JSON.stringify({ ...document, changes: ITEMS }, null, 2), ITEMS_IN_JSON)
  return {
    head: text(`${head}[\n`),
    items: itemsOf(
      log,
      (change) => indent(JSON.stringify(changeDocument(data, change, lang, at), null, 2), '    '),
      'json',
    ),
    separator: text(',\n'),
    tail: text(`\n  ]${tail}\n`),
  }
}

function csvLog(log: LogRender): LogParts {
  const { ctx, lang, labels: l } = log
  const { data, at } = ctx
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
    items: itemsOf(
      log,
      (change) => {
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
      },
      'csv',
    ),
    separator: text('\r\n'),
    tail: text(log.shown.length ? '\r\n' : ''),
  }
}

function htmlLog(log: LogRender): LogParts {
  const { ctx, region, lang, latest, labels: l, regionLabel } = log
  const { data } = ctx
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
        log.shown.length ? '' : html`<p>${l.noChanges}</p>`,
        html`<nav aria-label="${l.formatsNav}"><ul>${CHANGE_FORMATS.filter((f) => f !== 'html').map((f) => html`<li><a href="${viewUrl({ kind: 'changes', region, lang, format: f })}" type="${MEDIA_TYPES[f]}">${f.toUpperCase()}</a></li>`)}</ul></nav>`,
      ],
      [region, lang],
    ),
    ITEMS,
  )
  return {
    head: text(head),
    items: itemsOf(log, (change) => markupText(changeRow(ctx, change, lang)), 'html'),
    separator: text('\n'),
    tail: text(tail),
  }
}

/** The renderer of each format of the change log: a Record, so that no format can be left without one. */
const LOG_RENDERERS: Record<ChangeFormat, (log: LogRender) => LogParts> = {
  json: jsonLog,
  csv: csvLog,
  html: htmlLog,
  atom: atomLog,
  jsonfeed: jsonFeedLog,
}

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
  return LOG_RENDERERS[format](logRender(ctx, region, lang, latest))
}

function changeRow(ctx: LogContext, change: ChangeRecord, lang: Language): Markup {
  const l = labelsOf(ctx.data, lang)
  const doc = changeDocument(ctx.data, change, lang, ctx.at)
  const status = doc.status
  const fields = doc.fields.length
    ? html`<ul>${doc.fields.map((field) => html`<li>${l.fieldNames[field.field]}: ${fieldValue(ctx.data, field.field, field.before, l, lang)} → ${fieldValue(ctx.data, field.field, field.after, l, lang)}</li>`)}</ul>`
    : l.changeTypes[change.type]
  const deadline = change.objectionDeadline
    ? html`<time datetime="${change.objectionDeadline}">${formatInstant(change.objectionDeadline, lang)}</time>${status === 'upcoming' ? html`<br>${filled(l.howToObject, { email: ctx.data.registry.notice.objectionsTo })}` : ''}`
    : '—'
  return html`<tr id="${anchor(change.id)}" class="${status}"><th scope="row">${l.changeStatuses[status]}: ${doc.summary}</th><td>${fields}${doc.shortNotice ? html`<p>${l.shortNoticeKinds[doc.shortNotice.kind]}: ${doc.shortNotice.reason}</p>` : ''}${change.amendments.map((amendment) => html`<p>${amendedLine(l, amendment, lang)}</p>`)}${doc.withdrawn ? html`<p>${filled(l.withdrawnIn, { version: doc.withdrawn.version, date: formatInstant(doc.withdrawn.at, lang) })}</p>` : ''}</td><td><time datetime="${change.effectiveAt}">${formatInstant(change.effectiveAt, lang)}</time></td><td>${deadline}</td><td>${change.announcedIn}</td></tr>`
}

/** The change log and version pages: the list page's style, hashed into the same CSP, and no script. */
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
  return pageShell({
    lang,
    title,
    head: listLink
      ? html`<link rel="alternate" type="${MEDIA_TYPES.atom}" hreflang="${lang}" href="${viewUrl({ kind: 'changes', region: listLink[0], lang, format: 'atom' })}">`
      : '',
    style: LIST_PAGE_STYLE,
    body: html`<header>
<p>${data.registry.company.name} · ${data.registry.company.service}${listLink ? html` · <a href="${viewUrl({ kind: 'list', region: listLink[0], lang, format: 'html' })}">${regionName(data, listLink[0], lang)}</a>` : ''}</p>
<h1>${title}</h1>
${listLink ? languageLinks((other) => viewUrl({ kind: 'changes', region: listLink[0], lang: other, format: 'html' })) : languageLinks((other) => viewUrl({ kind: 'versions', lang: other, format: 'html' }))}
</header>
<main id="main">
${main}
</main>
`,
  })
}

/** `/versions`: every version with its parent, publish time and the counts of its changes. */
export function versionsDocument(history: HistoryEntry[], changes: ChangeRecord[], lang: Language): VersionsDocument {
  const changeCounts = changeCountsByVersion(changes)
  return {
    $schema: VERSIONS_SCHEMA_URL,
    format: REGISTRY_FORMAT,
    language: lang,
    versions: [...history].reverse().map(([version, publishedAt, languages]) => ({
      version,
      publishedAt: new Date(publishedAt).toISOString(),
      // Kept since the history held them: a language's first version is the one that adds it.
      ...(languages ? { languages } : {}),
      parent: version > 1 ? version - 1 : null,
      changes: changeCounts(version),
      links: {
        list: `${viewUrl({ kind: 'list', region: ALL_REGIONS, lang, format: 'json' })}&version=${version}`,
        changes: `${viewUrl({ kind: 'changes', region: ALL_REGIONS, lang, format: 'json' })}&since=${version - 1}`,
        manifest: manifestUrl(version),
        evidence: evidenceUrl(version),
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
  const key = data.registry.evidence.verifierKey
  const page = changesPage(data, lang, `${data.registry.company.service}: ${l.versionsTitle}`, [
    html`<table>
<caption>${l.versionsTitle}</caption>
<thead><tr><th scope="col">${l.version}</th><th scope="col">${l.parentVersion}</th><th scope="col">${l.changesTitle}</th><th scope="col">${l.evidenceColumn}</th></tr></thead>
<tbody>
${raw(ROWS)}</tbody>
</table>
<section id="evidence" aria-labelledby="evidence-title">
<h2 id="evidence-title">${l.evidenceTitle}</h2>
<p>${l.evidenceIntro}</p>
<p>${l.evidenceHow}</p>
<pre><code>npx subprocessor-watch verify FILE --evidence evidence.json --key KEY</code></pre>
${key ? html`<p>${l.evidenceKey}</p>\n<p class="key"><code>${key}</code></p>` : ''}
</section>`,
  ])
  const [head, tail] = page.split(ROWS) as [string, string]
  // Each row is the place the list page's "Verify this list" leads to: the evidence one click away.
  const row = (version: VersionsDocument['versions'][number]) =>
    markupText(
      html`<tr id="v${version.version}"><th scope="row"><a href="${version.links.list.replace('/subprocessors.json', '/subprocessors.html')}">${version.version}</a><small>${filled(l.published, { date: formatInstant(version.publishedAt, lang) })}</small></th><td>${version.parent ?? '—'}</td><td><a href="${version.links.changes.replace('/changes.json', '/changes.html')}">${filled(l.changeCounts, version.changes)}</a></td><td><a href="${version.links.evidence}" type="${MEDIA_TYPES.json}">${l.evidenceJson}</a> · <a href="${version.links.manifest}" type="${MEDIA_TYPES.json}">${l.manifestLink}</a></td></tr>\n`,
    )
  return { head: text(head), items: items(row), separator: text(''), tail: text(tail) }
}
