import { z } from 'zod'
import {
  type Announcement,
  AnnouncementsFile,
  dataSchemas,
  type Language,
  LanguageDeclaration,
  type Locale,
  type RegistryData,
  REGION_IDS,
  type RegionsFile,
  type SubprocessorEntry,
} from './schema'

export const DATA_FILES = {
  registry: 'registry.json',
  subprocessors: 'subprocessors.json',
  regions: 'regions.json',
  announcements: 'announcements.json',
} as const

/** One locale file per declared language: data/locales/<lang>.json. */
export const LOCALES_FOLDER = 'locales'
export const localeFile = (lang: string) => `${LOCALES_FOLDER}/${lang}.json`

/** The parsed contents of data/: its three files, and the locale files by language. */
export type DataFiles = Record<keyof typeof DATA_FILES, unknown> & { locales: Record<string, unknown> }

/** One thing wrong with data/, with its place: the file, the entry (when there is one) and the field. */
export interface Problem {
  file: string
  entry: string | null
  field: string
  message: string
}

export type Validation = { ok: true; data: RegistryData } | { ok: false; problems: Problem[] }

// An entry has the same fields whatever the languages.
const ENTRY_FIELDS = new Set(Object.keys(dataSchemas(['lv']).SubprocessorEntry.shape))

type Report = (file: string, entry: string | null, field: string, message: string) => void

/** A language's name in itself, as Unicode's CLDR gives it (`latviešu`, `Deutsch`); null where it knows none. */
function nameInItself(lang: Language): string | null {
  try {
    const name = new Intl.DisplayNames([lang], { type: 'language', fallback: 'none' }).of(lang)
    return name && name !== lang ? name : null
  } catch {
    return null
  }
}

/** One locale file per declared language, each marked as the source or as a translation of it. */
function checkLocales(
  declared: z.infer<typeof LanguageDeclaration>,
  files: DataFiles,
  locale: ReturnType<typeof dataSchemas>['locale'],
  problems: Problem[],
  report: Report,
): Record<Language, Locale> {
  const locales: Record<Language, Locale> = Object.create(null)
  const source = declared.source.language
  for (const lang of declared.languages) {
    if (!Object.hasOwn(files.locales, lang)) {
      report(
        localeFile(lang),
        null,
        '(whole file)',
        `registry.json declares "${lang}", but there is no ${localeFile(lang)}`,
      )
      continue
    }
    const parsed = check(locale(lang), files.locales[lang], localeFile(lang), problems, [], false)
    if (!parsed) continue
    locales[lang] = parsed
    const own = nameInItself(lang)
    if (own && !parsed.name.toLocaleLowerCase(lang).includes(own.toLocaleLowerCase(lang)))
      report(
        localeFile(lang),
        null,
        'name',
        `"${parsed.name}" is not what ${lang} calls itself ("${own}"): was this file copied from another language's?`,
      )
    if (lang === source && parsed.translation)
      report(localeFile(lang), null, 'translation', `"${lang}" is the source language, not a translation`)
    if (lang !== source && parsed.translation?.of !== source)
      report(
        localeFile(lang),
        null,
        'translation',
        `"${lang}" must be marked as a translation of the source language, "${source}"`,
      )
  }
  for (const lang of Object.keys(files.locales))
    if (!declared.languages.includes(lang))
      report(localeFile(lang), null, '(whole file)', `"${lang}" is not in the languages registry.json declares`)
  return locales
}

/** Each region the registry knows, defined exactly once. */
function checkRegions(regions: RegionsFile, report: Report): void {
  const defined = regions.regions.map((region) => region.id)
  for (const id of REGION_IDS) {
    const count = defined.filter((d) => d === id).length
    if (count !== 1)
      report(DATA_FILES.regions, id, 'regions', `region "${id}" must be defined exactly once, found ${count}`)
  }
}

const arrayAt = (file: unknown, key: string): unknown[] => {
  const value = file && typeof file === 'object' ? (file as Record<string, unknown>)[key] : undefined
  return Array.isArray(value) ? value : []
}
const objectAt = (file: unknown, key: string): object => {
  const value = file && typeof file === 'object' ? (file as Record<string, unknown>)[key] : undefined
  return value && typeof value === 'object' && !Array.isArray(value) ? value : {}
}

