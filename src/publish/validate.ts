import { countries } from 'countries-list'
import type { z } from 'zod'
import {
  type RegistryData,
  RegionsFile,
  REGION_IDS,
  RegistryFile,
  SubprocessorEntry,
  SubprocessorsFile,
} from './schema'

export const DATA_FILES = {
  registry: 'registry.json',
  subprocessors: 'subprocessors.json',
  regions: 'regions.json',
} as const

/** One thing wrong with data/, with its place: the file, the entry (when there is one) and the field. */
export interface Problem {
  file: string
  entry: string | null
  field: string
  message: string
}

export type Validation = { ok: true; data: RegistryData } | { ok: false; problems: Problem[] }

const ENTRY_FIELDS = new Set(Object.keys(SubprocessorEntry.shape))

/** Checks the parsed contents of the data/ files against the schema and against each other. */
export function validateRegistry(files: Record<keyof typeof DATA_FILES, unknown>): Validation {
  const problems: Problem[] = []
  const registry = check(RegistryFile, files.registry, DATA_FILES.registry, problems)
  const subprocessors = check(SubprocessorsFile, files.subprocessors, DATA_FILES.subprocessors, problems)
  const regions = check(RegionsFile, files.regions, DATA_FILES.regions, problems)
  if (!registry || !subprocessors || !regions) return { ok: false, problems }

  const report = (file: string, entry: string | null, field: string, message: string) =>
    problems.push({ file, entry, field, message })

  const defined = regions.regions.map((region) => region.id)
  for (const id of REGION_IDS) {
    const count = defined.filter((d) => d === id).length
    if (count !== 1) report(DATA_FILES.regions, id, 'regions', `region "${id}" must be defined exactly once, found ${count}`)
  }
  for (const country of Object.keys(regions.countryOverrides)) {
    if (!isCountry(country)) report(DATA_FILES.regions, country, 'countryOverrides', `"${country}" is not an ISO 3166-1 alpha-2 country code`)
  }

  const seen = new Set<string>()
  for (const entry of subprocessors.subprocessors) {
    const at = (field: string, message: string) => report(DATA_FILES.subprocessors, entry.id, field, message)
    if (seen.has(entry.id)) at('id', `id "${entry.id}" is used by more than one entry`)
    seen.add(entry.id)
    entry.location?.countries.forEach((country, i) => {
      if (!isCountry(country)) at(`location.countries[${i}]`, `"${country}" is not an ISO 3166-1 alpha-2 country code`)
    })
    entry.location?.subdivisions?.forEach((subdivision, i) => {
      if (!entry.location?.countries.includes(subdivision.slice(0, 2))) {
        at(`location.subdivisions[${i}]`, `"${subdivision}" lies in a country that location.countries does not list`)
      }
    })
    entry.assurances.forEach((assurance, i) => {
      if (!(assurance in registry.assurances)) {
        at(`assurances[${i}]`, `"${assurance}" is not defined under "assurances" in ${DATA_FILES.registry}`)
      }
    })
    if (new Set(entry.regions).size !== entry.regions.length) at('regions', 'lists a region more than once')
    entry.notes?.forEach((note, i) => {
      const top = note.field.split(/[.[]/)[0] ?? ''
      if (!ENTRY_FIELDS.has(top)) at(`notes[${i}].field`, `"${note.field}" is not a field of an entry`)
    })
  }
  return problems.length ? { ok: false, problems } : { ok: true, data: { registry, subprocessors, regions } }
}

function isCountry(code: string): boolean {
  return Object.hasOwn(countries, code)
}

function check<T extends z.ZodType>(schema: T, value: unknown, file: string, problems: Problem[]): z.infer<T> | null {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  for (const issue of result.error.issues) problems.push({ file, ...locate(value, issue.path), message: issue.message })
  return null
}

/** Names the entry an issue sits in (the nearest object with an id, or a record key) and the field below it. */
function locate(root: unknown, path: PropertyKey[]): { entry: string | null; field: string } {
  let entry: string | null = null
  let fieldStart = 0
  let node: unknown = root
  path.forEach((key, i) => {
    node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined
    const id = node && typeof node === 'object' ? (node as { id?: unknown }).id : undefined
    if (typeof id === 'string') {
      entry = id
      fieldStart = i + 1
    } else if (i === 1 && typeof key === 'string' && (path[0] === 'assurances' || path[0] === 'countryOverrides')) {
      entry = key
      fieldStart = i + 1
    }
  })
  const field = path
    .slice(fieldStart)
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i ? '.' : ''}${String(key)}`))
    .join('')
  return { entry, field: field || (entry ? '(whole entry)' : '(whole file)') }
}
