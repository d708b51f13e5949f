import { ALL_REGIONS, type ListView, listUrl } from '../domain/representation'
import type {
  Language,
  RegistryData,
  SubprocessorDocument,
  SubprocessorEntry,
  SubprocessorListDocument,
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
    notes: (entry.notes ?? []).map((note) => ({ field: note.field, text: note.note[lang] })),
  }
}

export function toListDocument(data: RegistryData, edition: Edition, view: Omit<ListView, 'format'>): SubprocessorListDocument {
  const lang = view.lang as Language
  const { company, lastUpdated, source, notes } = data.registry
  return {
    version: edition.version,
    publishedAt: edition.publishedAt,
    lastUpdated,
    language: lang,
    sourceLanguage: source.language,
    region: { id: view.region as SubprocessorListDocument['region']['id'], name: regionName(data, view.region, lang) },
    company: { ...company },
    links: {
      html: listUrl({ ...view, format: 'html' }),
      json: listUrl({ ...view, format: 'json' }),
      csv: listUrl({ ...view, format: 'csv' }),
    },
    subprocessors: entriesFor(data, view.region).map((entry) => toSubprocessorDocument(data, entry, lang)),
    notes: [
      { field: 'source', text: source.note[lang] },
      ...notes.map((note) => ({ field: note.field, text: note.note[lang] })),
      { field: 'subprocessors.regions', text: data.subprocessors.regionsBasis[lang] },
      { field: 'region', text: data.regions.about[lang] },
    ],
  }
}
