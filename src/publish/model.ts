import { ALL_REGIONS, ENTRY_SCHEMA_URL, type EntryView, FORMATS, type Format, type ListView, MEDIA_TYPES, SCHEMA_URL, viewUrl } from '../domain/representation'
import { LABELS, type Labels } from './labels'
import {
  type Language,
  CATEGORIES,
  LANGUAGES,
  type Localized,
  type RegistryData,
  type SourceNote,
  type SubprocessorDocument,
  type SubprocessorEntry,
  type SubprocessorEntryDocument,
  type SubprocessorListDocument,
} from './schema'

/** The version facts every representation of a release carries. */
export interface Edition {
  version: number
  publishedAt: string
}

/** Every region a list can be asked for, `all` first. */
export function listRegions(data: RegistryData): string[] {
  return [ALL_REGIONS, ...data.regions.regions.map((region) => region.id)]
}

export function regionName(data: RegistryData, region: string, lang: Language): string {
  if (region === ALL_REGIONS) return data.regions.allRegionsName[lang]
  const found = data.regions.regions.find((r) => r.id === region)
  if (!found) throw new Error(`unknown region ${region}`)
  return found.name[lang]
}

/** The entries that apply to customers of a region, in the source's order. */
export function entriesFor(data: RegistryData, region: string): SubprocessorEntry[] {
  const all = data.subprocessors.subprocessors
  return region === ALL_REGIONS ? all : all.filter((entry) => entry.regions.includes(region as never))
}

export function toSubprocessorDocument(data: RegistryData, entry: SubprocessorEntry, lang: Language): SubprocessorDocument {
  return {
    id: entry.id,
    name: entry.name,
    alsoWrittenAs: entry.alsoWrittenAs ?? [],
    product: entry.product ?? null,
    category: entry.category,
    categoryLabel: data.registry.categories[entry.category].label[lang],
    roles: entry.roles ?? [],
    purpose: entry.purpose[lang],
    customers: entry.customers?.[lang] ?? null,
    location: entry.location && {
      countries: entry.location.countries,
      subdivisions: entry.location.subdivisions ?? [],
      text: entry.location.text[lang],
    },
    regions: entry.regions,
    assurances: entry.assurances.map((id) => {
      const assurance = data.registry.assurances[id]!
      return { id, text: assurance.text[lang], standards: assurance.standards }
    }),
    notes: (entry.notes ?? []).map((note) => toNote(note, lang)),
  }
}

function toNote(note: SourceNote, lang: Language) {
  return { field: note.field, ...(note.kind ? { kind: note.kind } : {}), text: note.note[lang] }
}

function formatLinks(url: (format: Format) => string) {
  return { html: url('html'), json: url('json'), csv: url('csv') }
}

export function toListDocument(data: RegistryData, edition: Edition, view: { region: string; lang: Language }): SubprocessorListDocument {
  const { lang, region } = view
  const { company, lastUpdated, source, notes } = data.registry
  return {
    $schema: SCHEMA_URL,
    version: edition.version,
    publishedAt: edition.publishedAt,
    lastUpdated,
    language: lang,
    sourceLanguage: source.language,
    region: { id: region as SubprocessorListDocument['region']['id'], name: regionName(data, region, lang) },
    company: { ...company },
    links: formatLinks((format) => viewUrl({ kind: 'list', region, lang, format })),
    subprocessors: entriesFor(data, region).map((entry) => toSubprocessorDocument(data, entry, lang)),
    notes: [
      { field: 'source', text: source.note[lang] },
      ...notes.map((note) => toNote(note, lang)),
      { field: 'subprocessors.regions', text: data.subprocessors.regionsBasis[lang] },
      { field: 'region', text: data.regions.about[lang] },
    ],
  }
}

export function toEntryDocument(data: RegistryData, edition: Edition, entry: SubprocessorEntry, lang: Language): SubprocessorEntryDocument {
  return {
    $schema: ENTRY_SCHEMA_URL,
    version: edition.version,
    publishedAt: edition.publishedAt,
    lastUpdated: data.registry.lastUpdated,
    language: lang,
    sourceLanguage: data.registry.source.language,
    ...toSubprocessorDocument(data, entry, lang),
    links: {
      ...formatLinks((format) => viewUrl({ kind: 'entry', id: entry.id, lang, format })),
      list: viewUrl({ kind: 'list', region: ALL_REGIONS, lang, format: 'html' }),
    },
  }
}

// The pages' model: what a page shows, in its language, and nothing of data/ it does not show.

/** A link to the same list or entry in another region, language or format. */
export interface PageLink {
  href: string
  text: string
  current: boolean
  /** The language of the target, where it differs by language. */
  lang?: string
  /** The media type of the target, where it is not a page. */
  type?: string
}

/** A `<link rel="alternate">` of the page's head. */
export interface Alternate {
  href: string
  type: string
  hreflang: string
}

interface PageBase {
  lang: Language
  labels: Labels
  company: { name: string; service: string; dpaContactEmail: string }
  edition: { version: number; publishedAt: string; lastUpdated: string }
  alternates: Alternate[]
  languages: PageLink[]
  formats: PageLink[]
}

