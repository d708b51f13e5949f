import { ALL_REGIONS, ENTRY_SCHEMA_URL, type Format, SCHEMA_URL, viewUrl } from '../domain/representation'
import type {
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

export function toListDocument(data: RegistryData, stamp: ReleaseStamp, view: { region: string; lang: Language }): SubprocessorListDocument {
  const { lang, region } = view
  const { company, lastUpdated, source, notes } = data.registry
  return {
    $schema: SCHEMA_URL,
    version: stamp.version,
    publishedAt: stamp.publishedAt,
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
