/**
 * What the renderers render: the JSON documents of a list, an entry and a change (served as they
 * are), and the page models built from them, with every label resolved in the page's language.
 */
import { type ChangedField, type ChangeRecord, changeStatus, type ChangeType } from '../../domain/change'
import {
  ALL_REGIONS,
  ENTRY_SCHEMA_URL,
  type EntryView,
  FORMATS,
  type Format,
  type ListView,
  MEDIA_TYPES,
  SCHEMA_URL,
  viewUrl,
  REGISTRY_FORMAT,
} from '../../domain/representation'
import { isoDate } from './dates'
import { summarize } from './summary'
import {
  CATEGORIES,
  type Labels,
  type Language,
  type Localized,
  type RegistryData,
  type SourceNote,
  type SubprocessorEntry,
} from '../input/schema'
import type {
  ChangeDocument,
  SubprocessorDocument,
  SubprocessorEntryDocument,
  SubprocessorListDocument,
} from '../contract/schema'

/** The version facts every representation of a release carries. */
export interface ReleaseStamp {
  version: number
  publishedAt: string
  /** The origin the registry is served from; feeds, which have no base URL, link absolutely from it. */
  origin?: string
}

/** A registry URL as a reader with no base needs it: absolute when the publish knows its origin. */
export const absoluteUrl = (stamp: ReleaseStamp, url: string) => (stamp.origin ? `${stamp.origin}${url}` : url)

/** A text in a language. Validated data has every declared language; lacking one, the first text given stands in. */
export function textIn(text: Localized, lang: Language): string {
  return text[lang] ?? Object.values(text)[0] ?? ''
}

/** Every region a list can be asked for, `all` first. */
export function listRegions(data: RegistryData): string[] {
  return [ALL_REGIONS, ...data.regions.regions.map((region) => region.id)]
}

export function regionName(data: RegistryData, region: string, lang: Language): string {
  if (region === ALL_REGIONS) return textIn(data.regions.allRegionsName, lang)
  const found = data.regions.regions.find((r) => r.id === region)
  if (!found) throw new Error(`unknown region ${region}`)
  return textIn(found.name, lang)
}

/** The entries that apply to customers of a region, in the order data/ gives them. */
export function entriesFor(entries: SubprocessorEntry[], region: string): SubprocessorEntry[] {
  return region === ALL_REGIONS ? entries : entries.filter((entry) => entry.regions.includes(region as never))
}

/** One state of a version: what is in force from `from` until `until`, and every change record. */
export interface ListState {
  entries: SubprocessorEntry[]
  changes: ChangeRecord[]
  from: number
  until: number | null
  /** A future state, as announced now. */
  scheduled: boolean
}

/** One field of an entry as a document shows it in a language; also how a change log shows a field's old and new value. */
export function documentField<F extends ChangedField>(
  data: RegistryData,
  field: F,
  entry: Partial<SubprocessorEntry>,
  lang: Language,
): SubprocessorDocument[F] {
  const value = ((): SubprocessorDocument[ChangedField] => {
    switch (field) {
      case 'name':
        return entry.name ?? null
      case 'alsoWrittenAs':
        return entry.alsoWrittenAs ?? []
      case 'product':
        return entry.product ?? null
      case 'category':
        return entry.category!
      case 'roles':
        return entry.roles ?? []
      case 'purpose':
        return textIn(entry.purpose!, lang)
      case 'customers':
        return entry.customers ? textIn(entry.customers, lang) : null
      case 'location':
        return entry.location
          ? {
              countries: entry.location.countries,
              subdivisions: entry.location.subdivisions ?? [],
              text: textIn(entry.location.text, lang),
            }
          : null
      case 'regions':
        return entry.regions ?? []
      case 'assurances':
        return (entry.assurances ?? []).map((id) => {
          const assurance = data.registry.assurances[id]!
          return { id, text: textIn(assurance.text, lang), standards: assurance.standards }
        })
      case 'notes':
        return (entry.notes ?? []).map((note) => toNote(note, lang))
    }
  })()
  return value as SubprocessorDocument[F]
}

