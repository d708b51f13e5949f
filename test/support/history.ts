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
    ...overrides,
  }
}
