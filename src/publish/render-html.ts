import { html } from 'hono/html'
import type { EntryPage, ListPage, PageEntry, PageLink } from './model'
import type { Language } from './schema'

/** The page's only styling, inline so the page needs no other request; its hash goes into the CSP. */
export const PAGE_STYLE = [
  'body{font:16px/1.5 system-ui,sans-serif;max-width:72rem;margin:0 auto;padding:1rem;color:#1a1a1a;background:#fff}',
  'table{border-collapse:collapse;width:100%;margin:1rem 0}',
  'caption{text-align:left;font-weight:600;padding:.25rem 0}',
  'th,td{border:1px solid #999;padding:.4rem;text-align:left;vertical-align:top}',
  'thead th{background:#eee}',
  'nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}',
  '[aria-current]{font-weight:700}',
  'small{display:block;color:#444}',
  '.notes{font-size:.9rem;color:#444}',
  'dt{font-weight:600;margin-top:.5rem}',
].join('')

/** Markup from `html`: every interpolated string is escaped, and only markup written here is not. */
type Markup = ReturnType<typeof html>

const NAMED_REFERENCES: Record<string, string> = { '&amp;': '&#38;', '&lt;': '&#60;', '&gt;': '&#62;', '&quot;': '&#34;' }

/**
 * The finished page as text. Hono escapes with named references; the published pages have always
 * used numeric ones (`&#38;`), which mean the same characters, so their bytes and ETags stay put.
 */
function toText(markup: Markup): string {
  if (markup instanceof Promise) throw new Error('a page renders synchronously')
  return markup.toString().replace(/&(?:amp|lt|gt|quot);/g, (reference) => NAMED_REFERENCES[reference]!)
}

/** A text as the pages write it, escaped. */
export function escapeHtml(text: string): string {
  return toText(html`${text}`)
}

// Building an Intl.DateTimeFormat costs far more than using one, and a release renders thousands of pages.
const DATE_FORMATS = new Map<Language, Intl.DateTimeFormat>()

function formatDate(iso: string, lang: Language): string {
  let format = DATE_FORMATS.get(lang)
  if (!format) DATE_FORMATS.set(lang, (format = new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone: 'UTC' })))
  return format.format(new Date(iso))
}

const paragraphs = (texts: string[]) => texts.map((text) => html`<p>${text}</p>`)
const joined = (parts: Markup[], separator: Markup) => parts.flatMap((part, i) => (i ? [separator, part] : [part]))

function navLink(link: PageLink, extra: Markup = html``): Markup {
  const current = link.current ? html` aria-current="page"` : ''
  const lang = link.lang ? html` hreflang="${link.lang}" lang="${link.lang}"` : ''
  const type = link.type ? html` type="${link.type}"` : ''
  return html`<li><a href="${link.href}"${current}${lang}${type}${extra}>${link.text}</a></li>`
}

function nav(label: string, items: Markup[]): Markup {
  return html`<nav aria-label="${label}"><p>${label}:</p><ul>${items}</ul></nav>`
}

