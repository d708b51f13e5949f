import { beforeEach, describe, expect, it } from 'vitest'
import { fetchWorker, publish, useFreshStorage } from './helpers'

useFreshStorage()
beforeEach(() => publish())

async function languageFor(query: string, acceptLanguage?: string) {
  const res = await fetchWorker(`/subprocessors.json?region=eu${query}`, acceptLanguage === undefined ? {} : { headers: { 'Accept-Language': acceptLanguage } })
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
    ['a language we lack', 'de-DE,de;q=0.9', 'en'],
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
    const res = await fetchWorker('/subprocessors?lang=de')
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({
      error: { status: 400, code: 'unknown_language', message: 'Unknown lang "de".', parameter: 'lang', allowed: ['lv', 'en'] },
    })
  })

  it('keeps legal names untranslated and translates the rest', async () => {
    const lv = await fetchWorker('/subprocessors.json?region=all&lang=lv').then((r) => r.json<{ subprocessors: { id: string; name: string; purpose: string }[] }>())
    const en = await fetchWorker('/subprocessors.json?region=all&lang=en').then((r) => r.json<{ subprocessors: { id: string; name: string; purpose: string }[] }>())
    expect(lv.subprocessors.map((e) => e.name)).toEqual(en.subprocessors.map((e) => e.name))
    const twilio = (doc: typeof lv) => doc.subprocessors.find((e) => e.id === 'twilio')!.purpose
    expect(twilio(lv)).toBe('LiveAgent izmanto Twillio kā savu VoIP pakalpojumu sniedzēju.')
    expect(twilio(en)).toBe('LiveAgent uses Twilio as its VoIP service provider.')
  })
})

describe('the order of languages', () => {
  it('is the same in the page, its Link header and the discovery document', async () => {
    const res = await fetchWorker('/subprocessors.html?region=eu&lang=en')
    const page = await res.text()
    const switcher = [...page.matchAll(/<a href="[^"]*" (?:aria-current="page" )?hreflang="([a-z]+)"/g)].map((match) => match[1])
    const linked = [...new Set([...res.headers.get('Link')!.matchAll(/hreflang="([a-z]+)"/g)].map((match) => match[1]))]
    const discovery = await fetchWorker('/.well-known/subprocessors').then((r) => r.json<{ languages: string[] }>())
    expect(switcher).toEqual(['lv', 'en'])
    expect(linked).toEqual(switcher)
    expect(discovery.languages).toEqual(switcher)
  })
})
