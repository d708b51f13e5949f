import type { Labels } from '../input/schema'
import type { SubprocessorDocument } from '../contract/schema'

// Excel reads UTF-8 only with a byte order mark; without it ā, š and ž turn to mojibake.
const BOM = '\uFEFF'
const CRLF = '\r\n'
// A cell starting with one of these is a formula to a spreadsheet (OWASP CSV injection), full-width
// forms included. Spreadsheets skip leading whitespace (spaces, line feeds, no-break spaces) before
// reading a formula, so the check looks past it; a tab or CR at the start is defused on its own.
const FORMULA_START = /^(?:[\t\r]|\s*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20])/u

/** Makes a cell inert: a leading apostrophe defuses a formula, and quoting keeps commas, quotes and newlines in it. */
export function csvCell(value: string): string {
  const text = FORMULA_START.test(value) ? `'${value}` : value
  return `"${text.replaceAll('"', '""')}"`
}

/** RFC 4180 CSV, one row per sub-processor, headed in the given language. */
export function renderCsv(labels: Labels, entries: SubprocessorDocument[]): string {
  const l = labels
  const header = [
    l.id,
    l.entity,
    l.alsoWrittenAs,
    l.product,
    l.category,
    l.roles,
    l.purpose,
    l.customers,
    l.location,
    l.countries,
    l.regions,
    l.assurances,
    l.standards,
    l.notes,
  ]
  const rows = entries.map((entry) => [
    entry.id,
    entry.name ?? '',
    entry.alsoWrittenAs.join('; '),
    entry.product ?? '',
    entry.categoryLabel,
    entry.roles.map((role) => l.roleNames[role]).join('; '),
    entry.purpose,
    entry.customers ?? '',
    entry.location?.text ?? '',
    [...(entry.location?.countries ?? []), ...(entry.location?.subdivisions ?? [])].join('; '),
    entry.regions.join('; '),
    entry.assurances.map((assurance) => assurance.text).join(' '),
    [...new Set(entry.assurances.flatMap((assurance) => assurance.standards))].join('; '),
    entry.notes.map((note) => note.text).join(' '),
  ])
  return BOM + [header, ...rows].map((row) => row.map(csvCell).join(',') + CRLF).join('')
}
