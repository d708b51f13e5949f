import { beforeAll, describe, expect, it } from 'vitest'
import { fetchWorker, publish, fixtureData } from './helpers'

beforeAll(() => publish())

describe('JSON', () => {
  it('has the documented shape', async () => {
    const res = await fetchWorker('/subprocessors.json?region=uk&lang=en')
    expect(res.headers.get('Content-Type')).toBe('application/json; charset=utf-8')
    const doc = await res.json<Record<string, unknown>>()
    expect(Object.keys(doc)).toEqual([
      '$schema',
      'format',
      'version',
      'publishedAt',
      'lastUpdated',
      'lastChanged',
      'state',
      'inForce',
      'language',
      'sourceLanguage',
      'region',
      'company',
      'notice',
      'links',
      'subprocessors',
      'upcoming',
      'notes',
    ])
    expect(doc).toMatchObject({
      $schema: '/schema.json',
      format: 'subprocessor-registry/1.0',
      version: 1,
      publishedAt: '2026-11-20T10:00:00.000Z',
      lastUpdated: '2023-10-02',
      lastChanged: '2023-10-02',
      state: 'in-force',
      inForce: { from: '2026-11-20T10:00:00.000Z', until: null },
      language: 'en',
      sourceLanguage: 'lv',
      region: { id: 'uk', name: 'United Kingdom' },
      company: {
        name: 'Quality Unit, s. r. o.',
        service: 'LiveAgent',
        accountDomain: '*.ladesk.com',
        dpaContactEmail: 'andrej@liveagent.com',
      },
      notice: {
        periodDays: 30,
        objectionsTo: 'andrej@liveagent.com',
        note: "The source gives neither a notice period nor a way to object to a new sub-processor. The registry announces changes that need notice 30 days ahead (the registry operator's setting, not a fact from the source), and names the DPA contact the source gives for objections: andrej@liveagent.com.",
      },
      links: {
        html: '/subprocessors.html?region=uk&lang=en',
        json: '/subprocessors.json?region=uk&lang=en',
        csv: '/subprocessors.csv?region=uk&lang=en',
        changes: '/changes.json?region=uk&lang=en',
        atom: '/changes.atom?region=uk&lang=en',
      },
      upcoming: [],
    })
    const entries = doc.subprocessors as Record<string, unknown>[]
    expect(entries.map((entry) => entry.id).slice(0, 2)).toEqual(['linode-eu', 'linode-uk'])
    expect(entries[1]).toEqual({
      id: 'linode-uk',
      name: 'Linode, LLC',
      alsoWrittenAs: [],
      product: null,
      category: 'infrastructure',
      categoryLabel: 'Servers',
      roles: [],
      purpose: 'Storing LiveAgent Service Data',
      customers: null,
      location: { countries: ['GB'], subdivisions: [], text: 'location: United Kingdom' },
      regions: ['eu', 'uk'],
      assurances: [
        {
          id: 'certified-facilities',
          text: 'LiveAgent servers are hosted in facilities that meet Tier III+ or IV, or PCI DSS, SSAE-16 or ISO 27001 requirements. The data centre facilities have redundant power, and each of them has UPS and backup generators.',
          standards: ['Tier III+', 'Tier IV', 'PCI DSS', 'SSAE-16', 'ISO 27001'],
        },
      ],
      notes: [
        {
          field: 'purpose',
          kind: 'derived',
          text: "The source's rows say only “Serveri” (Servers). The purpose “Storing LiveAgent Service Data” is derived from the table's introduction (“…juridiskās personas, kas iesaistītas LiveAgent Pakalpojumu Datu glabāšanā”, the legal entities involved in storing LiveAgent Service Data), not quoted from the row.",
        },
        {
          field: 'regions',
          text: "The source says the systems are in co-location facilities “in the United States and Europe” and that a Customer's data stays in its region, “but it may be moved between data centres within the region” (“taču tos var pārvietot starp datu centriem reģionā”). Linode's data centres in the EU and in the United Kingdom are both data centres of the European region, so this row is listed for both the eu and the uk regions.",
        },
      ],
      href: '/subprocessors/linode-uk.json?lang=en',
    })
  })
})