/** What the schema cannot see in one entry: unique ids, and references that must resolve. */
function checkEntries(entries: SubprocessorEntry[], assurances: Set<string>, report: Report): void {
  const seen = new Set<string>()
  for (const entry of entries) {
    const at = (field: string, message: string) => report(DATA_FILES.subprocessors, entry.id, field, message)
    if (seen.has(entry.id)) at('id', `id "${entry.id}" is used by more than one entry`)
    seen.add(entry.id)
    entry.location?.subdivisions?.forEach((subdivision, i) => {
      if (!entry.location?.countries.includes(subdivision.slice(0, 2))) {
        at(`location.subdivisions[${i}]`, `"${subdivision}" lies in a country that location.countries does not list`)
      }
    })
    entry.assurances.forEach((assurance, i) => {
      if (!assurances.has(assurance))
        at(`assurances[${i}]`, `"${assurance}" is not defined under "assurances" in ${DATA_FILES.registry}`)
    })
    if (new Set(entry.regions).size !== entry.regions.length) at('regions', 'lists a region more than once')
    entry.notes?.forEach((note, i) => {
      const top = note.field.split(/[.[]/)[0] ?? ''
      if (!ENTRY_FIELDS.has(top)) at(`notes[${i}].field`, `"${note.field}" is not a field of an entry`)
    })
  }
}

// C0 and C1 controls (a text is one line: no newline either), DEL, the bidi embeddings, overrides,
// isolates and marks, and the invisible joiners and spaces: each changes what a reader sees, or hides.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/u

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`

/** Every string of a file that holds a control, bidi or invisible character, named by entry and field. */
function checkCharacters(file: string, value: unknown, problems: Problem[]): void {
  const walk = (node: unknown, path: PropertyKey[]) => {
    if (typeof node === 'string') {
      const found = HIDDEN.exec(node)
      if (found)
        problems.push({
          file,
          ...locate(value, path, []),
          message: `holds ${codePoint(found[0])}, a control, bidi or invisible character: it can reverse, hide or disguise what readers see`,
        })
    } else if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) walk(item, [...path, i])
    } else if (node && typeof node === 'object')
      for (const [key, inner] of Object.entries(node)) walk(inner, [...path, key])
  }
  walk(value, [])
}

const SCRIPTS = ['Latin', 'Cyrillic', 'Greek', 'Armenian', 'Cherokee'] as const
const SCRIPT_PATTERNS = SCRIPTS.map((script) => [script, new RegExp(`\\p{Script=${script}}`, 'u')] as const)

/** The scripts a name's letters come from, among those whose letters pass for Latin ones. */
export function scriptsOf(name: string): string[] {
  return SCRIPT_PATTERNS.filter(([, pattern]) => pattern.test(name)).map(([script]) => script)
}

/** A name that mixes Latin letters with look-alikes from another script: `Twіlio` with a Cyrillic і. */
function checkNames(file: string, entries: SubprocessorEntry[], report: Report): void {
  for (const entry of entries)
    for (const [field, name] of [
      ['name', entry.name],
      ['product', entry.product],
      ...(entry.alsoWrittenAs ?? []).map((alias, i) => [`alsoWrittenAs[${i}]`, alias] as const),
    ] as const) {
      const scripts = name ? scriptsOf(name) : []
      if (scripts.length > 1)
        report(
          file,
          entry.id,
          field,
          `mixes ${scripts.join(' and ')} letters ("${name}"): one may be a look-alike of another; write the name in one script`,
        )
    }
}

/**
 * Checks the parsed contents of the data/ files against the schema and against each other.
 * Entries are checked one by one, so one broken entry does not hide the problems of the rest.
 */
export function validateRegistry(files: DataFiles): Validation {
  const problems: Problem[] = []
  const report: Report = (file, entry, field, message) => problems.push({ file, entry, field, message })

  for (const [name, file] of Object.entries(DATA_FILES))
    checkCharacters(file, files[name as keyof typeof DATA_FILES], problems)
  for (const [lang, locale] of Object.entries(files.locales)) checkCharacters(localeFile(lang), locale, problems)
  // Every localized text is checked against the declared languages, so they come first.
  const declared = check(LanguageDeclaration, files.registry, DATA_FILES.registry, problems)
  if (!declared) return { ok: false, problems }
  const schemas = dataSchemas(declared.languages)
  const { RegistryFile, SubprocessorsFile, SubprocessorEntry, RegionsFile } = schemas
  const locales = checkLocales(declared, files, schemas.locale, problems, report)
  const registry = check(RegistryFile, files.registry, DATA_FILES.registry, problems)
  const envelope = check(
    SubprocessorsFile.extend({ subprocessors: z.array(z.unknown()).min(1, 'must list at least one sub-processor') }),
    files.subprocessors,
    DATA_FILES.subprocessors,
    problems,
  )
  // Every entry is checked, even when its file's envelope is not valid: one pass names every problem.
  const rawEntries = arrayAt(files.subprocessors, 'subprocessors')
  const entries = rawEntries.flatMap((raw, i) => {
    const entry = check(SubprocessorEntry, raw, DATA_FILES.subprocessors, problems, ['subprocessors', i])
    return entry ? [entry] : []
  })
  const regions = check(RegionsFile, files.regions, DATA_FILES.regions, problems)
  if (regions) checkRegions(regions, report)
  // References resolve against what the files name, valid or not, so that no problem is reported twice over.
  const named = {
    entries: new Set(rawEntries.map(idOf).filter((id): id is string => id !== null)),
    assurances: new Set(Object.keys(objectAt(files.registry, 'assurances'))),
  }
  checkEntries(entries, named.assurances, report)
  checkNames(DATA_FILES.subprocessors, entries, report)
  const announcements = checkAnnouncements(schemas.Announcement, files.announcements, named, problems)
  checkNames(
    DATA_FILES.announcements,
    (announcements ?? []).flatMap((a) => (a.add ? [a.add] : [])),
    report,
  )
  if (problems.length || !registry || !envelope || !regions || !announcements) return { ok: false, problems }
  return {
    ok: true,
    data: { registry, subprocessors: { ...envelope, subprocessors: entries }, regions, locales, announcements },
  }
}

/** The id an announcement is about, read from the raw value so that a broken one is still named. */
function announcedId(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null) return null
  const { add, remove, change } = raw as { add?: { id?: unknown }; remove?: unknown; change?: unknown }
  const id = add?.id ?? remove ?? change
  return typeof id === 'string' ? id : null
}

/** What a schema-valid announcement may still get wrong against the entries and the ones before it. */
interface AnnouncementContext {
  inBase: Set<string>
  added: Set<string>
  scheduled: Set<string>
}

/** An announcement as written, valid or not: the rules below read only these parts, each checked for its type. */
interface WrittenAnnouncement {
  add?: { id?: unknown; assurances?: unknown }
  remove?: unknown
  change?: unknown
  set?: { assurances?: unknown }
  shortNotice?: unknown
}

/** The first rule an announcement breaks, as [field, message]; null when it breaks none (and is recorded). */
function announcementProblem(
  announcement: WrittenAnnouncement,
  id: string | null,
  seen: AnnouncementContext,
): [string, string] | null {
  const kinds = (['add', 'remove', 'change'] as const).filter((kind) => announcement[kind] !== undefined)
  if (kinds.length !== 1)
    return [
      '',
      `must have exactly one of "add", "remove" or "change", found ${kinds.length ? kinds.map((k) => `"${k}"`).join(' and ') : 'none'}`,
    ]
  const { set } = announcement
  if (announcement.change !== undefined && (!set || typeof set !== 'object' || Object.keys(set).length === 0))
    return ['set', '"change" needs "set" with at least one field']
  if (announcement.change === undefined && set !== undefined) return ['set', '"set" belongs to a "change"']
  if (announcement.remove !== undefined && announcement.shortNotice)
    return ['shortNotice', 'a removal needs no notice, so it takes no shortNotice']
  // An id of the wrong type is the schema's to report; the rules below need one.
  if (id === null) return null
  if (announcement.add) {
    if (seen.inBase.has(id) || seen.added.has(id)) return ['add.id', `"${id}" is already an entry`]
    seen.added.add(id)
  } else if (!seen.inBase.has(id) && !seen.added.has(id))
    return [
      announcement.remove ? 'remove' : 'change',
      `"${id}" is not an entry in ${DATA_FILES.subprocessors} or added above`,
    ]
  // One live announcement per entry: a second change of it is announced once the first has taken effect.
  if (seen.scheduled.has(id))
    return ['', `another announcement above is about "${id}": an entry has one announcement at a time`]
  seen.scheduled.add(id)
  return null
}

function checkAnnouncements(
  AnnouncementSchema: ReturnType<typeof dataSchemas>['Announcement'],
  file: unknown,
  named: { entries: Set<string>; assurances: Set<string> },
  problems: Problem[],
): Announcement[] | null {
  const envelope = check(AnnouncementsFile, file, DATA_FILES.announcements, problems)
  if (!envelope) return null
  const report = (i: number, entry: string | null, field: string, message: string) =>
    problems.push({
      file: DATA_FILES.announcements,
      entry,
      field: `announcements[${i}]${field ? `.${field}` : ''}`,
      message,
    })
  const seen = {
    inBase: named.entries,
    added: new Set<string>(),
    scheduled: new Set<string>(),
  }
  const parsed: Announcement[] = []
  for (const [i, raw] of envelope.announcements.entries()) {
    const id = announcedId(raw)
    const result = AnnouncementSchema.safeParse(raw)
    if (!result.success)
      for (const issue of result.error.issues)
        report(
          i,
          id,
          issue.path
            .map((key) => (typeof key === 'number' ? `[${key}]` : String(key)))
            .join('.')
            .replace(/\.\[/g, '['),
          issue.message,
        )
    // The rules are checked on what is written, valid or not: one pass names every problem.
    const written = (typeof raw === 'object' && raw !== null ? raw : {}) as WrittenAnnouncement
    const problem = announcementProblem(written, id, seen)
    if (problem) report(i, id, ...problem)
    const fields = written.add ?? written.set ?? {}
    const assurances = Array.isArray(fields.assurances) ? fields.assurances : []
    assurances.forEach((assurance, j) => {
      if (typeof assurance === 'string' && !named.assurances.has(assurance))
        report(
          i,
          id,
          `${written.add ? 'add' : 'set'}.assurances[${j}]`,
          `"${assurance}" is not defined under "assurances" in ${DATA_FILES.registry}`,
        )
    })
    if (result.success && !problem) parsed.push(result.data)
  }
  return parsed
}

function check<T extends z.ZodType>(
  schema: T,
  value: unknown,
  file: string,
  problems: Problem[],
  at: PropertyKey[] = [],
  hasEntries = true,
): z.infer<T> | null {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  for (const issue of result.error.issues) {
    const place = hasEntries
      ? locate(value, issue.path, at)
      : { entry: null, field: fieldPath(issue.path) || '(whole file)' }
    problems.push({ file, ...place, message: issue.message })
  }
  return null
}

const idOf = (node: unknown) =>
  node && typeof node === 'object' && typeof (node as { id?: unknown }).id === 'string'
    ? (node as { id: string }).id
    : null
const RECORDS_OF_ENTRIES = new Set(['assurances', 'countryOverrides'])

/**
 * Names the entry an issue sits in (the nearest object with an id, or a key of a record of
 * entries) and the field below it. `at` is where `value` sits in its file, for an entry checked alone.
 */
function locate(value: unknown, relative: PropertyKey[], at: PropertyKey[]): { entry: string | null; field: string } {
  const path = [...at, ...relative]
  let entry = at.length ? idOf(value) : null
  let fieldStart = entry ? at.length : 0
  let record = ''
  let node = value
  relative.forEach((key, i) => {
    node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined
    const depth = at.length + i
    const id = idOf(node)
    if (id) {
      entry = id
      fieldStart = depth + 1
    } else if (depth === 1 && typeof key === 'string' && RECORDS_OF_ENTRIES.has(String(path[0]))) {
      entry = key
      fieldStart = depth + 1
      record = String(path[0])
    }
  })
  const field = fieldPath([...(record ? [record] : []), ...path.slice(fieldStart)])
  return { entry, field: field || (entry ? '(whole entry)' : '(whole file)') }
}

const fieldPath = (path: PropertyKey[]) =>
  path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i ? '.' : ''}${String(key)}`)).join('')
