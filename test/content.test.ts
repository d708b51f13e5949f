// Publishes the fixture dataset (data/ as transcribed), walks every representation through the
// Worker and checks it against the source document it was transcribed from.
import { beforeAll, describe, expect, it } from 'vitest'
import source from '../data/source/liveagent-lv-2023-10-02.txt?raw'
import { escapeHtml } from '../src/publish/render/page'
import type { Localized, SubprocessorEntry } from '../src/publish/input/schema'
import type { SubprocessorListDocument } from '../src/publish/contract/schema'
import { fetchWorker, publish, fixtureData } from './helpers'

const data = fixtureData()
const REGIONS = ['all', 'eu', 'uk', 'us', 'apac'] as const
const LANGS = data.registry.languages
const flat = (text: string) => text.replace(/\s+/g, ' ').trim()
const SOURCE = flat(source)

beforeAll(() => publish())

const isDerived = (entry: SubprocessorEntry, field: string) =>
  (entry.notes ?? []).some((note) => note.kind === 'derived' && note.field === field)

/** Every Latvian text the transcription claims to take from the source. */
function latvianFromSource(): string[] {
  const { policy, categories, assurances } = data.registry
  const texts: Localized[] = [
    ...policy.introduction,
    policy.whatIsASubprocessor.heading,
    ...policy.whatIsASubprocessor.paragraphs,
    policy.dueDiligence.heading,
    ...policy.dueDiligence.paragraphs,
    policy.contractualSafeguards.heading,
    ...policy.contractualSafeguards.paragraphs,
    ...policy.contractualSafeguards.obligations,
    ...policy.disclaimer,
    policy.dpaContact,
    ...Object.values(categories).flatMap((category) => [category.heading, category.label, ...category.paragraphs]),
    ...Object.values(assurances).map((assurance) => assurance.text),
    ...data.subprocessors.subprocessors.flatMap((entry) => [
      // The one exception: text the data itself labels as the registry's derived reading.
      ...(isDerived(entry, 'purpose') ? [] : [entry.purpose]),
      ...(entry.customers ? [entry.customers] : []),
      ...(entry.location ? [entry.location.text] : []),
    ]),
  ]
  return texts.map((text) => text.lv!)
}

describe('the transcription against the source document', () => {
  it('takes every Latvian text verbatim from the source', () => {
    const missing = latvianFromSource().filter((text) => !SOURCE.includes(flat(text)))
    expect(missing).toEqual([])
  })

  it('writes every named entity exactly as the source does', () => {
    const names = [
      ...new Set(
        data.subprocessors.subprocessors.flatMap((entry) => [
          entry.name,
          ...(entry.alsoWrittenAs ?? []),
          entry.product ?? null,
        ]),
      ),
    ]
    expect(names.filter((name) => name !== null && !SOURCE.includes(name))).toEqual([])
    expect(names).toEqual([
      'Linode, LLC',
      null,
      'Amazon Web Services, LLC',
      'Websupport, s.r.o.',
      'Quality Unit, LLC',
      'Quality Unit Ukraina',
      'Quality Unit Ukraine',
      'Twilio, Inc.',
      'Intuit',
      'MailChimp',
      'OpenAI',
    ])
  })

  it("has the source's rows: 8 infrastructure, 5 other, and the subcontractors", () => {
    const count = (category: string) =>
      data.subprocessors.subprocessors.filter((entry) => entry.category === category).length
    expect([count('infrastructure'), count('service'), count('subcontractor')]).toEqual([8, 5, 1])
    expect(SOURCE.match(/Serveri ?(Linode|Amazon|Websupport)/g)).toHaveLength(8)
    expect(SOURCE.match(/Pakalpojums ?[A-Z]/g)).toHaveLength(5)
  })

  it("has the source's date and company", () => {
    expect(SOURCE.startsWith('Pēdējo reizi atjaunināts: 2023.gada 2.oktobrī')).toBe(true)
    expect(data.registry.lastUpdated).toBe('2023-10-02')
    expect(SOURCE).toContain(
      `${data.registry.company.name} sniedz Jums savu Pakalpojumu (turpmāk tekstā – “${data.registry.company.service}”)`,
    )
    expect(SOURCE).toContain(data.registry.company.accountDomain)
    expect(SOURCE).toContain(data.registry.company.dpaContactEmail)
  })
})

