// Publishes the real data/, walks every representation through the Worker and checks it
// against the source document it was transcribed from.
import { beforeAll, describe, expect, it } from 'vitest'
import source from '../data/source/liveagent-lv-2023-10-02.txt?raw'
import { escapeHtml } from '../src/publish/render-html'
import type { Localized, SubprocessorListDocument } from '../src/publish/schema'
import { fetchWorker, publish, realData } from './helpers'

const data = realData()
const REGIONS = ['all', 'eu', 'uk', 'us', 'apac'] as const
const LANGS = ['lv', 'en'] as const
const flat = (text: string) => text.replace(/\s+/g, ' ').trim()
const SOURCE = flat(source)

beforeAll(() => publish())

/** Every Latvian text data/ claims to take from the source. */
function latvianFromSource(): string[] {
  const { policy, categories, assurances } = data.registry
  const texts: Localized[] = [
    ...policy.introduction,
    policy.whatIsASubprocessor.heading, ...policy.whatIsASubprocessor.paragraphs,
    policy.dueDiligence.heading, ...policy.dueDiligence.paragraphs,
    policy.contractualSafeguards.heading, ...policy.contractualSafeguards.paragraphs, ...policy.contractualSafeguards.obligations,
    ...policy.disclaimer, policy.dpaContact,
    ...Object.values(categories).flatMap((category) => [category.heading, category.label, ...category.paragraphs]),
    ...Object.values(assurances).map((assurance) => assurance.text),
    ...data.subprocessors.subprocessors.flatMap((entry) => [
      ...(entry.category === 'infrastructure' ? [] : [entry.purpose]),
      ...(entry.customers ? [entry.customers] : []),
      ...(entry.location ? [entry.location.text] : []),
    ]),
  ]
  return texts.map((text) => text.lv)
}

describe('data/ against the source document', () => {
  it('takes every Latvian text verbatim from the source', () => {
    const missing = latvianFromSource().filter((text) => !SOURCE.includes(flat(text)))
    expect(missing).toEqual([])
  })

  it('writes every named entity exactly as the source does', () => {
    const names = [...new Set(data.subprocessors.subprocessors.flatMap((entry) => [entry.name, ...(entry.alsoWrittenAs ?? []), entry.product ?? null]))]
    expect(names.filter((name) => name !== null && !SOURCE.includes(name))).toEqual([])
    expect(names).toEqual(['Linode, LLC', null, 'Amazon Web Services, LLC', 'Websupport, s.r.o.', 'Quality Unit, LLC', 'Quality Unit Ukraina', 'Quality Unit Ukraine', 'Twilio, Inc.', 'Intuit', 'MailChimp', 'OpenAI'])
  })

  it('has the source\'s rows: 8 infrastructure, 5 other, and the subcontractors', () => {
    const count = (category: string) => data.subprocessors.subprocessors.filter((entry) => entry.category === category).length
    expect([count('infrastructure'), count('service'), count('subcontractor')]).toEqual([8, 5, 1])
    expect(SOURCE.match(/Serveri ?(Linode|Amazon|Websupport)/g)).toHaveLength(8)
    expect(SOURCE.match(/Pakalpojums ?[A-Z]/g)).toHaveLength(5)
  })

  it('has the source\'s date and company', () => {
    expect(SOURCE.startsWith('Pēdējo reizi atjaunināts: 2023.gada 2.oktobrī')).toBe(true)
    expect(data.registry.lastUpdated).toBe('2023-10-02')
    expect(SOURCE).toContain(`${data.registry.company.name} sniedz Jums savu Pakalpojumu (turpmāk tekstā – “${data.registry.company.service}”)`)
    expect(SOURCE).toContain(data.registry.company.accountDomain)
    expect(SOURCE).toContain(data.registry.company.dpaContactEmail)
  })
})

describe('every published representation', () => {
  const EXPECTED_IDS: Record<(typeof REGIONS)[number], number> = { all: 14, eu: 9, uk: 8, us: 9, apac: 9 }

  it.each(REGIONS.flatMap((region) => LANGS.map((lang) => [region, lang] as const)))('region %s, language %s', async (region, lang) => {
    const json = await fetchWorker(`/subprocessors.json?region=${region}&lang=${lang}`)
    const csv = await fetchWorker(`/subprocessors.csv?region=${region}&lang=${lang}`)
    const html = await fetchWorker(`/subprocessors.html?region=${region}&lang=${lang}`)
    expect([json.status, csv.status, html.status]).toEqual([200, 200, 200])
    const doc = await json.json<SubprocessorListDocument>()
    const csvText = await csv.text()
    const page = await html.text()

    expect(doc.region.id).toBe(region)
    expect(doc.language).toBe(lang)
    expect(doc.subprocessors).toHaveLength(EXPECTED_IDS[region])
    for (const entry of doc.subprocessors) {
      const original = data.subprocessors.subprocessors.find((e) => e.id === entry.id)!
      expect(region === 'all' || original.regions.includes(region)).toBe(true)
      expect(entry.name).toBe(original.name)
      expect(entry.purpose).toBe(original.purpose[lang])
      expect(page).toContain(`<tr id="${entry.id}">`)
      expect(page).toContain(escapeHtml(original.purpose[lang]))
      expect(csvText).toContain(`"${entry.id}"`)
    }
    expect(csvText.split('\r\n')).toHaveLength(doc.subprocessors.length + 2)

    const { policy } = data.registry
    for (const text of [...policy.introduction, ...policy.contractualSafeguards.obligations, ...policy.disclaimer]) {
      expect(page).toContain(escapeHtml(text[lang]))
    }
    expect(page).toContain(`<html lang="${lang}">`)
    expect(page).toContain('<time datetime="2023-10-02">')
  })
})

describe('every published entry', () => {
  it.each(data.subprocessors.subprocessors.map((entry) => [entry.id, entry] as const))('%s, in every language and format', async (id, original) => {
    for (const lang of LANGS) {
      const doc = await fetchWorker(`/subprocessors/${id}.json?lang=${lang}`).then((res) => res.json<SubprocessorListDocument['subprocessors'][number]>())
      expect(doc).toMatchObject({ id, name: original.name, category: original.category, regions: original.regions, purpose: original.purpose[lang] })
      expect(doc.location?.countries ?? []).toEqual(original.location?.countries ?? [])
      const csv = await fetchWorker(`/subprocessors/${id}.csv?lang=${lang}`).then((res) => res.text())
      expect(csv.split('\r\n')[1]!.startsWith(`"${id}",`)).toBe(true)
      const page = await fetchWorker(`/subprocessors/${id}.html?lang=${lang}`).then((res) => res.text())
      expect(page).toContain(escapeHtml(original.purpose[lang]))
      for (const assurance of original.assurances) expect(page).toContain(escapeHtml(data.registry.assurances[assurance]!.text[lang]))
    }
  })
})
