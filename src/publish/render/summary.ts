/**
 * A change in one line per language, and the small text helpers every renderer shares: the
 * labels of a language, an entry's name as the page writes it, a label with its blanks filled.
 */
import type { ChangeRecord } from '../../domain/change'
import type { Labels, Language, RegistryData } from '../input/schema'
import { formatInstant } from './dates'

export const labelsOf = (data: RegistryData, lang: Language): Labels => data.locales[lang]!.labels
export const nameOf = (data: RegistryData, change: Pick<ChangeRecord, 'name'>, lang: Language) =>
  change.name ?? labelsOf(data, lang).notNamed

/** A label with its blanks filled, as plain text (the locale schema makes sure every blank is there). */
export const filled = (template: string, values: Record<string, string | number>) =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name]))

/** The one-line summary of a change in every language; kept in the record for readers that cannot render. */
export function summarize(data: RegistryData, change: Omit<ChangeRecord, 'summary'>): Record<string, string> {
  return Object.fromEntries(
    data.registry.languages.map((lang) => {
      const labels = labelsOf(data, lang)
      return [
        lang,
        filled(labels.changeSummary, {
          type: labels.changeTypes[change.type],
          name: nameOf(data, change, lang),
          date: formatInstant(change.effectiveAt, lang),
        }),
      ]
    }),
  )
}