// The source's rules for who a row serves, applied to the source's own words rather than to
// the regions data/ gives: data "may be moved between data centres within the region", so every
// European data centre serves eu and uk; a customer group serves exactly that group, as written;
// a row with neither is listed everywhere, because the source does not say whose it is.
const REGIONS_OF_LOCATION: Record<string, string[]> = {
  'atrašanās vieta ES': ['eu', 'uk'],
  'atrašanās vieta Apvienotajā Karalistē': ['eu', 'uk'],
  'atrašanās vieta ASV': ['us'],
  'atrašanās vieta Singapūrā': ['apac'],
  Kalifornija: ['us'],
  Singapūra: ['apac'],
}
const REGIONS_OF_CUSTOMERS: Record<string, string[]> = {
  'ES klienti': ['eu'],
  'ASV klienti': ['us'],
  'APAC klienti': ['apac'],
}
const EVERY_REGION = ['eu', 'uk', 'us', 'apac']

function regionsBySourceRules(entry: SubprocessorEntry): string[] {
  if (entry.customers) return REGIONS_OF_CUSTOMERS[entry.customers.lv!]!
  if (entry.location) return REGIONS_OF_LOCATION[entry.location.text.lv!]!
  return EVERY_REGION
}

describe("regions by the source's rules", () => {
  it('reads only words the source uses', () => {
    for (const words of [...Object.keys(REGIONS_OF_LOCATION), ...Object.keys(REGIONS_OF_CUSTOMERS)])
      expect(SOURCE).toContain(words)
    for (const entry of data.subprocessors.subprocessors) expect(regionsBySourceRules(entry), entry.id).toBeDefined()
  })

  const expectedIds = (region: string) =>
    data.subprocessors.subprocessors
      .filter((entry) => region === 'all' || regionsBySourceRules(entry).includes(region))
      .map((entry) => entry.id)

  it.each(REGIONS.flatMap((region) => LANGS.map((lang) => [region, lang] as const)))(
    'lists exactly those rows for %s in %s, in every format',
    async (region, lang) => {
      const expected = expectedIds(region)
      const doc = await fetchWorker(`/subprocessors.json?region=${region}&lang=${lang}`).then((res) =>
        res.json<SubprocessorListDocument>(),
      )
      const csv = await fetchWorker(`/subprocessors.csv?region=${region}&lang=${lang}`).then((res) => res.text())
      const page = await fetchWorker(`/subprocessors.html?region=${region}&lang=${lang}`).then((res) => res.text())
      expect(doc.subprocessors.map((entry) => entry.id)).toEqual(expected)
      expect(
        csv
          .split('\r\n')
          .slice(1, -1)
          .map((row) => row.slice(1, row.indexOf('"', 1))),
      ).toEqual(expected)
      expect([...page.matchAll(/<tr id="([^"]+)">/g)].map((match) => match[1])).toEqual(expected)
    },
  )

  it('puts both European data centres in eu and uk, and Websupport in eu only, as the source writes', () => {
    expect(expectedIds('eu')).toEqual(expect.arrayContaining(['linode-eu', 'linode-uk', 'websupport-eu']))
    expect(expectedIds('uk')).toEqual(expect.arrayContaining(['linode-eu', 'linode-uk']))
    expect(expectedIds('uk')).not.toContain('websupport-eu')
  })
})

describe('readings marked as readings', () => {
  it("labels the infrastructure purpose as derived from the table's introduction, in every format", async () => {
    const doc = await fetchWorker('/subprocessors.json?region=all&lang=en').then((res) =>
      res.json<SubprocessorListDocument>(),
    )
    const csv = await fetchWorker('/subprocessors.csv?region=all&lang=lv').then((res) => res.text())
    const page = await fetchWorker('/subprocessors.html?region=all&lang=en').then((res) => res.text())
    for (const entry of doc.subprocessors.filter((e) => e.category === 'infrastructure')) {
      expect(entry.notes).toContainEqual(expect.objectContaining({ field: 'purpose', kind: 'derived' }))
    }
    const derived = data.subprocessors.subprocessors[0]!.notes!.find((note) => note.kind === 'derived')!
    expect(SOURCE).toContain('iesaistītas LiveAgent Pakalpojumu Datu glabāšanā')
    expect(
      csv.split('\r\n').filter((row) => row.includes(`"${derived.note.lv}`) || row.includes(` ${derived.note.lv}`)),
    ).toHaveLength(8)
    expect(page.split(escapeHtml(derived.note.en!)).length - 1).toBeGreaterThanOrEqual(1)
  })

  it('gives the other reading of “pieteikumu apstrādi” next to the literal translation', async () => {
    const entry = await fetchWorker('/subprocessors/intuit-mailchimp.json?lang=en').then((res) =>
      res.json<SubprocessorListDocument['subprocessors'][number]>(),
    )
    expect(entry.purpose).toBe('Quality Unit uses MailChimp to provide application processing and email functionality.')
    expect(entry.notes[0]).toEqual({
      field: 'purpose.en',
      kind: 'translation',
      text: '“pieteikumu apstrādi” is translated literally as “application processing”. It can also be read as the processing of requests (support tickets).',
    })
  })

  it('says the AWS row is listed everywhere because the source is silent, not because it says so', async () => {
    const entry = await fetchWorker('/subprocessors/aws.json?lang=en').then((res) =>
      res.json<SubprocessorListDocument['subprocessors'][number]>(),
    )
    expect(entry.notes.find((note) => note.field === 'location')?.text).toBe(
      'The source gives this row neither a location nor a customer group. The registry lists it under every region because the source does not say which customers it serves.',
    )
  })

  it("names the European region by the source's word and says uk is the registry's own split", async () => {
    const doc = await fetchWorker('/subprocessors.json?region=uk&lang=en').then((res) =>
      res.json<SubprocessorListDocument>(),
    )
    expect(SOURCE).toContain('Eiropā')
    expect(
      (await fetchWorker('/subprocessors.json?region=eu&lang=lv').then((res) => res.json<SubprocessorListDocument>()))
        .region,
    ).toEqual({ id: 'eu', name: 'Eiropa' })
    expect(
      doc.notes.find((note) => note.field === 'region' && note.text.startsWith('The source names two regions'))?.text,
    ).toContain(
      "The uk region is the registry's own split of the source's European region for customers in the United Kingdom, not a region the source names",
    )
  })
})

describe('every published representation', () => {
  it.each(REGIONS.flatMap((region) => LANGS.map((lang) => [region, lang] as const)))(
    'region %s, language %s',
    async (region, lang) => {
      const json = await fetchWorker(`/subprocessors.json?region=${region}&lang=${lang}`)
      const csv = await fetchWorker(`/subprocessors.csv?region=${region}&lang=${lang}`)
      const html = await fetchWorker(`/subprocessors.html?region=${region}&lang=${lang}`)
      expect([json.status, csv.status, html.status]).toEqual([200, 200, 200])
      const doc = await json.json<SubprocessorListDocument>()
      const csvText = await csv.text()
      const page = await html.text()

      expect(doc.region.id).toBe(region)
      expect(doc.language).toBe(lang)
      for (const entry of doc.subprocessors) {
        const original = data.subprocessors.subprocessors.find((e) => e.id === entry.id)!
        expect(region === 'all' || original.regions.includes(region)).toBe(true)
        expect(entry.name).toBe(original.name)
        expect(entry.purpose).toBe(original.purpose[lang])
        expect(page).toContain(`<tr id="${entry.id}">`)
        expect(page).toContain(escapeHtml(original.purpose[lang]!))
        expect(csvText).toContain(`"${entry.id}"`)
      }
      expect(csvText.split('\r\n')).toHaveLength(doc.subprocessors.length + 2)

      const { policy } = data.registry
      for (const text of [...policy.introduction, ...policy.contractualSafeguards.obligations, ...policy.disclaimer]) {
        expect(page).toContain(escapeHtml(text[lang]!))
      }
      expect(page).toContain(`<html lang="${lang}">`)
      expect(page).toContain('<time datetime="2023-10-02">')
    },
  )
})

describe('every published entry', () => {
  it.each(data.subprocessors.subprocessors.map((entry) => [entry.id, entry] as const))(
    '%s, in every language and format',
    async (id, original) => {
      for (const lang of LANGS) {
        const doc = await fetchWorker(`/subprocessors/${id}.json?lang=${lang}`).then((res) =>
          res.json<SubprocessorListDocument['subprocessors'][number]>(),
        )
        expect(doc).toMatchObject({
          id,
          name: original.name,
          category: original.category,
          regions: original.regions,
          purpose: original.purpose[lang],
        })
        expect(doc.location?.countries ?? []).toEqual(original.location?.countries ?? [])
        const csv = await fetchWorker(`/subprocessors/${id}.csv?lang=${lang}`).then((res) => res.text())
        expect(csv.split('\r\n')[1]!.startsWith(`"${id}",`)).toBe(true)
        const page = await fetchWorker(`/subprocessors/${id}.html?lang=${lang}`).then((res) => res.text())
        expect(page).toContain(escapeHtml(original.purpose[lang]!))
        for (const assurance of original.assurances)
          expect(page).toContain(escapeHtml(data.registry.assurances[assurance]!.text[lang]!))
      }
    },
  )
})
