import { html, raw } from 'hono/html'
import type { EntryPage, ListPage, PageChange, PageEntry, PageLink } from './model'
import { formatDate } from './dates'
import { lines, type Markup, pageShell } from './page'
import type { Language } from '../input/schema'

// The pages' only styling, inline so that a page needs no other request; each style's hash goes
// into the CSP. Entry pages, thousands of them, carry only what they use.
const BASE_STYLE = [
  ':root{color-scheme:light dark;--fg:#1a1a1a;--bg:#fff;--muted:#4a4a4a;--line:#8a8a8a;--head:#eef0f3;--link:#0b57d0;--focus:#b3261e;--mark:#fff3c4}',
  '@media (prefers-color-scheme:dark){:root{--fg:#eaeaea;--bg:#14161a;--muted:#c4c4c4;--line:#6b6f76;--head:#262a31;--link:#9ec1ff;--focus:#ffb4a9;--mark:#3d3400}}',
  '*{box-sizing:border-box}',
  'body{font:16px/1.5 system-ui,sans-serif;max-width:75rem;margin:0 auto;padding:1rem;color:var(--fg);background:var(--bg);overflow-wrap:break-word}',
  'a{color:var(--link)}',
  ':focus-visible{outline:3px solid var(--focus);outline-offset:2px}',
  '.skip{position:absolute;left:-999rem}.skip:focus{position:static}',
  // A long word (Unterauftragsverarbeiter) fits a 320 px line whole: the heading shrinks with the screen, and hyphenates where it must.
  'h1{margin:.25rem 0;font-size:clamp(1.125rem,5.5vw,2rem);hyphens:auto}header p{margin:.25rem 0}',
  '.facts{display:flex;flex-wrap:wrap;gap:.25rem 1.5rem;margin:.5rem 0}.facts div{display:flex;gap:.4rem}dt{font-weight:600}.facts dd{margin:0}',
  'nav p{margin:.5rem 0 0;font-weight:600}',
  'nav ul{list-style:none;padding:0;margin:.25rem 0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}',
  '[aria-current]{font-weight:700;color:var(--fg);text-decoration:none}',
  'small{display:block;color:var(--muted)}',
  'code{white-space:nowrap}',
  '@media print{:root{--fg:#000;--bg:#fff;--muted:#333;--line:#666;--head:#eee;--link:#000}body{font-size:10pt;max-width:none;padding:0}.skip,nav,[role=search]{display:none!important}a{text-decoration:none}li,.facts{break-inside:avoid}h2,h3{break-after:avoid}}',
]

/**
 * The list page adds its tables: one card per row on narrow screens (WCAG 1.4.10: no sideways
 * scrolling at 320 px), and in print a table head on every page and no row split across pages.
 */
const LIST_STYLE = [
  '#main>nav ol{display:flex;flex-wrap:wrap;gap:.25rem 1.5rem;list-style:none;padding:0}',
  'table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}',
  'caption{text-align:left;font-weight:600;padding:.25rem 0}',
  'th,td{border:1px solid var(--line);padding:.4rem;text-align:left;vertical-align:top}',
  'thead th{background:var(--head)}',
  'td a[href^="#"]{white-space:nowrap}',
  '.refs{list-style:none;padding:0}.refs li{margin:.5rem 0}',
  '.upcoming{background:var(--mark);border-left:4px solid var(--focus);padding:.25rem 1rem}',
  'input{font:inherit;padding:.3rem;width:min(100%,24rem);color:inherit;background:var(--bg);border:1px solid var(--line)}',
  '[hidden]{display:none!important}',
  // A command or a key is long and has no spaces: it wraps anywhere rather than widen the page at 320 px.
  'pre{white-space:pre-wrap;overflow-wrap:anywhere}pre code,.key code{white-space:inherit;overflow-wrap:anywhere}',
  '@media screen and (max-width:40rem){table,tbody,tr,th,td{display:block}thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}tr{border:1px solid var(--line);margin:0 0 .75rem}th,td{border:0;border-top:1px solid var(--line)}tr>:first-child{border:0}caption{display:block}td:empty{display:none}td::before{content:attr(data-label);display:block;font-weight:600;font-size:.875rem;color:var(--muted)}}',
  '@media print{thead{display:table-header-group}tr{break-inside:avoid}}',
]