export function toSubprocessorDocument(
  data: RegistryData,
  entry: SubprocessorEntry,
  lang: Language,
): SubprocessorDocument {
  const field = <F extends ChangedField>(name: F) => documentField(data, name, entry, lang)
  return {
    id: entry.id,
    name: field('name'),
    alsoWrittenAs: field('alsoWrittenAs'),
    product: field('product'),
    category: field('category'),
    categoryLabel: textIn(data.registry.categories[entry.category].label, lang),
    roles: field('roles'),
    purpose: field('purpose'),
    customers: field('customers'),
    location: field('location'),
    regions: field('regions'),
    assurances: field('assurances'),
    notes: field('notes'),
  }
}

function toNote(note: SourceNote, lang: Language) {
  return { field: note.field, ...(note.kind ? { kind: note.kind } : {}), text: textIn(note.note, lang) }
}

function formatLinks(url: (format: Format) => string) {
  return { html: url('html'), json: url('json'), csv: url('csv') }
}

/** The changes that touch a region's list. */
const touching = (changes: ChangeRecord[], region: string) =>
  changes.filter((change) => region === ALL_REGIONS || change.regions.includes(region))

export function toListDocument(
  data: RegistryData,
  stamp: ReleaseStamp,
  view: { region: string; lang: Language },
  state: ListState,
): SubprocessorListDocument {
  const { lang, region } = view
  const { company, lastUpdated, source, notes, notice } = data.registry
  const changes = touching(state.changes, region)
  const lastChange = Math.max(
    0,
    ...changes
      .filter((change) => changeStatus(change, state.from) === 'effective')
      .map((change) => Date.parse(change.effectiveAt)),
  )
  return {
    $schema: SCHEMA_URL,
    format: REGISTRY_FORMAT,
    version: stamp.version,
    publishedAt: stamp.publishedAt,
    lastUpdated,
    lastChanged: lastChange ? isoDate(lastChange) : lastUpdated,
    state: state.scheduled ? 'scheduled' : 'in-force',
    inForce: {
      from: new Date(state.from).toISOString(),
      until: state.until === null ? null : new Date(state.until).toISOString(),
    },
    language: lang,
    sourceLanguage: source.language,
    region: { id: region as SubprocessorListDocument['region']['id'], name: regionName(data, region, lang) },
    company: { ...company },
    notice: { periodDays: notice.periodDays, objectionsTo: notice.objectionsTo, note: textIn(notice.note, lang) },
    links: {
      ...formatLinks((format) => viewUrl({ kind: 'list', region, lang, format })),
      changes: viewUrl({ kind: 'changes', region, lang, format: 'json' }),
      atom: viewUrl({ kind: 'changes', region, lang, format: 'atom' }),
      jsonfeed: viewUrl({ kind: 'changes', region, lang, format: 'jsonfeed' }),
    },
    subprocessors: entriesFor(state.entries, region).map((entry) => ({
      ...toSubprocessorDocument(data, entry, lang),
      href: viewUrl({ kind: 'entry', id: entry.id, lang, format: 'json' }),
    })),
    upcoming: changes
      .filter((change) => changeStatus(change, state.from) === 'upcoming')
      .sort((a, b) => Date.parse(a.effectiveAt) - Date.parse(b.effectiveAt))
      .map((change) => changeDocument(data, change, lang, state.from)),
    notes: [
      { field: 'source', text: textIn(source.note, lang) },
      ...notes.map((note) => toNote(note, lang)),
      { field: 'subprocessors.regions', text: textIn(data.subprocessors.regionsBasis, lang) },
      { field: 'region', text: textIn(data.regions.about, lang) },
    ],
  }
}

