// Synthetic histories for tests: a plainly synthetic sub-processor, and data with announcements.
import type { ChangeRecord } from '../../src/domain/change'
import type { Announcement, RegistryData, SubprocessorEntry } from '../../src/publish/input/schema'

export const DAY_MS = 24 * 60 * 60 * 1000

/** Plainly synthetic: never a fact about the real list. */
export const ACME: SubprocessorEntry = {
  id: 'acme-analytics',
  name: 'Acme Analytics, Inc.',
  category: 'service',
  purpose: {
    lv: 'Sintētisks apakšapstrādātājs testiem.',
    en: 'A synthetic sub-processor for tests.',
    de: 'Ein synthetischer Unterauftragsverarbeiter für Tests.',
  },
  location: { countries: ['DE'], text: { lv: 'Vācija', en: 'Germany', de: 'Deutschland' } },
  regions: ['eu', 'uk'],
  assurances: [],
}

/** The data with these announcements, and any edits of its entries. */
export function announcing(data: RegistryData, ...announcements: Announcement[]): RegistryData {
  return { ...data, announcements }
}

export const at = (iso: string) => new Date(iso)

/** A change record as the change log keeps it, for unit tests of functions that read records. */
export function addedRecord(
  entry: string,
  version: number,
  announcedAt: string,
  noticeDays = 30,
  overrides: Partial<ChangeRecord> = {},
): ChangeRecord {
  const effectiveAt = new Date(Date.parse(announcedAt) + noticeDays * DAY_MS).toISOString()
  return {
    id: `v${version}/${entry}/added/${effectiveAt}`,
    type: 'added',
    entry,
    name: 'Acme Mail, Inc.',
    summary: {
      lv: `Pievienots: Acme Mail, Inc., no ${effectiveAt.slice(0, 10)}`,
      en: `Added: Acme Mail, Inc., from ${effectiveAt.slice(0, 10)}`,
    },
    snapshot: { ...ACME, id: entry, name: 'Acme Mail, Inc.' },
    fields: [],
    regions: ['eu', 'uk'],
    announcedIn: version,
    announcedAt,
    effectiveAt,
    objectionDeadline: effectiveAt,
    requiresNotice: true,
    shortNotice: null,
    withdrawnIn: null,
    withdrawnAt: null,
    amendments: [],
    ...overrides,
  }
}

/**
 * The data with one more language: every text in every declared language gains `lang`, written as
 * `from`'s (a placeholder translation), and its locale is `from`'s, named anew. A text is any
 * object whose keys are exactly the declared languages.
 */
export function withLanguage(data: RegistryData, lang: string, from = 'en', name = lang): RegistryData {
  const declared = new Set(data.registry.languages)
  const isText = (value: object) => {
    const keys = Object.keys(value)
    return keys.length === declared.size && keys.every((key) => declared.has(key))
  }
  const grow = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(grow)
    if (!value || typeof value !== 'object') return value
    const object = value as Record<string, unknown>
    if (isText(object)) return { ...object, [lang]: object[from] }
    return Object.fromEntries(Object.entries(object).map(([key, inner]) => [key, grow(inner)]))
  }
  const { locales, ...rest } = data
  const grown = grow(rest) as Omit<RegistryData, 'locales'>
  return {
    ...grown,
    registry: { ...grown.registry, languages: [...data.registry.languages, lang] },
    locales: { ...locales, [lang]: { ...structuredClone(locales[from]!), name } },
  }
}
