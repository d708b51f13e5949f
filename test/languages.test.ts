import { beforeAll, describe, expect, it } from 'vitest'
import announcements from './fixtures/data/announcements.json'
import regions from './fixtures/data/regions.json'
import registry from './fixtures/data/registry.json'
import subprocessors from './fixtures/data/subprocessors.json'
import { validateRegistry } from '../src/publish/input/validate'
import { fetchWorker, LOCALES, publish } from './helpers'

beforeAll(() => publish())

async function languageFor(query: string, acceptLanguage?: string) {
  const res = await fetchWorker(
    `/subprocessors.json?region=eu${query}`,
    acceptLanguage === undefined ? {} : { headers: { 'Accept-Language': acceptLanguage } },
  )
  const body = await res.json<{ language: string }>()
  expect(res.headers.get('Content-Language')).toBe(body.language)
  return body.language
}

describe('language negotiation', () => {
  it.each([
    ['no Accept-Language', undefined, 'en'],
    ['lv', 'lv', 'lv'],
    ['lv-LV, a regional variant', 'lv-LV', 'lv'],
    ['a browser in Latvia', 'lv-LV,lv;q=0.9,en-US;q=0.8,en;q=0.7', 'lv'],
    ['English first', 'en-GB,en;q=0.9,lv;q=0.8', 'en'],
    ['the higher q-value', 'en;q=0.3, lv;q=0.6', 'lv'],
    ['q=0 excluding Latvian', 'lv;q=0, *', 'en'],
    ['q=0 excluding English', 'en;q=0, *;q=0.5', 'lv'],
    ['* alone', '*', 'en'],
    ['German', 'de-DE,de;q=0.9,en;q=0.5', 'de'],
    ['a language we lack', 'fr-FR,fr;q=0.9', 'en'],
    ['a malformed header, as if absent', 'lv;q=x', 'en'],
    ['the first listed on a tie', 'lv, en', 'lv'],
  ])('chooses by %s', async (_, header, language) => {
    expect(await languageFor('', header)).toBe(language)
  })

  it('prefers ?lang= over Accept-Language', async () => {
    expect(await languageFor('&lang=en', 'lv')).toBe('en')
    expect(await languageFor('&lang=LV', 'en')).toBe('lv')
  })

  it('varies on Accept-Language only when the URL leaves the language open', async () => {
    const open = await fetchWorker('/subprocessors.json?region=eu')
    const fixed = await fetchWorker('/subprocessors.json?region=eu&lang=lv')
    expect(open.headers.get('Vary')).toBe('Accept-Language')
    expect(fixed.headers.has('Vary')).toBe(false)
    expect(open.headers.get('Content-Location')).toBe('/subprocessors.json?region=eu&lang=en')
  })

  it('answers 400 listing the languages for an unknown one', async () => {
    const res = await fetchWorker('/subprocessors?lang=fr')
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({
      error: {
        status: 400,
        code: 'unknown_language',
        message: 'Unknown lang "fr".',
        parameter: 'lang',
        allowed: ['lv', 'en', 'de'],
      },
    })
  })

  it('keeps legal names untranslated and translates the rest', async () => {
    type List = { subprocessors: { id: string; name: string; purpose: string }[] }
    const [lv, en, de] = await Promise.all(
      ['lv', 'en', 'de'].map((lang) =>
        fetchWorker(`/subprocessors.json?region=all&lang=${lang}`).then((r) => r.json<List>()),
      ),
    )
    expect(lv!.subprocessors.map((e) => e.name)).toEqual(en!.subprocessors.map((e) => e.name))
    expect(de!.subprocessors.map((e) => e.name)).toEqual(en!.subprocessors.map((e) => e.name))
    const twilio = (doc: List) => doc.subprocessors.find((e) => e.id === 'twilio')!.purpose
    expect(twilio(lv!)).toBe('LiveAgent izmanto Twillio kā savu VoIP pakalpojumu sniedzēju.')
    expect(twilio(en!)).toBe('LiveAgent uses Twilio as its VoIP service provider.')
    expect(twilio(de!)).toBe('LiveAgent nutzt Twilio als seinen VoIP-Dienstanbieter.')
  })

  it('says on the page and in the notes that German and English are translations, and Latvian the source', async () => {
    const page = (lang: string) => fetchWorker(`/subprocessors.html?region=eu&lang=${lang}`).then((r) => r.text())
    expect(await page('de')).toContain(
      '<p>Diese Seite ist eine Übersetzung der lettischen Quelle. Namen juristischer Personen stehen so, wie die Quelle sie schreibt.</p>',
    )
    expect(await page('en')).toContain(
      '<p>This page is a translation of the Latvian source. Legal names are given as the source writes them.</p>',
    )
    expect(await page('lv')).not.toContain('tulkojums')
    const doc = await fetchWorker('/subprocessors.json?region=eu&lang=de').then((r) =>
      r.json<{ notes: { field: string; text: string }[] }>(),
    )
    expect(doc.notes[0]!.text).toContain('der englische und der deutsche Text sind seine Übersetzungen')
  })
})