export const LIST_PAGE_STYLE = [...BASE_STYLE, ...LIST_STYLE].join('')
export const ENTRY_PAGE_STYLE = BASE_STYLE.join('')

/**
 * The list page's filter, added only when script runs: the page is complete without it. It
 * matches names, purposes and countries, and keeps the filter in the fragment (#q=…) so that a
 * filtered view can be shared. Its hash goes into the CSP; it reads its words from the page.
 */
export const PAGE_SCRIPT = [
  "const box=document.getElementById('filter'),input=box.querySelector('input'),status=box.querySelector('[role=status]')",
  "const rows=[...document.querySelectorAll('tbody tr')],texts=rows.map((row)=>[...row.cells].slice(0,3).map((cell)=>cell.textContent).join(' ').toLocaleLowerCase())",
  "const fromHash=()=>{try{return decodeURIComponent((/^#q=(.*)$/.exec(location.hash)||[])[1]||'')}catch{return''}}",
  'function apply(query){const words=query.toLocaleLowerCase().split(/\\s+/).filter(Boolean);let shown=0',
  'for(const [i,row] of rows.entries()){row.hidden=!words.every((word)=>texts[i].includes(word));if(!row.hidden)shown++}',
  "status.textContent=words.length?status.dataset.template.replace('{shown}',shown).replace('{total}',rows.length):''}",
  "input.addEventListener('input',()=>{history.replaceState(null,'',input.value?'#q='+encodeURIComponent(input.value):location.pathname+location.search);apply(input.value)})",
  "addEventListener('hashchange',()=>{input.value=fromHash();apply(input.value)})",
  'input.value=fromHash();apply(input.value);box.hidden=false',
  "const address=document.getElementById('address');address.textContent=address.href",
].join('\n')

// Written here, not taken from data: with the styles, the only text the pages carry unescaped, byte for byte as hashed into the CSP.
const SCRIPT = raw(PAGE_SCRIPT)

const time = (iso: string, lang: Language) => html`<time datetime="${iso.slice(0, 10)}">${formatDate(iso, lang)}</time>`

/** A label with its blanks filled: text is escaped, markup (a link, a date) is kept. */
function fill(template: string, values: Record<string, string | number | Markup>): Markup {
  return html`${template.split(/\{(\w+)\}/).map((part, i) => (i % 2 ? values[part] : part))}`
}

const paragraphs = (texts: string[]) => lines(texts.map((text) => html`<p>${text}</p>`))
const commas = (parts: Markup[]) => parts.flatMap((part, i) => (i ? [html`, `, part] : [part]))

function navLink(link: PageLink): Markup {
  const current = link.current ? html` aria-current="page"` : ''
  const lang = link.lang ? html` hreflang="${link.lang}" lang="${link.lang}"` : ''
  const type = link.type ? html` type="${link.type}"` : ''
  const download = link.type === 'text/csv' ? html` download` : ''
  return html`<li><a href="${link.href}"${current}${lang}${type}${download}>${link.text}</a></li>`
}

function nav(label: string, links: PageLink[], extra: Markup[] = []): Markup {
  return html`<nav aria-label="${label}"><p>${label}:</p><ul>${links.map(navLink)}${extra}</ul></nav>`
}

function fact(term: string, value: string | number | Markup): Markup {
  return html`<div><dt>${term}</dt><dd>${value}</dd></div>`
}

