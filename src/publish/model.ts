import { type ChangedField, type ChangeRecord, changeStatus } from '../domain/change'
import { isoDate } from './dates'
import { ALL_REGIONS, ENTRY_SCHEMA_URL, type Format, SCHEMA_URL, viewUrl } from '../domain/representation'
import type {
  ChangeDocument,
  Language,
  RegistryData,
  SourceNote,
  SubprocessorDocument,
  SubprocessorEntry,
  SubprocessorEntryDocument,
  SubprocessorListDocument,
} from './schema'

/** The version facts every representation of a release carries. */
export interface ReleaseStamp {
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
export function documentField<F extends ChangedField>(data: RegistryData, field: F, entry: Partial<SubprocessorEntry>, lang: Language): SubprocessorDocument[F] {
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
        return entry.purpose![lang]
      case 'customers':
        return entry.customers?.[lang] ?? null
      case 'location':
        return entry.location ? { countries: entry.location.countries, subdivisions: entry.location.subdivisions ?? [], text: entry.location.text[lang] } : null
      case 'regions':
        return entry.regions ?? []
      case 'assurances':
        return (entry.assurances ?? []).map((id) => {
          const assurance = data.registry.assurances[id]!
          return { id, text: assurance.text[lang], standards: assurance.standards }
        })
      case 'notes':
        return (entry.notes ?? []).map((note) => toNote(note, lang))
    }
  })()
  return value as SubprocessorDocument[F]
}

export function toSubprocessorDocument(data: RegistryData, entry: SubprocessorEntry, lang: Language): SubprocessorDocument {
  const field = <F extends ChangedField>(name: F) => documentField(data, name, entry, lang)
  return {
    id: entry.id,
    name: field('name'),
    alsoWrittenAs: field('alsoWrittenAs'),
    product: field('product'),
    category: field('category'),
    categoryLabel: data.registry.categories[entry.category].label[lang],
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
  return { field: note.field, ...(note.kind ? { kind: note.kind } : {}), text: note.note[lang] }
}

function formatLinks(url: (format: Format) => string) {
  return { html: url('html'), json: url('json'), csv: url('csv') }
}

export function toListDocument(data: RegistryData, stamp: ReleaseStamp, view: { region: string; lang: Language }, state: ListState): SubprocessorListDocument {
  const { lang, region } = view
  const { company, lastUpdated, source, notes, notice } = data.registry
  const touching = state.changes.filter((change) => region === ALL_REGIONS || change.regions.includes(region))
  const lastChange = Math.max(0, ...touching.filter((change) => changeStatus(change, state.from) === 'effective').map((change) => Date.parse(change.effectiveAt)))
  return {
    $schema: SCHEMA_URL,
    version: stamp.version,
    publishedAt: stamp.publishedAt,
    lastUpdated,
    lastChanged: lastChange ? isoDate(lastChange) : lastUpdated,
    state: state.scheduled ? 'scheduled' : 'in-force',
    inForce: { from: new Date(state.from).toISOString(), until: state.until === null ? null : new Date(state.until).toISOString() },
    language: lang,
    sourceLanguage: source.language,
    region: { id: region as SubprocessorListDocument['region']['id'], name: regionName(data, region, lang) },
    company: { ...company },
    notice: { periodDays: notice.periodDays, objectionsTo: notice.objectionsTo, note: notice.note[lang] },
    links: {
      ...formatLinks((format) => viewUrl({ kind: 'list', region, lang, format })),
      changes: viewUrl({ kind: 'changes', region, lang, format: 'json' }),
      atom: viewUrl({ kind: 'changes', region, lang, format: 'atom' }),
    },
    subprocessors: entriesFor(state.entries, region).map((entry) => toSubprocessorDocument(data, entry, lang)),
    upcoming: touching
      .filter((change) => changeStatus(change, state.from) === 'upcoming')
      .sort((a, b) => Date.parse(a.effectiveAt) - Date.parse(b.effectiveAt))
      .map((change) => changeDocument(data, change, lang, state.from)),
    notes: [
      { field: 'source', text: source.note[lang] },
      ...notes.map((note) => toNote(note, lang)),
      { field: 'subprocessors.regions', text: data.subprocessors.regionsBasis[lang] },
      { field: 'region', text: data.regions.about[lang] },
    ],
  }
}

export function toEntryDocument(data: RegistryData, stamp: ReleaseStamp, entry: SubprocessorEntry, lang: Language): SubprocessorEntryDocument {
  return {
    $schema: ENTRY_SCHEMA_URL,
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

/** A change's identity as a tag: URI (RFC 4151), the same in every feed, format and version. */
export const changeTag = (data: RegistryData, id: string) => `tag:${data.registry.notice.tagAuthority}:subprocessors/change/${id}`
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
    summary: change.summary[lang] ?? '',
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
    shortNotice: change.shortNotice && { kind: change.shortNotice.kind, reason: change.shortNotice.reason[lang] ?? '' },
    withdrawn: change.withdrawnIn === null ? null : { version: change.withdrawnIn, at: change.withdrawnAt! },
  }
}
