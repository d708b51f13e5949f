import { type ErrorCode, RegistryError } from './errors'
import { ALL_REGIONS, FORMATS, type Release } from './representation'

/** What the URL itself fixes; anything it leaves open is negotiated from headers or geolocation. */
export interface Selection<F extends string = string> {
  region?: string
  lang?: string
  format?: F
}

/**
 * Reads region, lang and format from the query and the path suffix (`/subprocessors.csv`).
 * Values are case-insensitive; unknown parameters are ignored so cache-busting stays harmless.
 */
export function readSelection<F extends string>(
  query: Record<string, string[]>,
  suffix: string | undefined,
  release: Release,
  formats: readonly F[],
): Selection<F> {
  const region = single(query, 'region', [ALL_REGIONS, ...release.regions])
  const lang = single(query, 'lang', release.languages)
  let format = single(query, 'format', formats) as F | undefined
  if (suffix !== undefined) {
    const fromSuffix = allowed('format', suffix.toLowerCase(), formats) as F
    if (format && format !== fromSuffix) {
      throw new RegistryError(
        'conflicting_format',
        `The path asks for ${fromSuffix} but ?format= asks for ${format}.`,
        {
          parameter: 'format',
          allowed: [fromSuffix],
        },
      )
    }
    format = fromSuffix
  }
  return { region, lang, format }
}

/** The list's selection: its formats are JSON, HTML and CSV. */
export const readListSelection = (query: Record<string, string[]>, suffix: string | undefined, release: Release) =>
  readSelection(query, suffix, release, FORMATS)

/** Which published moment a URL asks for: a version, an instant, or (neither) now. */
export interface Moment {
  version?: number
  at?: number
}

// Version 0 is a number all the same: it was never published (404 unknown_version), rather than not a number (400).
const VERSION = /^(?:0|[1-9][0-9]{0,8})$/
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/i
export const INSTANT_FORMS = ['YYYY-MM-DD', 'YYYY-MM-DDTHH:MM:SSZ', 'YYYY-MM-DDTHH:MM:SS±HH:MM']

/** A date (midnight UTC) or an RFC 3339 instant with its offset, as ms since the epoch; null when it is neither. */
export function parseInstant(given: string): number | null {
  // An unencoded "+" in a query is a space (form encoding): before an offset, it can only have been the "+".
  const value = given.replace(/^(\d{4}-\d{2}-\d{2}T[\d:.]+) (\d{2}:\d{2})$/, '$1+$2')
  const date = DATE.exec(value)
  const text = date ? `${value}T00:00:00Z` : INSTANT.test(value) ? value : null
  if (!text) return null
  const at = Date.parse(text)
  // Date.parse rolls 2027-02-30 over to March; a date that does not exist is not accepted.
  if (Number.isNaN(at) || (date && new Date(at).toISOString().slice(0, 10) !== value)) return null
  return at
}

/** Reads `version` and `at`; a list may name one of them, not both. */
export function readMoment(query: Record<string, string[]>): Moment {
  const version = query.version && one(query, 'version')
  const at = query.at && one(query, 'at')
  if (version !== undefined && at !== undefined) {
    throw new RegistryError(
      'conflicting_parameters',
      'Give either ?version= or ?at=, not both: a version names its own moment.',
      { parameter: 'at' },
    )
  }
  if (version !== undefined) {
    if (!VERSION.test(version))
      throw new RegistryError(
        'invalid_version',
        `"version" must be a version number such as 3, not "${shorten(version)}".`,
        { parameter: 'version' },
      )
    return { version: Number(version) }
  }
  if (at !== undefined) {
    const instant = parseInstant(at)
    if (instant === null) {
      throw new RegistryError(
        'invalid_instant',
        `"at" must be a date or an RFC 3339 instant with its offset, not "${shorten(at)}".`,
        { parameter: 'at', allowed: INSTANT_FORMS },
      )
    }
    return { at: instant }
  }
  return {}
}

/** Reads `since` for the change log: a version from 0 (everything) to the latest. */
/** A version number in a path, as `/versions/3/manifest` names it. */
export function readVersionInPath(text: string): number {
  if (!VERSION.test(text))
    throw new RegistryError(
      'invalid_version',
      `The version in the path must be a version number such as 3, not "${shorten(text)}".`,
      { parameter: 'version' },
    )
  return Number(text)
}

export function readSince(query: Record<string, string[]>, release: Release): number | undefined {
  if (!query.since) return undefined
  const since = one(query, 'since')
  if (!/^(?:0|[1-9][0-9]{0,8})$/.test(since)) {
    throw new RegistryError(
      'invalid_since',
      `"since" must be a version number from 0 to ${release.version}, not "${shorten(since)}".`,
      { parameter: 'since', allowed: [`0-${release.version}`] },
    )
  }
  if (Number(since) > release.version) {
    throw new RegistryError('invalid_since', `Version ${since} is beyond the latest, ${release.version}.`, {
      parameter: 'since',
      allowed: [`0-${release.version}`],
    })
  }
  return Number(since)
}

function one(query: Record<string, string[]>, name: string): string {
  const given = query[name]!
  if (given.length > 1)
    throw new RegistryError('repeated_parameter', `"${name}" may be given once.`, { parameter: name })
  return given[0] ?? ''
}

const shorten = (value: string) => (value.length > 40 ? `${value.slice(0, 40)}…` : value)

function single(query: Record<string, string[]>, name: Parameter, values: readonly string[]): string | undefined {
  const given = query[name]
  if (!given) return undefined
  if (given.length > 1) {
    throw new RegistryError('repeated_parameter', `"${name}" may be given once.`, {
      parameter: name,
      allowed: [...values],
    })
  }
  return allowed(name, (given[0] ?? '').toLowerCase(), values)
}

const UNKNOWN_VALUE = {
  region: 'unknown_region',
  lang: 'unknown_language',
  format: 'unknown_format',
} as const satisfies Record<string, ErrorCode>
type Parameter = keyof typeof UNKNOWN_VALUE

function allowed(name: Parameter, value: string, values: readonly string[]): string {
  if (values.includes(value)) return value
  // A regional variant of a language served (en-GB) is served that language, as Accept-Language is.
  const base = value.split('-')[0]!
  if (name === 'lang' && value.includes('-') && values.includes(base)) return base
  throw new RegistryError(UNKNOWN_VALUE[name], `Unknown ${name} "${shorten(value)}".`, {
    parameter: name,
    allowed: [...values],
  })
}

/** An entry's id, and what the URL fixes of its format (`/subprocessors/twilio.csv`, `?format=`) and language. */
export function readEntryRequest(
  query: Record<string, string[]>,
  idParam: string,
  release: Release,
): { id: string; lang?: string; format?: (typeof FORMATS)[number] } {
  const dot = idParam.indexOf('.')
  const id = dot === -1 ? idParam : idParam.slice(0, dot)
  // An entry lists the regions it applies to, so `region` means nothing here and is ignored like any unknown parameter.
  const { region: _, ...rest } = query
  const { lang, format } = readListSelection(rest, dot === -1 ? undefined : idParam.slice(dot + 1), release)
  return { id: id.toLowerCase(), lang, format }
}

/** The region of a visitor who did not name one: their country through the operator's mapping, else every region. */
export function resolveRegion(country: unknown, release: Release): string {
  return (typeof country === 'string' && release.countryRegions[country]) || ALL_REGIONS
}