/** What every page shares: the head with its alternates, the header with its switchers, the footer with its address. */
function page(
  model: ListPage | EntryPage,
  parts: { title: string; header: Markup[]; facts: Markup[]; navs: Markup[]; main: Markup[]; script?: boolean },
): string {
  const { lang, labels, edition } = model
  const feeds = 'feeds' in model ? model.feeds : []
  const alternates = [...model.alternates, ...feeds.map((feed) => ({ ...feed, hreflang: lang }))].map(
    (link) => html`<link rel="alternate" type="${link.type}" hreflang="${link.hreflang}" href="${link.href}">`,
  )
  return pageShell({
    lang,
    title: parts.title,
    head: lines(alternates),
    style: 'entry' in model ? ENTRY_PAGE_STYLE : LIST_PAGE_STYLE,
    body: html`<a class="skip" href="#main">${labels.skipToMain}</a>
<header>
${lines(parts.header)}
${model.translationNotice ? html`<p>${model.translationNotice}</p>` : ''}
<dl class="facts">
${lines([
  ...parts.facts,
  fact(labels.lastUpdated, time(edition.lastUpdated, lang)),
  fact(labels.version, html`${edition.version}, ${fill(labels.published, { date: time(edition.publishedAt, lang) })}`),
])}
</dl>
${lines(parts.navs)}
</header>
<main id="main">
${lines(parts.main)}
</main>
<footer>
<p>${labels.pageAddress}: <a id="address" href="${model.href}">${model.href}</a></p>
</footer>
${parts.script ? html`<script type="module">${SCRIPT}</script>\n` : ''}`,
  })
}

function nameOf(model: ListPage | EntryPage, entry: PageEntry): Markup {
  // Isolated: a name's own direction never spills into the text around it (Unicode bidi, <bdi>).
  return entry.name === null ? html`<em>${model.labels.notNamed}</em>` : html`<bdi>${entry.name}</bdi>`
}

function entryCells(model: ListPage | EntryPage, entry: PageEntry) {
  const { labels } = model
  return {
    extras: entry.extras.map((extra) => html`<small>${extra}</small>`),
    purpose: html`${entry.purpose}${entry.customers ? html`<small>${labels.customers}: ${entry.customers}</small>` : ''}`,
    location: entry.location
      ? html`${entry.location.text}${entry.location.places.length ? html`<small>${entry.location.places.join(', ')}</small>` : ''}`
      : html`<em>${labels.notStated}</em>`,
  }
}

function changeItem(model: ListPage, change: PageChange, upcoming: boolean): Markup {
  const { labels, lang } = model
  const dates = upcoming
    ? [
        fill(labels.announced, { date: time(change.announcedAt, lang) }),
        fill(labels.effective, { date: time(change.effectiveAt, lang) }),
        ...(change.objectionDeadline
          ? [html`<strong>${fill(labels.objectionDeadline, { date: time(change.objectionDeadline, lang) })}</strong>`]
          : []),
        ...(change.shortNoticeReason ? [fill(labels.shortNotice, { reason: change.shortNoticeReason })] : []),
        // The id a signed objection names.
        ...(change.objectionDeadline && model.signedObjections ? [html`<code>${change.changeId}</code>`] : []),
      ]
    : [fill(labels.effective, { date: time(change.effectiveAt, lang) })]
  // A name that ends its own sentence ("Acme, Inc.") takes no second full stop.
  const stop = /[.!?]$/.test(change.name) ? '' : '.'
  return html`<li><strong>${labels.changeTypes[change.type]}: <bdi>${change.name}</bdi></strong>${stop} ${change.summary}<small>${dates.flatMap((date, i) => (i ? [html` · `, date] : [date]))}</small></li>`
}

function changeSections(model: ListPage): Markup[] {
  const { labels, company, changes } = model
  const email = html`<a href="mailto:${company.dpaContactEmail}">${company.dpaContactEmail}</a>`
  const sections: Markup[] = []
  if (changes.upcoming.length) {
    sections.push(html`<section class="upcoming" aria-labelledby="upcoming-changes">
<h2 id="upcoming-changes">${labels.upcomingChanges}</h2>
<p>${fill(labels.howToObject, { email })}${model.signedObjections ? html` ${fill(labels.howToObjectSigned, { command: html`<code>subprocessor-watch object</code>` })}` : ''}</p>
<ul>
${lines(changes.upcoming.map((change) => changeItem(model, change, true)))}
</ul>
</section>`)
  }
  if (changes.recent.length) {
    sections.push(html`<section aria-labelledby="recent-changes">
<h2 id="recent-changes">${labels.recentChanges}</h2>
<ul>
${lines(changes.recent.map((change) => changeItem(model, change, false)))}
</ul>
</section>`)
  }
  return sections
}

