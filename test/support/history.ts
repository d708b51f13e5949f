// Synthetic histories for tests: a plainly synthetic sub-processor, and data with announcements.
import type { Announcement, RegistryData, SubprocessorEntry } from '../../src/publish/schema'

export const DAY_MS = 24 * 60 * 60 * 1000

/** Plainly synthetic: never a fact about the real list. */
export const ACME: SubprocessorEntry = {
  id: 'acme-analytics',
  name: 'Acme Analytics, Inc.',
  category: 'service',
  purpose: { lv: 'Sintētisks apakšapstrādātājs testiem.', en: 'A synthetic sub-processor for tests.', de: 'Ein synthetischer Unterauftragsverarbeiter für Tests.' },
  location: { countries: ['DE'], text: { lv: 'Vācija', en: 'Germany', de: 'Deutschland' } },
  regions: ['eu', 'uk'],
  assurances: [],
}

/** The data with these announcements, and any edits of its entries. */
export function announcing(data: RegistryData, ...announcements: Announcement[]): RegistryData {
  return { ...data, announcements }
}

export const at = (iso: string) => new Date(iso)