describe('the order of languages', () => {
  it('is the same in the page, its Link header and the discovery document', async () => {
    const res = await fetchWorker('/subprocessors.html?region=eu&lang=en')
    const page = await res.text()
    const switcher = [...page.matchAll(/<a href="[^"]*" (?:aria-current="page" )?hreflang="([a-z]+)"/g)].map(
      (match) => match[1],
    )
    const linked = [...new Set([...res.headers.get('Link')!.matchAll(/hreflang="([a-z]+)"/g)].map((match) => match[1]))]
    const discovery = await fetchWorker('/.well-known/subprocessors').then((r) => r.json<{ languages: string[] }>())
    expect(switcher).toEqual(['lv', 'en', 'de'])
    expect(linked).toEqual(switcher)
    expect(discovery.languages).toEqual(switcher)
  })
})

describe('locale data', () => {
  const files = () =>
    structuredClone({ registry, subprocessors, regions, announcements, locales: LOCALES }) as Record<string, any>
  const problems = (broken: Record<string, any>) => {
    const result = validateRegistry(broken as never)
    return result.ok ? [] : result.problems
  }

  it('names the label and the language of a label that is missing or lacks a blank', () => {
    const broken = files()
    delete broken.locales.de.labels.filter
    broken.locales.de.labels.published = 'veröffentlicht'
    expect(problems(broken)).toEqual([
      {
        file: 'locales/de.json',
        entry: null,
        field: 'labels.published',
        message: 'the label "published" in de must contain {date}',
      },
      { file: 'locales/de.json', entry: null, field: 'labels.filter', message: 'the label "filter" in de is missing' },
    ])
  })

  it('names the entry, the field and the language of a missing translation', () => {
    const broken = files()
    delete broken.subprocessors.subprocessors[10].purpose.de
    broken.regions.allRegionsName.fr = 'Toutes les régions'
    expect(problems(broken)).toEqual([
      { file: 'subprocessors.json', entry: 'twilio', field: 'purpose.de', message: 'the de text is missing' },
      {
        file: 'regions.json',
        entry: null,
        field: 'allRegionsName',
        message: '"fr" is not a language registry.json declares',
      },
    ])
  })

  it('wants a locale file for every declared language, and every translation marked as one', () => {
    const broken = files()
    delete broken.locales.de.translation
    broken.registry.languages = ['lv', 'en', 'de', 'et']
    expect(problems(broken).slice(0, 3)).toEqual([
      {
        file: 'locales/de.json',
        entry: null,
        field: 'translation',
        message: '"de" must be marked as a translation of the source language, "lv"',
      },
      {
        file: 'locales/et.json',
        entry: null,
        field: '(whole file)',
        message: 'registry.json declares "et", but there is no locales/et.json',
      },
      { file: 'registry.json', entry: null, field: 'source.note.et', message: 'the et text is missing' },
    ])
  })
})