/** Whether the list is in force or scheduled, and until when it holds. */
function stateLine(model: ListPage): Markup {
  const { labels, lang, state } = model
  if (state.scheduled)
    return html`<p class="upcoming"><strong>${fill(labels.scheduledState, { date: time(state.from, lang) })}</strong></p>`
  return html`<p>${state.until ? fill(labels.inForceUntil, { from: time(state.from, lang), until: time(state.until, lang) }) : fill(labels.inForceFrom, { date: time(state.from, lang) })}</p>`
}

/** The whole list as one accessible page: the tables first, then what they refer to, then the policy. */
export function renderListHtml(model: ListPage): string {
  const { labels, company, policy, region } = model
  const columns = [labels.purpose, labels.location, labels.regions, labels.assurances, labels.notes]

  const tables = model.categories.map((category) => {
    const rows = category.entries.map((entry) => {
      const cells = entryCells(model, entry)
      const [purpose, location, regions, assurances, notes] = columns
      const refs = (items: { number: number }[], prefix: string, label: string) =>
        commas(
          items.map((item) => html`<a href="#${prefix}-${item.number}">${fill(label, { number: item.number })}</a>`),
        )
      return html`<tr id="${entry.id}"><th scope="row"><a href="${entry.href}">${nameOf(model, entry)}</a><small><code>${entry.id}</code></small>${cells.extras}</th><td data-label="${purpose}">${cells.purpose}</td><td data-label="${location}">${cells.location}</td><td data-label="${regions}">${entry.regions}</td><td data-label="${assurances}">${refs(entry.assurances, 'assurance', labels.assurance)}</td><td data-label="${notes}">${refs(entry.notes, 'note', labels.note)}</td></tr>`
    })
    const table = rows.length
      ? html`<table>
<caption>${category.heading}: ${region.name}</caption>
<thead><tr><th scope="col">${labels.entity}</th>${columns.map((column) => html`<th scope="col">${column}</th>`)}</tr></thead>
<tbody>
${lines(rows)}
</tbody>
</table>`
      : html`<p>${labels.noneInRegion}</p>`
    return html`<section aria-labelledby="${category.id}">
<h2 id="${category.id}">${category.heading}</h2>
${table}
${paragraphs(category.paragraphs)}
</section>`
  })

  const changes = changeSections(model)
  const shown = (present: boolean, id: string, text: string) => (present ? [{ id, text }] : [])
  const contents = [
    ...shown(model.changes.upcoming.length > 0, 'upcoming-changes', labels.upcomingChanges),
    ...shown(model.changes.recent.length > 0, 'recent-changes', labels.recentChanges),
    ...model.categories.map((category) => ({ id: category.id, text: category.heading })),
    ...shown(model.assurances.length > 0, 'assurances', labels.assurances),
    ...shown(model.notes.length > 0, 'notes', labels.notes),
    { id: 'policy', text: labels.policy },
    { id: 'about-this-list', text: labels.aboutTheList },
  ]

  const sections = policy.sections.map(
    (section) => html`<h3 id="${section.id}">${section.heading}</h3>
${paragraphs(section.paragraphs)}
${section.items.length ? html`<ul>\n${lines(section.items.map((item) => html`<li>${item}</li>`))}\n</ul>` : ''}`,
  )
  const email = html`<a href="mailto:${company.dpaContactEmail}">${company.dpaContactEmail}</a>`
  const feedLinks = model.feeds.map((feed) =>
    navLink({
      href: feed.href,
      type: feed.type,
      current: false,
      text: feed.type === 'application/atom+xml' ? labels.atomFeed : labels.jsonFeed,
    }),
  )

  return page(model, {
    title: `${company.service}: ${labels.title} (${region.name})`,
    header: [
      html`<p>${company.name} · ${company.service}</p>`,
      html`<h1>${company.service}: ${labels.title}</h1>`,
      stateLine(model),
    ],
    facts: [fact(labels.region, html`<strong>${region.name}</strong>`), fact(labels.inForce, model.inForce)],
    navs: [
      nav(labels.regionsNav, model.regions),
      nav(labels.languagesNav, model.languages),
      nav(labels.formatsNav, model.formats, feedLinks),
    ],
    main: [
      html`<nav aria-labelledby="contents"><h2 id="contents">${labels.contents}</h2><ol>${contents.map(({ id, text }) => html`<li><a href="#${id}">${text}</a></li>`)}</ol></nav>`,
      html`<div id="filter" role="search" hidden><label for="filter-input">${labels.filter}</label><br><input id="filter-input" type="search" autocomplete="off"><p role="status" data-template="${labels.filterStatus}"></p></div>`,
      ...changes,
      ...tables,
      ...(model.assurances.length
        ? [
            html`<section aria-labelledby="assurances">
<h2 id="assurances">${labels.assurances}</h2>
<ol class="refs">
${lines(model.assurances.map((assurance) => html`<li id="assurance-${assurance.number}"><strong>${fill(labels.assurance, { number: assurance.number })}.</strong> ${assurance.text}${assurance.standards.length ? html`<small>${fill(labels.meetsOneOf, { standards: assurance.standards.join(', ') })}</small>` : ''}</li>`))}
</ol>
</section>`,
          ]
        : []),
      ...(model.notes.length
        ? [
            html`<section aria-labelledby="notes">
<h2 id="notes">${labels.notes}</h2>
<ol class="refs">
${lines(model.notes.map((note) => html`<li id="note-${note.number}"><strong>${fill(labels.note, { number: note.number })}.</strong> ${note.text}</li>`))}
</ol>
</section>`,
          ]
        : []),
      html`<section aria-labelledby="policy">
<h2 id="policy">${labels.policy}</h2>
${paragraphs(policy.introduction)}
${lines(sections)}
${paragraphs(policy.disclaimer)}
<p>${policy.dpaContact.flatMap((text, i) => (i ? [email, text] : [text]))}</p>
</section>`,
      html`<section aria-labelledby="about-this-list">
<h2 id="about-this-list">${labels.aboutTheList}</h2>
<ul>
${lines(model.aboutTheList.map((note) => html`<li>${note}</li>`))}
</ul>
</section>`,
    ],
    script: true,
  })
}