export function toEntryDocument(
  data: RegistryData,
  stamp: ReleaseStamp,
  entry: SubprocessorEntry,
  lang: Language,
): SubprocessorEntryDocument {
  return {
    $schema: ENTRY_SCHEMA_URL,
    format: REGISTRY_FORMAT,
    version: stamp.version,
    publishedAt: stamp.publishedAt,
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
  /** The language of the target, where links differ by language. */
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

/** One announced or recent change to the list, as the change log gives it, in the page's language. */
export interface PageChange {
  type: ChangeType
  id: string
  /** The change record's id: what a signed objection names. */
  changeId: string
  name: string
  /** One line, in the page's language. */
  summary: string
  announcedAt: string
  effectiveAt: string
  /** null for a change that needs no notice (a removal, an editorial change). */
  objectionDeadline: string | null
  /** Why the change takes effect sooner than the usual notice period, where it does. */
  shortNoticeReason?: string
}

export interface PageChanges {
  upcoming: PageChange[]
  recent: PageChange[]
}

/** A feed of the list's changes, linked from the page's head and header. */
export interface PageFeed {
  href: string
  type: 'application/atom+xml' | 'application/feed+json'
}

export const NO_CHANGES: PageChanges = { upcoming: [], recent: [] }

export interface PageAssurance {
  id: string
  /** Its number on the page, where rows refer to it. */
  number: number
  text: string
  standards: string[]
}

export interface PageNote {
  number: number
  text: string
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
  /** The source's wording, and the countries as names with their codes. */
  location: { text: string; places: string[] } | null
  regions: string
  assurances: PageAssurance[]
  notes: PageNote[]
}

interface PageBase {
  lang: Language
  labels: Labels
  /** What the page says about being a translation; null in the source language. */
  translationNotice: string | null
  company: { name: string; service: string; dpaContactEmail: string }
  /** Whether registered customers can object as signed data (the registry has a receipt key). */
  signedObjections: boolean
  edition: { version: number; publishedAt: string; lastUpdated: string }
  /** The page's own URL, path and query. */
  href: string
  alternates: Alternate[]
  languages: PageLink[]
  formats: PageLink[]
}

export interface PolicySection {
  id: string
  heading: string
  paragraphs: string[]
  items: string[]
}

export interface ListPage extends PageBase {
  /** Whether the list is in force now or a future state, and for how long it holds. */
  state: { scheduled: boolean; from: string; until: string | null }
  region: { id: string; name: string }
  regions: PageLink[]
  inForce: number
  feeds: PageFeed[]
  changes: PageChanges
  categories: { id: string; heading: string; paragraphs: string[]; entries: PageEntry[] }[]
  /** Each assurance the rows refer to, once. */
  assurances: PageAssurance[]
  /** Each note on the rows, once. */
  notes: PageNote[]
  policy: {
    introduction: string[]
    sections: PolicySection[]
    disclaimer: string[]
    /** The DPA contact sentence, split around the e-mail address it names, so that the address can be a link. */
    dpaContact: string[]
  }
  aboutTheList: string[]
}

export interface EntryPage extends PageBase {
  entry: PageEntry & { categoryLabel: string }
  listHref: string
}

const COUNTRY_NAMES = new Map<Language, Intl.DisplayNames>()

function countryName(code: string, lang: Language): string {
  let names = COUNTRY_NAMES.get(lang)
  if (!names) COUNTRY_NAMES.set(lang, (names = new Intl.DisplayNames([lang], { type: 'region', fallback: 'code' })))
  return names.of(code) ?? code
}

function pageBase(
  data: RegistryData,
  doc: SubprocessorListDocument | SubprocessorEntryDocument,
  view: ListView | EntryView,
): PageBase {
  const lang = doc.language
  const locale = data.registry.languages.includes(lang)
    ? data.locales[lang]!
    : data.locales[data.registry.source.language]!
  const { labels } = locale
  const { name, service, dpaContactEmail } = data.registry.company
  const { languages } = data.registry
  return {
    lang,
    labels,
    translationNotice: locale.translation?.notice ?? null,
    company: { name, service, dpaContactEmail },
    signedObjections: Boolean(data.registry.evidence.receiptKey),
    edition: { version: doc.version, publishedAt: doc.publishedAt, lastUpdated: doc.lastUpdated },
    href: viewUrl(view),
    alternates: [
      ...FORMATS.filter((format) => format !== 'html').map((format) => ({
        href: viewUrl({ ...view, format }),
        type: MEDIA_TYPES[format],
        hreflang: lang,
      })),
      ...languages
        .filter((other) => other !== lang)
        .map((other) => ({
          href: viewUrl({ ...view, lang: other, format: 'html' }),
          type: MEDIA_TYPES.html,
          hreflang: other,
        })),
    ],
    languages: languages.map((other) => ({
      href: viewUrl({ ...view, lang: other, format: 'html' }),
      text: data.locales[other]!.name,
      current: other === lang,
      lang: other,
    })),
    formats: [
      { href: viewUrl({ ...view, format: 'csv' }), text: labels.csvLink, current: false, type: MEDIA_TYPES.csv },
      { href: viewUrl({ ...view, format: 'json' }), text: labels.jsonLink, current: false, type: MEDIA_TYPES.json },
      // What the evidence is and how to check it, on the version index's row for this version; its JSON one click on.
      {
        href: `${viewUrl({ kind: 'versions', lang: doc.language, format: 'html' })}#v${doc.version}`,
        text: labels.verifyLink,
        current: false,
        type: MEDIA_TYPES.html,
      },
    ],
  }
}

/** Numbers things in the order the page first shows them, so that each is written once and referred to. */
function numbering<T>() {
  const numbered = new Map<string, T>()
  return {
    of(key: string, make: (number: number) => T): T {
      let found = numbered.get(key)
      if (!found) numbered.set(key, (found = make(numbered.size + 1)))
      return found
    },
    all: () => [...numbered.values()],
  }
}

function toPageEntry(
  data: RegistryData,
  entry: SubprocessorDocument,
  lang: Language,
  assurances = numbering<PageAssurance>(),
  notes = numbering<PageNote>(),
): PageEntry {
  const { labels } = data.locales[lang] ?? data.locales[data.registry.source.language]!
  return {
    id: entry.id,
    href: viewUrl({ kind: 'entry', id: entry.id, lang, format: 'html' }),
    name: entry.name,
    extras: [
      ...entry.roles.map((role) => labels.roleNames[role]),
      ...entry.alsoWrittenAs.map((alias) => `${labels.alsoWrittenAs}: ${alias}`),
      ...(entry.product ? [`${labels.product}: ${entry.product}`] : []),
    ],
    purpose: entry.purpose,
    customers: entry.customers,
    location: entry.location && {
      text: entry.location.text,
      places: [
        ...entry.location.countries.map((code) => `${countryName(code, lang)} (${code})`),
        ...entry.location.subdivisions,
      ],
    },
    regions: entry.regions.map((id) => regionName(data, id, lang)).join(', '),
    assurances: entry.assurances.map(({ id, text, standards }) =>
      assurances.of(id, (number) => ({ id, number, text, standards })),
    ),
    notes: entry.notes.map(({ text }) => notes.of(text, (number) => ({ number, text }))),
  }
}

/** A field's value in words: text as it is, lists joined, objects by their text. */
/** A changed field's old or new value as people read it: regions by their names, in the language. */
export function fieldValue(
  data: RegistryData,
  field: ChangedField,
  value: unknown,
  labels: Labels,
  lang: Language,
): string {
  if (field === 'regions' && Array.isArray(value))
    return value.length ? value.map((region) => regionName(data, String(region), lang)).join(', ') : labels.none
  return plainValue(value, labels)
}

export function plainValue(value: unknown, labels: Labels): string {
  if (value === null || value === undefined) return labels.none
  if (Array.isArray(value)) return value.length ? value.map((item) => plainValue(item, labels)).join('; ') : labels.none
  if (typeof value === 'object') {
    const { text, id, field } = value as { text?: string; id?: string; field?: string }
    return text ?? id ?? field ?? JSON.stringify(value)
  }
  return String(value)
}

/** A change as the page shows it, in its language: for a modification, what changes; else what the entry does. */
function toPageChange(data: RegistryData, change: ChangeDocument, labels: Labels, lang: Language): PageChange {
  const what = change.fields.length
    ? change.fields
        .map(
          ({ field, before, after }) =>
            `${labels.fieldNames[field]}: ${fieldValue(data, field, before, labels, lang)} → ${fieldValue(data, field, after, labels, lang)}`,
        )
        .join('; ')
    : change.entry.document.purpose
  return {
    type: change.type,
    id: change.entry.id,
    changeId: change.id,
    name: change.entry.name ?? labels.notNamed,
    summary: what,
    announcedAt: change.announcedAt,
    effectiveAt: change.effectiveAt,
    objectionDeadline: change.objectionDeadline,
    ...(change.shortNotice ? { shortNoticeReason: change.shortNotice.reason } : {}),
  }
}

/** How many of the latest changes in force the page recalls. */
const RECENT_CHANGES = 5

/** The list page of one region in one language, with its upcoming and recent changes and its feeds. */
export function toListPage(data: RegistryData, doc: SubprocessorListDocument, state: ListState): ListPage {
  const lang = doc.language
  const { labels } = data.locales[lang] ?? data.locales[data.registry.source.language]!
  const view: ListView = { kind: 'list', region: doc.region.id, lang, format: 'html' }
  const { policy, categories, company } = data.registry
  const texts = (list: Localized[]) => list.map((text) => textIn(text, lang))
  const section = (
    id: string,
    { heading, paragraphs }: { heading: Localized; paragraphs: Localized[] },
    items: Localized[] = [],
  ): PolicySection => ({
    id,
    heading: textIn(heading, lang),
    paragraphs: texts(paragraphs),
    items: texts(items),
  })
  const assurances = numbering<PageAssurance>()
  const notes = numbering<PageNote>()
  const grouped = CATEGORIES.map((id) => ({
    id,
    heading: textIn(categories[id].heading, lang),
    paragraphs: texts(categories[id].paragraphs),
    entries: doc.subprocessors
      .filter((entry) => entry.category === id)
      .map((entry) => toPageEntry(data, entry, lang, assurances, notes)),
  }))
  return {
    ...pageBase(data, doc, view),
    region: doc.region,
    regions: listRegions(data).map((region) => ({
      href: viewUrl({ ...view, region }),
      text: regionName(data, region, lang),
      current: region === doc.region.id,
    })),
    inForce: doc.subprocessors.length,
    state: { scheduled: doc.state === 'scheduled', from: doc.inForce.from, until: doc.inForce.until },
    feeds: [
      { href: doc.links.atom, type: 'application/atom+xml' },
      { href: doc.links.jsonfeed, type: 'application/feed+json' },
    ],
    changes: {
      upcoming: doc.upcoming.map((change) => toPageChange(data, change, labels, lang)),
      recent: touching(state.changes, doc.region.id)
        .filter((change) => changeStatus(change, state.from) === 'effective')
        .sort((a, b) => Date.parse(b.effectiveAt) - Date.parse(a.effectiveAt))
        .slice(0, RECENT_CHANGES)
        .map((change) => toPageChange(data, changeDocument(data, change, lang, state.from), labels, lang)),
    },
    categories: grouped,
    assurances: assurances.all(),
    notes: notes.all(),
    policy: {
      introduction: texts(policy.introduction),
      sections: [
        section('what-is-a-sub-processor', policy.whatIsASubprocessor),
        section('due-diligence', policy.dueDiligence),
        section('contractual-safeguards', policy.contractualSafeguards, policy.contractualSafeguards.obligations),
      ],
      disclaimer: texts(policy.disclaimer),
      dpaContact: textIn(policy.dpaContact, lang).split(company.dpaContactEmail),
    },
    aboutTheList: doc.notes.map((note) => note.text),
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

/** A change's identity as a tag: URI (RFC 4151), the same in every feed, format and version. */
export const changeTag = (data: RegistryData, id: string) =>
  `tag:${data.registry.notice.tagAuthority}:subprocessors/change/${id}`

/** A change as JSON documents show it, in one language, as it stands at instant `at`. */
export function changeDocument(data: RegistryData, change: ChangeRecord, lang: Language, at: number): ChangeDocument {
  const entry = change.snapshot as SubprocessorEntry
  return {
    id: change.id,
    tag: changeTag(data, change.id),
    type: change.type,
    status: changeStatus(change, at),
    entry: {
      id: change.entry,
      name: change.name,
      href: viewUrl({ kind: 'entry', id: change.entry, lang, format: 'json' }),
      document: toSubprocessorDocument(data, entry, lang),
    },
    // A language newer than the record has no summary kept in it: said now, in that language.
    summary: change.summary[lang] ?? summarize(data, change)[lang] ?? '',
    fields: change.fields.map(({ field, before, after }) => ({
      field,
      before: documentField(data, field, { [field]: before } as Partial<SubprocessorEntry>, lang),
      after: documentField(data, field, { [field]: after } as Partial<SubprocessorEntry>, lang),
    })),
    regions: change.regions as ChangeDocument['regions'],
    version: change.announcedIn,
    announcedAt: change.announcedAt,
    effectiveAt: change.effectiveAt,
    objectionDeadline: change.objectionDeadline,
    requiresNotice: change.requiresNotice,
    shortNotice: change.shortNotice && {
      kind: change.shortNotice.kind,
      reason: textIn(change.shortNotice.reason, lang),
    },
    withdrawn: change.withdrawnIn === null ? null : { version: change.withdrawnIn, at: change.withdrawnAt! },
    amended: change.amendments,
  }
}
