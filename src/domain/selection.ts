import { type ErrorCode, RegistryError } from './errors'
import { ALL_REGIONS, FORMATS, type Format, type Release } from './representation'

/** What the URL itself fixes; anything it leaves open is negotiated from headers or geolocation. */
export interface ListSelection {
  region?: string
  lang?: string
  format?: Format
}

/**
 * Reads region, lang and format from the query and the path suffix (`/subprocessors.csv`).
 * Values are case-insensitive; unknown parameters are ignored so cache-busting stays harmless.
 */
export function readListSelection(query: Record<string, string[]>, suffix: string | undefined, release: Release): ListSelection {
  const region = single(query, 'region', [ALL_REGIONS, ...release.regions])
  const lang = single(query, 'lang', release.languages)
  let format = single(query, 'format', FORMATS) as Format | undefined
  if (suffix !== undefined) {
    const fromSuffix = allowed('format', suffix.toLowerCase(), FORMATS) as Format
    if (format && format !== fromSuffix) {
      throw new RegistryError('conflicting_format', `The path asks for ${fromSuffix} but ?format= asks for ${format}.`, {
        parameter: 'format',
        allowed: [fromSuffix],
      })
    }
    format = fromSuffix
  }
  return { region, lang, format }
}

function single(query: Record<string, string[]>, name: Parameter, values: readonly string[]): string | undefined {
  const given = query[name]
  if (!given) return undefined
  if (given.length > 1) {
    throw new RegistryError('repeated_parameter', `"${name}" may be given once.`, { parameter: name, allowed: [...values] })
  }
  return allowed(name, (given[0] ?? '').toLowerCase(), values)
}

const UNKNOWN_VALUE = { region: 'unknown_region', lang: 'unknown_language', format: 'unknown_format' } as const satisfies Record<string, ErrorCode>
type Parameter = keyof typeof UNKNOWN_VALUE

function allowed(name: Parameter, value: string, values: readonly string[]): string {
  if (values.includes(value)) return value
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value
  throw new RegistryError(UNKNOWN_VALUE[name], `Unknown ${name} "${shown}".`, {
    parameter: name,
    allowed: [...values],
  })
}

/** An entry's id, and what the URL fixes of its format (`/subprocessors/twilio.csv`, `?format=`) and language. */
export function readEntryRequest(query: Record<string, string[]>, idParam: string, release: Release): { id: string; lang?: string; format?: Format } {
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