describe('CSV', () => {
  async function csv(path: string) {
    const res = await fetchWorker(path)
    const bytes = new Uint8Array(await res.arrayBuffer())
    return { res, bytes, text: new TextDecoder('utf-8', { ignoreBOM: true, fatal: true }).decode(bytes) }
  }

  it('is UTF-8 with a BOM, CRLF line ends and a header row', async () => {
    const { res, bytes, text } = await csv('/subprocessors.csv?region=eu&lang=lv')
    expect(res.headers.get('Content-Type')).toBe('text/csv; charset=utf-8; header=present')
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const lines = text.slice(1).split('\r\n')
    expect(lines.at(-1)).toBe('')
    expect(text.replaceAll('\r\n', '').includes('\n')).toBe(false)
    expect(lines[0]).toBe(
      '"ID","Juridiskā persona","Rakstīts arī","Produkts","Kategorija","Loma","Nolūks","Klienti","Apstrādes atrašanās vieta","Valstu kodi","Klientu reģioni","Garantijas","Objektu standarti (atbilst vismaz vienam)","Piezīmes par avotu"',
    )
    expect(lines).toHaveLength(1 + 10 + 1)
    expect(lines[4]).toBe(
      '"websupport-eu","Websupport, s.r.o.","","","Serveri","","LiveAgent Pakalpojumu Datu glabāšana","ES klienti","","","eu","LiveAgent serveri tiek izvietoti III+ vai IV līmeņa vai PCI DSS, SSAE-16 vai ISO 27001 prasībām atbilstošos objektos. Datu centru objekti tiek nodrošināti ar dublētu elektroenerģiju, katrā no tiem ir UPS un rezerves ģeneratori.","Tier III+; Tier IV; PCI DSS; SSAE-16; ISO 27001",' +
        '"Avota rindās rakstīts tikai “Serveri”. Nolūks “LiveAgent Pakalpojumu Datu glabāšana” ir atvasināts no tabulas ievada (“…juridiskās personas, kas iesaistītas LiveAgent Pakalpojumu Datu glabāšanā”), nevis citēts no rindas. Avots nosauc klientu grupu (ES klienti), bet nenorāda apstrādes atrašanās vietu. Avots šai rindai nosauc klientu grupu “ES klienti”. Reģistrs to uzskaita tikai reģionam eu, tieši kā rakstīts, nevis reģionam uk."',
    )
  })

  it('the change log is UTF-8 with a BOM too, so that Excel shows ā, š and ž in its summaries', async () => {
    const { res, bytes, text } = await csv('/changes.csv?region=eu&lang=lv')
    expect(res.status).toBe(200)
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    expect(text.slice(1).split('\r\n')[0]).toMatch(/^"Izmaiņa",/)
  })

  it('is an attachment whose file name names the region, the language and the version', async () => {
    const { res } = await csv('/subprocessors.csv?region=apac&lang=en')
    expect(res.headers.get('Content-Disposition')).toBe('attachment; filename="liveagent-subprocessors-apac-en-v1.csv"')
  })

  it('has an English header in English', async () => {
    const { text } = await csv('/subprocessors.csv?region=all&lang=en')
    expect(text.slice(1, text.indexOf('\r\n'))).toBe(
      '"ID","Legal entity","Also written as","Product","Category","Role","Purpose","Customers","Processing location","Country codes","Customer regions","Assurances","Facility standards (meets at least one)","Notes on the source"',
    )
  })
})

