import { FORMATS, type ListView, listUrl, MEDIA_TYPES } from '../domain/representation'
import { LABELS } from './labels'
import { listRegions, regionName } from './model'
import type { Language, Localized, RegistryData, SubprocessorListDocument } from './schema'

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
].join('')

/** Escapes text for HTML content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

const h = escapeHtml

function formatDate(iso: string, lang: Language): string {
  return new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(iso))
}

function paragraphs(texts: Localized[], lang: Language): string {
  return texts.map((text) => `<p>${h(text[lang])}</p>`).join('\n')
}

/** The whole list as one accessible page: no scripts, no external assets, every value escaped. */
export function renderListHtml(data: RegistryData, doc: SubprocessorListDocument): string {
  const lang = doc.language
  const l = LABELS[lang]
  const view = { region: doc.region.id, lang }
  const { policy, categories, company } = data.registry
  const languages = Object.keys(LABELS) as Language[]

  const alternates = [
    ...FORMATS.filter((format) => format !== 'html').map(
      (format) => `<link rel="alternate" type="${MEDIA_TYPES[format]}" hreflang="${lang}" href="${h(listUrl({ ...view, format }))}">`,
    ),
    ...languages
      .filter((other) => other !== lang)
      .map((other) => `<link rel="alternate" type="text/html" hreflang="${other}" href="${h(listUrl({ ...view, lang: other, format: 'html' }))}">`),
  ]

  const link = (target: ListView, text: string, current: boolean, attrs = '') =>
    `<li><a href="${h(listUrl(target))}"${current ? ' aria-current="page"' : ''}${attrs}>${h(text)}</a></li>`

  const regionNav = listRegions(data)
    .map((region) => link({ region, lang, format: 'html' }, regionName(data, region, lang), region === doc.region.id))
    .join('')
  const languageNav = languages
    .map((other) => link({ ...view, lang: other, format: 'html' }, LABELS[other].languageName, other === lang, ` hreflang="${other}" lang="${other}"`))
    .join('')
  const formatNav = [
    link({ ...view, format: 'json' }, l.jsonLink, false, ' type="application/json"'),
    link({ ...view, format: 'csv' }, l.csvLink, false, ' type="text/csv" download'),
  ].join('')

  const regionNames = (ids: string[]) => ids.map((id) => regionName(data, id, lang)).join(', ')

  const tables = (Object.keys(categories) as (keyof typeof categories)[])
    .map((category) => {
      const section = categories[category]
      const rows = doc.subprocessors.filter((entry) => entry.category === category)
      const body = rows
        .map((entry) => {
          const name = entry.name === null ? `<em>${h(l.notNamed)}</em>` : h(entry.name)
          const extras = [
            ...entry.roles.map((role) => l.role[role]),
            ...entry.alsoWrittenAs.map((alias) => `${l.alsoWrittenAs}: ${alias}`),
            ...(entry.product ? [`${l.product}: ${entry.product}`] : []),
          ]
          const location = entry.location
            ? `${h(entry.location.text)}${entry.location.countries.length ? ` <small>${h([...entry.location.countries, ...entry.location.subdivisions].join(', '))}</small>` : ''}`
            : `<em>${h(l.notStated)}</em>`
          return [
            `<tr id="${h(entry.id)}">`,
            `<th scope="row">${name}${extras.map((extra) => `<small>${h(extra)}</small>`).join('')}</th>`,
            `<td>${h(entry.purpose)}${entry.customers ? `<small>${h(l.customers)}: ${h(entry.customers)}</small>` : ''}</td>`,
            `<td>${location}</td>`,
            `<td>${h(regionNames(entry.regions))}</td>`,
            `<td>${entry.assurances.map((assurance) => h(assurance.text)).join('<br>')}</td>`,
            `<td class="notes">${entry.notes.map((note) => h(note.text)).join('<br>')}</td>`,
            '</tr>',
          ].join('')
        })
        .join('\n')
      const table = rows.length
        ? [
            `<table>`,
            `<caption>${h(section.heading[lang])}: ${h(doc.region.name)}</caption>`,
            `<thead><tr>${[l.entity, l.purpose, l.location, l.regions, l.assurances, l.notes].map((th) => `<th scope="col">${h(th)}</th>`).join('')}</tr></thead>`,
            `<tbody>\n${body}\n</tbody>`,
            `</table>`,
          ].join('\n')
        : `<p>${h(l.noneInRegion)}</p>`
      return [
        `<section aria-labelledby="${category}">`,
        `<h2 id="${category}">${h(section.heading[lang])}</h2>`,
        paragraphs(section.paragraphs, lang),
        table,
        `</section>`,
      ].join('\n')
    })
    .join('\n')

  const policySection = (id: string, section: { heading: Localized; paragraphs: Localized[] }, extra = '') =>
    [`<section aria-labelledby="${id}">`, `<h2 id="${id}">${h(section.heading[lang])}</h2>`, paragraphs(section.paragraphs, lang), extra, `</section>`].join('\n')

  const dpaContact = h(policy.dpaContact[lang]).replace(
    h(company.dpaContactEmail),
    `<a href="mailto:${h(company.dpaContactEmail)}">${h(company.dpaContactEmail)}</a>`,
  )

  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(company.service)}: ${h(l.title)} (${h(doc.region.name)})</title>
${alternates.join('\n')}
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
<p>${h(company.name)} · ${h(company.service)}</p>
<h1>${h(company.service)}: ${h(l.title)}</h1>
<p>${h(l.region)}: <strong>${h(doc.region.name)}</strong>. ${h(l.lastUpdated)}: <time datetime="${doc.lastUpdated}">${h(formatDate(doc.lastUpdated, lang))}</time>. ${h(l.version(doc.version, formatDate(doc.publishedAt, lang)))}</p>
<nav aria-label="${h(l.regionsNav)}"><p>${h(l.regionsNav)}:</p><ul>${regionNav}</ul></nav>
<nav aria-label="${h(l.languagesNav)}"><p>${h(l.languagesNav)}:</p><ul>${languageNav}</ul></nav>
<nav aria-label="${h(l.formatsNav)}"><p>${h(l.formatsNav)}:</p><ul>${formatNav}</ul></nav>
</header>
<main>
<section aria-label="${h(company.service)}">
${paragraphs(policy.introduction, lang)}
</section>
${policySection('what-is-a-sub-processor', policy.whatIsASubprocessor)}
${policySection('due-diligence', policy.dueDiligence)}
${policySection('contractual-safeguards', policy.contractualSafeguards, `<ul>\n${policy.contractualSafeguards.obligations.map((o) => `<li>${h(o[lang])}</li>`).join('\n')}\n</ul>`)}
<section>
${paragraphs(policy.disclaimer, lang)}
<p>${dpaContact}</p>
</section>
${tables}
<section aria-labelledby="about-this-list">
<h2 id="about-this-list">${h(l.sourceNotes)}</h2>
<ul class="notes">
${doc.notes.map((note) => `<li>${h(note.text)}</li>`).join('\n')}
</ul>
</section>
</main>
</body>
</html>
`
}
