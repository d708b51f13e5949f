// The page as people use it, in Debian's Chromium against the server `npm start` runs.
import { copyFile, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Labels } from '../../src/publish/input/schema'
import type { SubprocessorListDocument } from '../../src/publish/contract/schema'
import { ON_A_COPY, WORKING_DATA } from '../support/working-data'
import { ARTIFACTS, axeViolations, launchChromium, README_SCREENSHOTS, type Violation, visibleRows } from './browser'

const BASE = inject('baseUrl')
const CHROMIUM = inject('chromium')
/** data/ as `npm start` publishes it, whatever languages it has. */
const registry = JSON.parse(await readFile(join(WORKING_DATA, 'registry.json'), 'utf8')) as { languages: string[] }
const REGIONS = ['all', 'eu', 'uk', 'us', 'apac']
const LANGUAGES = registry.languages
const page = (region: string, lang: string) => `${BASE}/subprocessors.html?region=${region}&lang=${lang}`
const list = (region: string, lang: string) =>
  fetch(`${BASE}/subprocessors.json?region=${region}&lang=${lang}`).then(
    (res) => res.json() as Promise<SubprocessorListDocument>,
  )
const labelsOf = async (lang: string) =>
  (
    JSON.parse(await readFile(join(WORKING_DATA, 'locales', `${lang}.json`), 'utf8')) as {
      labels: Labels
    }
  ).labels

let browser: Browser

beforeAll(async () => {
  if (CHROMIUM) browser = await launchChromium(CHROMIUM)
})
afterAll(() => browser?.close())

async function open(
  url: string,
  options: Parameters<Browser['newContext']>[0] = {},
): Promise<{ context: BrowserContext; tab: Page; blocked: string[] }> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
    ...options,
  })
  const tab = await context.newPage()
  const blocked: string[] = []
  tab.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) blocked.push(message.text())
  })
  await tab.goto(url)
  return { context, tab, blocked }
}