/** One sub-processor as a row of the list, or as the entry page, in the page's language. */
export interface PageEntry {
  id: string
  href: string
  /** null where the source names none. */
  name: string | null
  extras: string[]
  purpose: string
  customers: string | null
  location: { text: string; codes: string[] } | null
  regions: string
  assurances: string[]
  notes: string[]
}

export interface PolicySection {
  id: string
  heading: string
  paragraphs: string[]
  items: string[]
}

export interface ListPage extends PageBase {
  region: { id: string; name: string }
  regions: PageLink[]
  policy: {
    introduction: string[]
    sections: PolicySection[]
    disclaimer: string[]
    /** The DPA contact sentence, split around the e-mail address it names, so that the address can be a link. */
    dpaContact: string[]
  }
  categories: { id: string; heading: string; paragraphs: string[]; entries: PageEntry[] }[]
  notes: string[]
}

export interface EntryPage extends PageBase {
  entry: PageEntry & { categoryLabel: string }
  listHref: string
}

function pageBase(data: RegistryData, doc: SubprocessorListDocument | SubprocessorEntryDocument, view: ListView | EntryView): PageBase {
  const lang = doc.language
  const labels = LABELS[lang]
  const { name, service, dpaContactEmail } = data.registry.company
  return {
    lang,
    labels,
    company: { name, service, dpaContactEmail },
    edition: { version: doc.version, publishedAt: doc.publishedAt, lastUpdated: doc.lastUpdated },
    alternates: [
      ...FORMATS.filter((format) => format !== 'html').map((format) => ({ href: viewUrl({ ...view, format }), type: MEDIA_TYPES[format], hreflang: lang })),
      ...LANGUAGES.filter((other) => other !== lang).map((other) => ({ href: viewUrl({ ...view, lang: other, format: 'html' }), type: MEDIA_TYPES.html, hreflang: other })),
    ],
    languages: LANGUAGES.map((other) => ({ href: viewUrl({ ...view, lang: other, format: 'html' }), text: LABELS[other].languageName, current: other === lang, lang: other })),
    formats: [
      { href: viewUrl({ ...view, format: 'json' }), text: labels.jsonLink, current: false, type: MEDIA_TYPES.json },
      { href: viewUrl({ ...view, format: 'csv' }), text: labels.csvLink, current: false, type: MEDIA_TYPES.csv },
    ],
  }
}

function toPageEntry(data: RegistryData, entry: SubprocessorDocument, lang: Language): PageEntry {
  const labels = LABELS[lang]
  return {
    id: entry.id,
    href: viewUrl({ kind: 'entry', id: entry.id, lang, format: 'html' }),
    name: entry.name,
    extras: [
      ...entry.roles.map((role) => labels.role[role]),
      ...entry.alsoWrittenAs.map((alias) => `${labels.alsoWrittenAs}: ${alias}`),
      ...(entry.product ? [`${labels.product}: ${entry.product}`] : []),
    ],
    purpose: entry.purpose,
    customers: entry.customers,
    location: entry.location && { text: entry.location.text, codes: [...entry.location.countries, ...entry.location.subdivisions] },
    regions: entry.regions.map((id) => regionName(data, id, lang)).join(', '),
    assurances: entry.assurances.map((assurance) => assurance.text),
    notes: entry.notes.map((note) => note.text),
  }
}

/** The list page of one region in one language. */
export function toListPage(data: RegistryData, doc: SubprocessorListDocument): ListPage {
  const lang = doc.language
  const view: ListView = { kind: 'list', region: doc.region.id, lang, format: 'html' }
  const { policy, categories, company } = data.registry
  const section = (id: string, { heading, paragraphs }: { heading: Localized; paragraphs: Localized[] }, items: Localized[] = []): PolicySection => ({
    id,
    heading: heading[lang],
    paragraphs: paragraphs.map((text) => text[lang]),
    items: items.map((text) => text[lang]),
  })
  return {
    ...pageBase(data, doc, view),
    region: doc.region,
    regions: listRegions(data).map((region) => ({ href: viewUrl({ ...view, region }), text: regionName(data, region, lang), current: region === doc.region.id })),
    policy: {
      introduction: policy.introduction.map((text) => text[lang]),
      sections: [
        section('what-is-a-sub-processor', policy.whatIsASubprocessor),
        section('due-diligence', policy.dueDiligence),
        section('contractual-safeguards', policy.contractualSafeguards, policy.contractualSafeguards.obligations),
      ],
      disclaimer: policy.disclaimer.map((text) => text[lang]),
      dpaContact: policy.dpaContact[lang].split(company.dpaContactEmail),
    },
    categories: CATEGORIES.map((id) => ({
      id,
      heading: categories[id].heading[lang],
      paragraphs: categories[id].paragraphs.map((text) => text[lang]),
      entries: doc.subprocessors.filter((entry) => entry.category === id).map((entry) => toPageEntry(data, entry, lang)),
    })),
    notes: doc.notes.map((note) => note.text),
  }
}

/** The page of one sub-processor in one language. */
export function toEntryPage(data: RegistryData, doc: SubprocessorEntryDocument): EntryPage {
  const view: EntryView = { kind: 'entry', id: doc.id, lang: doc.language, format: 'html' }
  return {
    ...pageBase(data, doc, view),
    entry: { ...toPageEntry(data, doc, doc.language), categoryLabel: doc.categoryLabel },
    listHref: doc.links.list,
  }
}