/** The parts every page shares: the head with its alternates, and navigation to other languages and formats. */
function page(model: ListPage | EntryPage, title: string, header: Markup[], main: Markup[]): string {
  const { lang, labels } = model
  const alternates = model.alternates.map((link) => html`<link rel="alternate" type="${link.type}" hreflang="${link.hreflang}" href="${link.href}">`)
  const formats = model.formats.map((link) => navLink(link, link.type === 'text/csv' ? html` download` : html``))
  return toText(html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
${joined(alternates, html`\n`)}
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
${joined(header, html`\n`)}
${nav(labels.languagesNav, model.languages.map((link) => navLink(link)))}
${nav(labels.formatsNav, formats)}
</header>
<main>
${joined(main, html`\n`)}
</main>
</body>
</html>
`)
}

function dates(model: ListPage | EntryPage): Markup {
  const { lang, labels, edition } = model
  return html`${labels.lastUpdated}: <time datetime="${edition.lastUpdated}">${formatDate(edition.lastUpdated, lang)}</time>. ${labels.version(edition.version, formatDate(edition.publishedAt, lang))}`
}

function entryCells(model: ListPage | EntryPage, entry: PageEntry) {
  const { labels } = model
  const br = html`<br>`
  return {
    name: entry.name === null ? html`<em>${labels.notNamed}</em>` : html`${entry.name}`,
    extras: entry.extras.map((extra) => html`<small>${extra}</small>`),
    purpose: html`${entry.purpose}${entry.customers ? html`<small>${labels.customers}: ${entry.customers}</small>` : ''}`,
    location: entry.location
      ? html`${entry.location.text}${entry.location.codes.length ? html` <small>${entry.location.codes.join(', ')}</small>` : ''}`
      : html`<em>${labels.notStated}</em>`,
    regions: html`${entry.regions}`,
    assurances: joined(entry.assurances.map((text) => html`${text}`), br),
    notes: joined(entry.notes.map((text) => html`${text}`), br),
  }
}

/** The whole list as one accessible page: no scripts, no external assets, every value escaped. */
export function renderListHtml(model: ListPage): string {
  const { labels, company, policy, region } = model

  const tables = model.categories.map((category) => {
    const rows = category.entries.map((entry) => {
      const cells = entryCells(model, entry)
      return html`<tr id="${entry.id}"><th scope="row"><a href="${entry.href}">${cells.name}</a>${cells.extras}</th><td>${cells.purpose}</td><td>${cells.location}</td><td>${cells.regions}</td><td>${cells.assurances}</td><td class="notes">${cells.notes}</td></tr>`
    })
    const headings = [labels.entity, labels.purpose, labels.location, labels.regions, labels.assurances, labels.notes]
    const table = rows.length
      ? html`<table>
<caption>${category.heading}: ${region.name}</caption>
<thead><tr>${headings.map((th) => html`<th scope="col">${th}</th>`)}</tr></thead>
<tbody>
${joined(rows, html`\n`)}
</tbody>
</table>`
      : html`<p>${labels.noneInRegion}</p>`
    return html`<section aria-labelledby="${category.id}">
<h2 id="${category.id}">${category.heading}</h2>
${joined(paragraphs(category.paragraphs), html`\n`)}
${table}
</section>`
  })

  const sections = policy.sections.map(
    (section) => html`<section aria-labelledby="${section.id}">
<h2 id="${section.id}">${section.heading}</h2>
${joined(paragraphs(section.paragraphs), html`\n`)}
${section.items.length ? html`<ul>\n${joined(section.items.map((item) => html`<li>${item}</li>`), html`\n`)}\n</ul>` : ''}
</section>`,
  )

  const email = html`<a href="mailto:${company.dpaContactEmail}">${company.dpaContactEmail}</a>`

  return page(
    model,
    `${company.service}: ${labels.title} (${region.name})`,
    [
      html`<p>${company.name} · ${company.service}</p>`,
      html`<h1>${company.service}: ${labels.title}</h1>`,
      html`<p>${labels.region}: <strong>${region.name}</strong>. ${dates(model)}</p>`,
      nav(labels.regionsNav, model.regions.map((link) => navLink(link))),
    ],
    [
      html`<section aria-label="${company.service}">\n${joined(paragraphs(policy.introduction), html`\n`)}\n</section>`,
      ...sections,
      html`<section>\n${joined(paragraphs(policy.disclaimer), html`\n`)}\n<p>${joined(policy.dpaContact.map((text) => html`${text}`), email)}</p>\n</section>`,
      ...tables,
      html`<section aria-labelledby="about-this-list">
<h2 id="about-this-list">${labels.sourceNotes}</h2>
<ul class="notes">
${joined(model.notes.map((note) => html`<li>${note}</li>`), html`\n`)}
</ul>
</section>`,
    ],
  )
}

/** One sub-processor on its own page, with a link back to the list. */
export function renderEntryHtml(model: EntryPage): string {
  const { labels, company, entry } = model
  const cells = entryCells(model, entry)
  const field = (term: string, value: Markup | Markup[]) => html`<dt>${term}</dt><dd>${value}</dd>`
  const fields = [
    field(labels.id, html`${entry.id}`),
    field(labels.category, html`${entry.categoryLabel}${cells.extras}`),
    field(labels.purpose, cells.purpose),
    field(labels.location, cells.location),
    field(labels.regions, cells.regions),
    ...(entry.assurances.length ? [field(labels.assurances, cells.assurances)] : []),
    ...(entry.notes.length ? [field(labels.notes, cells.notes)] : []),
  ]
  return page(
    model,
    `${company.service}: ${entry.name ?? labels.notNamed} (${labels.title})`,
    [
      html`<p>${company.name} · ${company.service} · <a href="${model.listHref}">${labels.allSubprocessors}</a></p>`,
      html`<h1>${cells.name}</h1>`,
      html`<p>${dates(model)}</p>`,
    ],
    [html`<dl>`, ...fields, html`</dl>`],
  )
}