describe('HTML', () => {
  async function page(path: string) {
    const res = await fetchWorker(path)
    return { res, html: await res.text() }
  }

  it('is a complete page in the negotiated language', async () => {
    const { res, html } = await page('/subprocessors.html?region=eu&lang=lv')
    expect(res.headers.get('Content-Type')).toBe('text/html; charset=utf-8')
    expect(html.startsWith('<!doctype html>\n<html lang="lv">\n<head>\n<meta charset="utf-8">')).toBe(true)
    expect(html.trimEnd().endsWith('</html>')).toBe(true)
    expect(html).toContain('<title>LiveAgent: Apakšapstrādātāji (Eiropa)</title>')
  })

  it('opens with the region, the number in force, the date of the last change and the version', async () => {
    const { html } = await page('/subprocessors.html?region=eu&lang=en')
    expect(html).toContain(
      [
        '<dl class="facts">',
        '<div><dt>Region</dt><dd><strong>Europe</strong></dd></div>',
        '<div><dt>Sub-processors in force</dt><dd>10</dd></div>',
        '<div><dt>Source last updated</dt><dd><time datetime="2023-10-02">October 2, 2023</time></dd></div>',
        '<div><dt>Version</dt><dd>1, published <time datetime="2026-11-20">November 20, 2026</time></dd></div>',
        '</dl>',
      ].join('\n'),
    )
    const german = await page('/subprocessors.html?region=uk&lang=de')
    expect(german.html).toContain('<div><dt>Geltende Unterauftragsverarbeiter</dt><dd>9</dd></div>')
    expect(german.html).toContain(
      '<div><dt>Quelle zuletzt aktualisiert</dt><dd><time datetime="2023-10-02">2. Oktober 2023</time></dd></div>',
    )
  })

  it('puts the tables first and the policy text after them, with contents to reach each', async () => {
    const { html } = await page('/subprocessors.html?region=us&lang=en')
    const at = (text: string) => html.indexOf(text)
    expect(html).toContain(
      '<nav aria-labelledby="contents"><h2 id="contents">Contents</h2><ol><li><a href="#infrastructure">Infrastructure sub-processors</a></li><li><a href="#service">Other sub-processors</a></li><li><a href="#subcontractor">Subcontractors</a></li><li><a href="#assurances">Assurances</a></li><li><a href="#notes">Notes on the source</a></li><li><a href="#policy">How sub-processors are engaged</a></li><li><a href="#about-this-list">About this list</a></li></ol></nav>',
    )
    expect(at('<caption>Infrastructure sub-processors: United States</caption>')).toBeGreaterThan(
      at('<main id="main">'),
    )
    expect(at('<caption>Other sub-processors: United States</caption>')).toBeGreaterThan(
      at('<caption>Infrastructure sub-processors: United States</caption>'),
    )
    expect(at('<caption>Subcontractors: United States</caption>')).toBeGreaterThan(
      at('<caption>Other sub-processors: United States</caption>'),
    )
    expect(at('<h2 id="policy">How sub-processors are engaged</h2>')).toBeGreaterThan(
      at('<caption>Subcontractors: United States</caption>'),
    )
    expect(html).toContain('<h3 id="due-diligence">Due diligence:</h3>')
    expect(html).toContain('<li>to implement and maintain appropriate technical and organisational measures;</li>')
    expect(html).toContain('please write to us at <a href="mailto:andrej@liveagent.com">andrej@liveagent.com</a>.</p>')
    expect(html.match(/<tr id="/g)).toHaveLength(9)
    expect(html).toContain(
      '<tr id="aws-us-california"><th scope="row"><a href="/subprocessors/aws-us-california.html?lang=en"><bdi>Amazon Web Services, LLC</bdi></a><small><code>aws-us-california</code></small></th><td data-label="Purpose">Storing LiveAgent Service Data<small>Customers: US customers</small></td><td data-label="Processing location">California<small>United States (US), US-CA</small></td>',
    )
  })

  it('writes an assurance shared by many rows once, and refers to it from each row', async () => {
    const { html } = await page('/subprocessors.html?region=all&lang=en')
    const assurance =
      'LiveAgent servers are hosted in facilities that meet Tier III+ or IV, or PCI DSS, SSAE-16 or ISO 27001 requirements.'
    expect(html.split(assurance)).toHaveLength(3)
    expect(html.match(/<td data-label="Assurances"><a href="#assurance-1">Assurance 1<\/a><\/td>/g)).toHaveLength(6)
    expect(html).toContain(`<li id="assurance-1"><strong>Assurance 1.</strong> ${assurance}`)
    expect(html).toContain('<small>Meets at least one of: Tier III+, Tier IV, PCI DSS, SSAE-16, ISO 27001.</small>')
    const derived = 'The source&#39;s rows say only “Serveri” (Servers).'
    expect(html.split(derived)).toHaveLength(2)
  })

  it('links the same list in other regions and languages, and as CSV and JSON', async () => {
    const { html } = await page('/subprocessors.html?region=eu&lang=en')
    expect(html).toContain('<a href="/subprocessors.html?region=eu&#38;lang=en" aria-current="page">Europe</a>')
    expect(html).toContain('<a href="/subprocessors.html?region=apac&#38;lang=en">Asia-Pacific</a>')
    expect(html).toContain('<a href="/subprocessors.html?region=eu&#38;lang=lv" hreflang="lv" lang="lv">Latviešu</a>')
    expect(html).toContain('<a href="/subprocessors.html?region=eu&#38;lang=de" hreflang="de" lang="de">Deutsch</a>')
    expect(html).toContain('<a href="/subprocessors.json?region=eu&#38;lang=en" type="application/json">JSON</a>')
    expect(html).toContain(
      '<a href="/subprocessors.csv?region=eu&#38;lang=en" type="text/csv" download>CSV (for spreadsheets)</a>',
    )
    expect(html).toContain(
      '<link rel="alternate" type="text/html" hreflang="lv" href="/subprocessors.html?region=eu&#38;lang=lv">',
    )
    expect(html).toContain(
      '<p>Address of this page: <a id="address" href="/subprocessors.html?region=eu&#38;lang=en">/subprocessors.html?region=eu&#38;lang=en</a></p>',
    )
  })

  it('needs no other request, and runs only its own script, allowed by its hash', async () => {
    const { res, html } = await page('/subprocessors.html?region=all&lang=en')
    expect(html).not.toMatch(/<img|<iframe|src=|@import|url\(|style="| on[a-z]+="/i)
    expect(html.match(/<script[^>]*>/g)).toEqual(['<script type="module">'])
    expect(html.match(/<link [^>]*>/g)?.every((link) => link.includes('rel="alternate"'))).toBe(true)
    const csp = res.headers.get('Content-Security-Policy')!
    const hash = async (text: string) =>
      btoa(
        String.fromCharCode(...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))),
      )
    const between = (text: string, start: string, end: string) =>
      text.slice(text.indexOf(start) + start.length, text.indexOf(end))
    const entry = await page('/subprocessors/twilio.html?lang=en')
    const [listStyle, entryStyle] = [between(html, '<style>', '</style>'), between(entry.html, '<style>', '</style>')]
    const script = between(html, '<script type="module">', '</script>')
    expect(csp).toBe(
      `default-src 'none'; style-src 'sha256-${await hash(listStyle)}' 'sha256-${await hash(entryStyle)}'; script-src 'sha256-${await hash(script)}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    )
    expect(entry.res.headers.get('Content-Security-Policy')).toBe(csp)
    expect(entry.html).not.toContain('<script')
    expect(csp).not.toContain('unsafe-inline')
  })

  it('offers the filter only to script, so that the page is complete without it', async () => {
    const { html } = await page('/subprocessors.html?region=all&lang=en')
    expect(html).toContain(
      '<div id="filter" role="search" hidden><label for="filter-input">Filter by name, purpose or country</label><br><input id="filter-input" type="search" autocomplete="off"><p role="status" data-template="{shown} of {total} rows shown"></p></div>',
    )
  })

  it('marks what the source leaves out', async () => {
    const { html } = await page('/subprocessors.html?region=all&lang=en')
    expect(html).toContain(
      '<tr id="support-subcontractors"><th scope="row"><a href="/subprocessors/support-subcontractors.html?lang=en"><em>Not named in the source</em></a>',
    )
    expect(html).toContain(
      '<tr id="websupport-eu"><th scope="row"><a href="/subprocessors/websupport-eu.html?lang=en"><bdi>Websupport, s.r.o.</bdi></a><small><code>websupport-eu</code></small></th><td data-label="Purpose">Storing LiveAgent Service Data<small>Customers: EU customers</small></td><td data-label="Processing location"><em>Not stated in the source</em></td>',
    )
  })

  it('stays under 60 KiB gzip in every region and language', async () => {
    const { languages } = fixtureData().registry
    const sizes: Record<string, number> = {}
    for (const region of ['all', 'eu', 'uk', 'us', 'apac']) {
      for (const lang of languages) {
        const body = (await fetchWorker(`/subprocessors.html?region=${region}&lang=${lang}`)).body!
        sizes[`${region}/${lang}`] = (
          await new Response(body.pipeThrough(new CompressionStream('gzip'))).arrayBuffer()
        ).byteLength
      }
    }
    expect(Object.keys(sizes)).toHaveLength(5 * languages.length)
    expect(Math.max(...Object.values(sizes))).toBeLessThan(60 * 1024)
  })
})
