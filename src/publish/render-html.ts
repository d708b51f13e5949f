import { ALL_REGIONS, FORMATS, MEDIA_TYPES, type EntryView, type ListView, viewUrl } from '../domain/representation'
import { CHANGE_LABELS } from './change-labels'
import { formatInstant } from './dates'
import { LABELS } from './labels'
import { listRegions, regionName } from './model'
import type { Language, Localized, RegistryData, SubprocessorDocument, SubprocessorEntryDocument, SubprocessorListDocument } from './schema'

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

/** Escapes text for HTML content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

const h = escapeHtml
const LANGUAGES = Object.keys(LABELS) as Language[]

// Building an Intl.DateTimeFormat costs far more than using one, and a release renders thousands of pages.
const DATE_FORMATS = new Map<Language, Intl.DateTimeFormat>()

function formatDate(iso: string, lang: Language): string {
  let format = DATE_FORMATS.get(lang)
  if (!format) DATE_FORMATS.set(lang, (format = new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone: 'UTC' })))
  return format.format(new Date(iso))
}

function paragraphs(texts: Localized[], lang: Language): string {
  return texts.map((text) => `<p>${h(text[lang])}</p>`).join('\n')
}

function navLink(target: ListView | EntryView, text: string, current: boolean, attrs = ''): string {
  return `<li><a href="${h(viewUrl(target))}"${current ? ' aria-current="page"' : ''}${attrs}>${h(text)}</a></li>`
}

function nav(label: string, items: string[]): string {
  return `<nav aria-label="${h(label)}"><p>${h(label)}:</p><ul>${items.join('')}</ul></nav>`
}

/** The parts every page shares: the head with its alternates, and navigation to other languages and formats. */
function page(view: ListView | EntryView, title: string, header: string[], main: string[], feed?: string): string {
  const lang = view.lang as Language
  const l = LABELS[lang]
  const alternates = [
    ...(feed ? [`<link rel="alternate" type="application/atom+xml" href="${h(feed)}">`] : []),
    ...FORMATS.filter((format) => format !== 'html').map(
      (format) => `<link rel="alternate" type="${MEDIA_TYPES[format]}" hreflang="${lang}" href="${h(viewUrl({ ...view, format }))}">`,
    ),
    ...LANGUAGES.filter((other) => other !== lang).map(
      (other) => `<link rel="alternate" type="text/html" hreflang="${other}" href="${h(viewUrl({ ...view, lang: other, format: 'html' }))}">`,
    ),
  ]
  const languages = LANGUAGES.map((other) =>
    navLink({ ...view, lang: other, format: 'html' }, LABELS[other].languageName, other === lang, ` hreflang="${other}" lang="${other}"`),
  )
  const formats = [
    navLink({ ...view, format: 'json' }, l.jsonLink, false, ' type="application/json"'),
    navLink({ ...view, format: 'csv' }, l.csvLink, false, ' type="text/csv" download'),
  ]
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)}</title>
${alternates.join('\n')}
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
${header.join('\n')}
${nav(l.languagesNav, languages)}
${nav(l.formatsNav, formats)}
</header>
<main>
${main.join('\n')}
</main>
</body>
</html>
`
}

function dates(doc: { lastUpdated: string; version: number; publishedAt: string }, lang: Language): string {
  const l = LABELS[lang]
  return `${h(l.lastUpdated)}: <time datetime="${doc.lastUpdated}">${h(formatDate(doc.lastUpdated, lang))}</time>. ${h(l.version(doc.version, formatDate(doc.publishedAt, lang)))}`
}

function entryCells(data: RegistryData, entry: SubprocessorDocument, lang: Language) {
  const l = LABELS[lang]
  const extras = [
    ...entry.roles.map((role) => l.role[role]),
    ...entry.alsoWrittenAs.map((alias) => `${l.alsoWrittenAs}: ${alias}`),
    ...(entry.product ? [`${l.product}: ${entry.product}`] : []),
  ]
  const codes = entry.location ? [...entry.location.countries, ...entry.location.subdivisions] : []
  return {
    name: entry.name === null ? `<em>${h(l.notNamed)}</em>` : h(entry.name),
    extras: extras.map((extra) => `<small>${h(extra)}</small>`).join(''),
    purpose: `${h(entry.purpose)}${entry.customers ? `<small>${h(l.customers)}: ${h(entry.customers)}</small>` : ''}`,
    location: entry.location ? `${h(entry.location.text)}${codes.length ? ` <small>${h(codes.join(', '))}</small>` : ''}` : `<em>${h(l.notStated)}</em>`,
    regions: h(entry.regions.map((id) => regionName(data, id, lang)).join(', ')),
    assurances: entry.assurances.map((assurance) => h(assurance.text)).join('<br>'),
    notes: entry.notes.map((note) => h(note.text)).join('<br>'),
  }
}

/** The whole list as one accessible page: no scripts, no external assets, every value escaped. */
export function renderListHtml(data: RegistryData, doc: SubprocessorListDocument): string {
  const lang = doc.language
  const l = LABELS[lang]
  const view: ListView = { kind: 'list', region: doc.region.id, lang, format: 'html' }
  const { policy, categories, company } = data.registry

  const regions = listRegions(data).map((region) => navLink({ ...view, region }, regionName(data, region, lang), region === doc.region.id))

  const tables = (Object.keys(categories) as (keyof typeof categories)[]).map((category) => {
    const section = categories[category]
    const rows = doc.subprocessors
      .filter((entry) => entry.category === category)
      .map((entry) => {
        const cells = entryCells(data, entry, lang)
        const link = `<a href="${h(viewUrl({ kind: 'entry', id: entry.id, lang, format: 'html' }))}">${cells.name}</a>`
        return `<tr id="${h(entry.id)}"><th scope="row">${link}${cells.extras}</th><td>${cells.purpose}</td><td>${cells.location}</td><td>${cells.regions}</td><td>${cells.assurances}</td><td class="notes">${cells.notes}</td></tr>`
      })
    const table = rows.length
      ? [
          '<table>',
          `<caption>${h(section.heading[lang])}: ${h(doc.region.name)}</caption>`,
          `<thead><tr>${[l.entity, l.purpose, l.location, l.regions, l.assurances, l.notes].map((th) => `<th scope="col">${h(th)}</th>`).join('')}</tr></thead>`,
          `<tbody>\n${rows.join('\n')}\n</tbody>`,
          '</table>',
        ].join('\n')
      : `<p>${h(l.noneInRegion)}</p>`
    return [`<section aria-labelledby="${category}">`, `<h2 id="${category}">${h(section.heading[lang])}</h2>`, paragraphs(section.paragraphs, lang), table, '</section>'].join('\n')
  })

  const policySection = (id: string, section: { heading: Localized; paragraphs: Localized[] }, extra = '') =>
    [`<section aria-labelledby="${id}">`, `<h2 id="${id}">${h(section.heading[lang])}</h2>`, paragraphs(section.paragraphs, lang), extra, '</section>'].join('\n')

  const dpaContact = h(policy.dpaContact[lang]).replace(
    h(company.dpaContactEmail),
    `<a href="mailto:${h(company.dpaContactEmail)}">${h(company.dpaContactEmail)}</a>`,
  )

  const c = CHANGE_LABELS[lang]
  const state = doc.state === 'scheduled' ? c.scheduledState(formatInstant(doc.inForce.from, lang)) : c.inForceState(formatInstant(doc.inForce.from, lang), doc.inForce.until && formatInstant(doc.inForce.until, lang))
  const upcoming = doc.upcoming.length
    ? [
        '<section aria-labelledby="upcoming">',
        `<h2 id="upcoming">${h(c.upcomingTitle)}</h2>`,
        `<ul>\n${doc.upcoming
          .map((change) => {
            const object = change.objectionDeadline ? ` ${h(c.howToObject(doc.notice.objectionsTo, formatInstant(change.objectionDeadline, lang)))}` : ''
            const shortNotice = change.shortNotice ? ` ${h(c.shortNotice[change.shortNotice.kind])}: ${h(change.shortNotice.reason)}` : ''
            return `<li><strong>${h(change.summary)}</strong>.${object}${shortNotice}</li>`
          })
          .join('\n')}\n</ul>`,
        '</section>',
      ]
    : []
  return page(
    view,
    `${company.service}: ${l.title} (${doc.region.name})`,
    [
      `<p>${h(company.name)} · ${h(company.service)}</p>`,
      `<h1>${h(company.service)}: ${h(l.title)}</h1>`,
      `<p>${h(l.region)}: <strong>${h(doc.region.name)}</strong>. ${dates(doc, lang)}</p>`,
      `<p>${h(state)}</p>`,
      nav(l.regionsNav, regions),
    ],
    [
      ...upcoming,
      `<section aria-label="${h(company.service)}">\n${paragraphs(policy.introduction, lang)}\n</section>`,
      policySection('what-is-a-sub-processor', policy.whatIsASubprocessor),
      policySection('due-diligence', policy.dueDiligence),
      policySection(
        'contractual-safeguards',
        policy.contractualSafeguards,
        `<ul>\n${policy.contractualSafeguards.obligations.map((o) => `<li>${h(o[lang])}</li>`).join('\n')}\n</ul>`,
      ),
      `<section>\n${paragraphs(policy.disclaimer, lang)}\n<p>${dpaContact}</p>\n</section>`,
      ...tables,
      '<section aria-labelledby="about-this-list">',
      `<h2 id="about-this-list">${h(l.sourceNotes)}</h2>`,
      `<ul class="notes">\n${doc.notes.map((note) => `<li>${h(note.text)}</li>`).join('\n')}\n</ul>`,
      '</section>',
    ],
    doc.links.atom,
  )
}

/** One sub-processor on its own page, with a link back to the list. */
export function renderEntryHtml(data: RegistryData, doc: SubprocessorEntryDocument): string {
  const lang = doc.language
  const l = LABELS[lang]
  const { company } = data.registry
  const cells = entryCells(data, doc, lang)
  const plainName = doc.name ?? l.notNamed
  const field = (term: string, value: string) => (value ? `<dt>${h(term)}</dt><dd>${value}</dd>` : '')
  return page(
    { kind: 'entry', id: doc.id, lang, format: 'html' },
    `${company.service}: ${plainName} (${l.title})`,
    [
      `<p>${h(company.name)} · ${h(company.service)} · <a href="${h(viewUrl({ kind: 'list', region: ALL_REGIONS, lang, format: 'html' }))}">${h(l.allSubprocessors)}</a></p>`,
      `<h1>${cells.name}</h1>`,
      `<p>${dates(doc, lang)}</p>`,
    ],
    [
      '<dl>',
      field(l.id, h(doc.id)),
      field(l.category, h(doc.categoryLabel) + cells.extras),
      field(l.purpose, cells.purpose),
      field(l.location, cells.location),
      field(l.regions, cells.regions),
      field(l.assurances, cells.assurances),
      field(l.notes, cells.notes),
      '</dl>',
    ],
  )
}