describe.skipIf(!CHROMIUM)('the page in Chromium', () => {
  it('has no axe violations, fits the viewport and runs its script under the CSP, in every region, language, width and scheme', async () => {
    const found: (Violation & { at: string })[] = []
    const tooWide: string[] = []
    const blockedAll: string[] = []
    for (const width of [1280, 320]) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const context = await browser.newContext({ viewport: { width, height: 800 }, colorScheme })
        const tab = await context.newPage()
        tab.on('console', (message) => {
          if (message.text().includes('Content Security Policy')) blockedAll.push(message.text())
        })
        for (const region of REGIONS) {
          for (const lang of LANGUAGES) {
            const at = `${region}/${lang} at ${width}px, ${colorScheme}`
            await tab.goto(page(region, lang))
            await expect(tab.locator('#filter').isVisible(), at).resolves.toBe(true)
            for (const violation of await axeViolations(tab)) found.push({ ...violation, at })
            const scrollWidth = await tab.evaluate<number>('document.documentElement.scrollWidth')
            if (scrollWidth > width) tooWide.push(`${at}: ${scrollWidth}px`)
          }
        }
        await context.close()
      }
    }
    expect(found).toEqual([])
    expect(tooWide).toEqual([])
    expect(blockedAll).toEqual([])
  })

  it('has no axe violations on any entry page, and fits 320 px', async () => {
    const ids = (await list('all', 'en')).subprocessors.map((entry) => entry.id)
    const { context, tab } = await open(`${BASE}/subprocessors/${ids[0]}.html?lang=en`, {
      viewport: { width: 320, height: 800 },
    })
    const found: (Violation & { at: string })[] = []
    for (const id of ids) {
      for (const lang of LANGUAGES) {
        await tab.goto(`${BASE}/subprocessors/${id}.html?lang=${lang}`)
        for (const violation of await axeViolations(tab)) found.push({ ...violation, at: `${id}/${lang}` })
        expect(await tab.evaluate<number>('document.documentElement.scrollWidth'), `${id}/${lang}`).toBeLessThanOrEqual(
          320,
        )
      }
    }
    expect(found).toEqual([])
    await context.close()
  })

  it('is complete without script: every row, no filter', async () => {
    const { context, tab } = await open(page('all', 'en'), { javaScriptEnabled: false })
    const doc = await list('all', 'en')
    expect(await visibleRows(tab)).toEqual(doc.subprocessors.map((entry) => entry.id))
    expect(await tab.locator('#filter').isVisible()).toBe(false)
    await context.close()
  })

  it('breaks no word of the heading but at a hyphen, at 390 and 320 px, in every language', async () => {
    const broken: string[] = []
    for (const width of [390, 320])
      for (const lang of LANGUAGES) {
        const { context, tab } = await open(page('eu', lang), { viewport: { width, height: 800 } })
        // Each place in the h1 where a line ends inside a word: allowed only after a hyphen.
        const cuts = await tab.evaluate<string[]>(`(() => {
          const text = document.querySelector('h1').firstChild; const data = text.data; const cuts = []
          const top = (i) => { const r = document.createRange(); r.setStart(text, i); r.setEnd(text, i + 1); return Math.round(r.getBoundingClientRect().top) }
          for (let i = 0; i + 1 < data.length; i++)
            if (/\\S/.test(data[i]) && /\\S/.test(data[i + 1]) && top(i) !== top(i + 1) && data[i] !== '-' && data[i] !== '\\u00ad')
              cuts.push(data.slice(Math.max(0, i - 6), i + 1) + '|' + data.slice(i + 1, i + 7))
          return cuts
        })()`)
        for (const cut of cuts) broken.push(`${lang} at ${width}px: "${cut}"`)
        await context.close()
      }
    expect(broken).toEqual([])
  })

  it('switches region and language from the keyboard, with visible focus, to the right URL', async () => {
    const { context, tab } = await open(page('eu', 'en'))
    const focusOn = async (text: string) => {
      for (let i = 0; i < 60; i++) {
        await tab.keyboard.press('Tab')
        const focused = await tab.evaluate<{ text: string; outline: string }>(
          '({ text: document.activeElement.textContent, outline: getComputedStyle(document.activeElement).outlineStyle + " " + getComputedStyle(document.activeElement).outlineWidth })',
        )
        if (i === 0 && text === 'Asia-Pacific') expect(focused.text).toBe('Skip to the main content')
        if (focused.text === text) return focused
      }
      throw new Error(`no focusable "${text}"`)
    }
    expect((await focusOn('Asia-Pacific')).outline).toBe('solid 3px')
    await tab.keyboard.press('Enter')
    await tab.waitForURL(page('apac', 'en'))
    expect((await focusOn('Deutsch')).outline).toBe('solid 3px')
    await tab.keyboard.press('Enter')
    await tab.waitForURL(page('apac', 'de'))
    expect(await tab.locator('h1').textContent()).toBe('LiveAgent: Unterauftragsverarbeiter')
    await context.close()
  })

  it('filters rows by name, purpose or country, and restores the filter from the fragment', async () => {
    const { context, tab } = await open(page('all', 'en'))
    const input = tab.getByLabel('Filter by name, purpose or country')
    const status = tab.getByRole('status')
    await input.focus()
    await tab.keyboard.type('singapore')
    expect(await visibleRows(tab)).toEqual(['linode-sg', 'aws-apac-singapore'])
    expect(await status.textContent()).toBe('2 of 14 rows shown')
    expect(tab.url()).toBe(`${page('all', 'en')}#q=singapore`)
    await input.fill('voip')
    expect(await visibleRows(tab)).toEqual(['twilio'])
    await input.fill('(GB)')
    expect(await visibleRows(tab)).toEqual(['linode-uk'])
    await input.fill('Quality Unit')
    expect(await visibleRows(tab)).toEqual(['quality-unit-llc', 'quality-unit-ukraine', 'intuit-mailchimp', 'openai'])
    await input.fill('')
    expect(await visibleRows(tab)).toHaveLength(14)
    expect(tab.url()).toBe(page('all', 'en'))

    const shared = await context.newPage()
    await shared.goto(`${page('all', 'de')}#q=Singapur`)
    expect(await shared.getByRole('searchbox').inputValue()).toBe('Singapur')
    expect(await visibleRows(shared)).toEqual(['linode-sg', 'aws-apac-singapore'])
    expect(await shared.getByRole('status').textContent()).toBe('2 von 14 Zeilen angezeigt')
    await context.close()
  })

  it('downloads a CSV whose rows a CSV parser reads back equal to the JSON', async () => {
    const { context, tab } = await open(page('eu', 'de'))
    const [download] = await Promise.all([
      tab.waitForEvent('download'),
      tab.getByRole('link', { name: 'CSV (für Tabellenkalkulationen)' }).click(),
    ])
    expect(download.suggestedFilename()).toBe('liveagent-subprocessors-eu-de-v1.csv')
    const bytes = await readFile((await download.path())!)
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const rows = parse(bytes.toString('utf8'), { bom: true, record_delimiter: '\r\n' }) as string[][]
    const l = await labelsOf('de')
    const doc = await list('eu', 'de')
    expect(rows[0]).toEqual([
      l.id,
      l.entity,
      l.alsoWrittenAs,
      l.product,
      l.category,
      l.roles,
      l.purpose,
      l.customers,
      l.location,
      l.countries,
      l.regions,
      l.assurances,
      l.standards,
      l.notes,
    ])
    expect(rows.slice(1)).toEqual(
      doc.subprocessors.map((entry) => [
        entry.id,
        entry.name ?? '',
        entry.alsoWrittenAs.join('; '),
        entry.product ?? '',
        entry.categoryLabel,
        entry.roles.map((role) => l.roleNames[role]).join('; '),
        entry.purpose,
        entry.customers ?? '',
        entry.location?.text ?? '',
        [...(entry.location?.countries ?? []), ...(entry.location?.subdivisions ?? [])].join('; '),
        entry.regions.join('; '),
        entry.assurances.map((assurance) => assurance.text).join(' '),
        [...new Set(entry.assurances.flatMap((assurance) => assurance.standards))].join('; '),
        entry.notes.map((note) => note.text).join(' '),
      ]),
    )
    await context.close()
  })

  it('prints every entry in force exactly once, with the table head on each page of rows, and the URL, version and date', async () => {
    const { context, tab } = await open(page('all', 'en'))
    const pdf = await tab.pdf({ format: 'A4', printBackground: true })
    await writeFile(`${ARTIFACTS}print-all-en.pdf`, pdf)
    const document = await getDocument({ data: new Uint8Array(pdf), useSystemFonts: true }).promise
    const pages: string[][] = []
    for (let n = 1; n <= document.numPages; n++) {
      const { items } = await (await document.getPage(n)).getTextContent()
      pages.push(items.map((item) => ('str' in item ? item.str.trim() : '')).filter(Boolean))
    }
    const ids = (await list('all', 'en')).subprocessors.map((entry) => entry.id)
    expect(pages.length).toBeGreaterThan(1)
    expect(ids.map((id) => [id, pages.flat().filter((text) => text === id).length])).toEqual(ids.map((id) => [id, 1]))
    for (const id of ids) expect(pages.find((texts) => texts.includes(id))).toContain('Legal entity')
    const text = pages.flat().join(' ')
    expect(pages.flat().join('')).toContain(`${BASE}/subprocessors.html?region=all&lang=en`)
    expect(text).toContain('Version 1, published')
    expect(text).toContain('Source last updated October 2, 2023')
    await context.close()
  })

  it('leads "Verify this list" to what the evidence is and how to check it, with its JSON one click away', async () => {
    for (const lang of LANGUAGES) {
      const labels = await labelsOf(lang)
      const { context, tab, blocked } = await open(page('eu', lang), { viewport: { width: 320, height: 800 } })
      await tab.getByRole('link', { name: labels.verifyLink }).click()
      await tab.waitForURL(`${BASE}/versions.html?lang=${lang}#v1`)
      await expect(tab.locator('#v1').isVisible()).resolves.toBe(true)
      await expect(tab.getByRole('heading', { name: labels.evidenceTitle }).isVisible()).resolves.toBe(true)
      await expect(tab.locator('#evidence pre').textContent()).resolves.toBe(
        'npx subprocessor-watch verify FILE --evidence evidence.json --key KEY',
      )
      expect(await axeViolations(tab)).toEqual([])
      expect(await tab.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(320)
      expect(blocked).toEqual([])
      const evidence = await tab.locator('#v1').getByRole('link', { name: labels.evidenceJson }).getAttribute('href')
      const doc = (await fetch(new URL(evidence!, BASE)).then((res) => res.json())) as {
        format: string
        version: number
      }
      expect(doc).toMatchObject({ format: 'subprocessor-registry-evidence/1', version: 1 })
      await context.close()
    }
  })

  it('saves desktop, mobile, dark and print screenshots', async () => {
    const shots: [string, Parameters<Browser['newContext']>[0], 'screen' | 'print'][] = [
      ['desktop', { viewport: { width: 1280, height: 800 } }, 'screen'],
      [
        'mobile',
        { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
        'screen',
      ],
      ['dark', { viewport: { width: 1280, height: 800 }, colorScheme: 'dark' }, 'screen'],
      ['print', { viewport: { width: 800, height: 1130 } }, 'print'],
    ]
    for (const [name, options, media] of shots) {
      const { context, tab } = await open(page('eu', 'en'), options)
      await tab.emulateMedia({ media })
      await tab.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: name === 'print' })
      // The screenshots docs/api.md shows are these, written by every run: they show the page as it is.
      if (!ON_A_COPY && (name === 'desktop' || name === 'mobile'))
        await copyFile(`${ARTIFACTS}${name}.png`, `${README_SCREENSHOTS}${name}.png`)
      await context.close()
    }
    expect((await readFile(`${ARTIFACTS}desktop.png`)).subarray(1, 4).toString()).toBe('PNG')
  })
})