/** One sub-processor on its own page, with a link back to the list. */
export function renderEntryHtml(model: EntryPage): string {
  const { labels, company, entry } = model
  const cells = entryCells(model, entry)
  const field = (term: string, value: Markup | Markup[]) => html`<dt>${term}</dt><dd>${value}</dd>`
  const fields = [
    field(labels.id, html`<code>${entry.id}</code>`),
    field(labels.category, html`${entry.categoryLabel}${cells.extras}`),
    field(labels.purpose, cells.purpose),
    field(labels.location, cells.location),
    field(labels.regions, html`${entry.regions}`),
    ...(entry.assurances.length
      ? [
          field(
            labels.assurances,
            entry.assurances.map(
              (assurance) =>
                html`<p>${assurance.text}${assurance.standards.length ? html`<small>${fill(labels.meetsOneOf, { standards: assurance.standards.join(', ') })}</small>` : ''}</p>`,
            ),
          ),
        ]
      : []),
    ...(entry.notes.length
      ? [
          field(
            labels.notes,
            entry.notes.map((note) => html`<p>${note.text}</p>`),
          ),
        ]
      : []),
  ]
  return page(model, {
    title: `${company.service}: ${entry.name ?? labels.notNamed} (${labels.title})`,
    header: [
      html`<p>${company.name} · ${company.service} · <a href="${model.listHref}">${labels.allSubprocessors}</a></p>`,
      html`<h1>${nameOf(model, entry)}</h1>`,
    ],
    facts: [],
    navs: [nav(labels.languagesNav, model.languages), nav(labels.formatsNav, model.formats)],
    main: [html`<dl>\n${lines(fields)}\n</dl>`],
  })
}
