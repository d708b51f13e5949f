// The page's change-log sections, rendered from a hand-made page model: names that need escaping,
// a short-notice reason, and both sections at once.
import { describe, expect, it } from 'vitest'
import { type PageChanges, toListDocument, toListPage } from '../src/publish/render/model'
import { renderListHtml } from '../src/publish/render/html'
import { fixtureData } from './helpers'

const data = fixtureData()
const stamp = { version: 7, publishedAt: '2026-11-20T10:00:00.000Z' }
const state = {
  entries: data.subprocessors.subprocessors,
  changes: [],
  from: Date.parse(stamp.publishedAt),
  until: null,
  scheduled: false,
}
const CHANGES: PageChanges = {
  upcoming: [
    {
      type: 'added',
      id: 'acme-mail',
      changeId: 'v2/acme-mail/added/2026-12-20T00:00:00.000Z',
      name: 'Acme <Mail> & Co',
      summary: 'Sends notification e-mails for customers in Europe.',
      announcedAt: '2026-11-20',
      effectiveAt: '2026-12-20',
      objectionDeadline: '2026-12-10',
      shortNoticeReason: 'A security fix that cannot wait.',
    },
  ],
  recent: [
    {
      type: 'removed',
      id: 'openai',
      changeId: 'v1/openai/removed/2026-11-20T00:00:00.000Z',
      name: 'OpenAI',
      summary: 'No longer used for customer service responses.',
      announcedAt: '2026-09-01',
      effectiveAt: '2026-10-01',
      objectionDeadline: '2026-09-21',
    },
  ],
}

function render(lang: string, changes: PageChanges) {
  const doc = toListDocument(data, stamp, { region: 'eu', lang }, state)
  const feeds = [
    { href: '/changes.atom', type: 'application/atom+xml' as const },
    { href: '/changes.json', type: 'application/feed+json' as const },
  ]
  return renderListHtml({ ...toListPage(data, doc, state), changes, feeds })
}

describe('the list page with a change log', () => {
  it('highlights upcoming changes with their effective date, objection deadline and how to object', () => {
    const html = render('en', CHANGES)
    expect(html).toContain(
      [
        '<section class="upcoming" aria-labelledby="upcoming-changes">',
        '<h2 id="upcoming-changes">Upcoming changes</h2>',
        '<p>To object, write to <a href="mailto:andrej@liveagent.com">andrej@liveagent.com</a> before the objection deadline.</p>',
        '<ul>',
        '<li><strong>Added: <bdi>Acme &#60;Mail&#62; &#38; Co</bdi></strong>. Sends notification e-mails for customers in Europe.<small>Announced <time datetime="2026-11-20">November 20, 2026</time> · Effective <time datetime="2026-12-20">December 20, 2026</time> · <strong>Objections by <time datetime="2026-12-10">December 10, 2026</time></strong> · Short notice: A security fix that cannot wait.</small></li>',
        '</ul>',
        '</section>',
      ].join('\n'),
    )
  })

  it('lists recent changes with the date they took effect', () => {
    const html = render('de', CHANGES)
    expect(html).toContain(
      '<h2 id="recent-changes">Letzte Änderungen</h2>\n<ul>\n<li><strong>Entfernt: <bdi>OpenAI</bdi></strong>. No longer used for customer service responses.<small>Wirksam ab <time datetime="2026-10-01">1. Oktober 2026</time></small></li>\n</ul>',
    )
  })

  it('puts both before the tables, in the contents, and links the feeds from the head and the header', () => {
    const html = render('en', CHANGES)
    expect(html.indexOf('id="upcoming-changes"')).toBeLessThan(html.indexOf('id="recent-changes"'))
    expect(html.indexOf('id="recent-changes"')).toBeLessThan(html.indexOf('<table>'))
    expect(html).toContain(
      '<ol><li><a href="#upcoming-changes">Upcoming changes</a></li><li><a href="#recent-changes">Recent changes</a></li><li><a href="#infrastructure">',
    )
    expect(html).toContain('<link rel="alternate" type="application/atom+xml" hreflang="en" href="/changes.atom">')
    expect(html).toContain('<link rel="alternate" type="application/feed+json" hreflang="en" href="/changes.json">')
    expect(html).toContain(
      '<li><a href="/changes.atom" type="application/atom+xml">Changes as an Atom feed</a></li><li><a href="/changes.json" type="application/feed+json">Changes as a JSON Feed</a></li></ul></nav>',
    )
  })

  it('shows no change section while there is no change', () => {
    const html = render('en', { upcoming: [], recent: [] })
    expect(html).not.toMatch(
      /class="upcoming"|id="upcoming-changes"|id="recent-changes"|Upcoming changes|Recent changes/,
    )
  })
})
