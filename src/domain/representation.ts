/**
 * What a representation is, where it lives and what it is called: shared by the publisher,
 * which renders every representation once, and the Worker, which only looks them up.
 */

/** Order matters: on a tie in the client's preferences, the earlier format wins. */
export const FORMATS = ['json', 'html', 'csv'] as const
export type Format = (typeof FORMATS)[number]

export const MEDIA_TYPES: Record<Format, string> = {
  json: 'application/json',
  html: 'text/html',
  csv: 'text/csv',
}

const CONTENT_TYPES: Record<Format, string> = {
  json: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  csv: 'text/csv; charset=utf-8; header=present',
}

/** The region value that lists every sub-processor. */
export const ALL_REGIONS = 'all'

export const DOCUMENTS = {
  schema: { url: '/schema.json', path: 'doc/schema.json', contentType: 'application/schema+json' },
  openapi: { url: '/openapi.json', path: 'doc/openapi.json', contentType: 'application/vnd.oai.openapi+json;version=3.1' },
  discovery: { url: '/.well-known/subprocessors', path: 'doc/discovery.json', contentType: 'application/json; charset=utf-8' },
} as const
export type DocumentName = keyof typeof DOCUMENTS

export const SCHEMA_URL = DOCUMENTS.schema.url
export const ENTRY_SCHEMA_URL = `${SCHEMA_URL}#/$defs/SubprocessorDocument`

export interface ListView {
  kind: 'list'
  region: string
  lang: string
  format: Format
}

export interface EntryView {
  kind: 'entry'
  id: string
  lang: string
  format: Format
}

export interface DocumentView {
  kind: 'document'
  name: DocumentName
}

export type View = ListView | EntryView | DocumentView

/** The URL that names every choice, so that it serves the same bytes wherever it is fetched from. */
export function viewUrl(view: View): string {
  switch (view.kind) {
    case 'list':
      return `/subprocessors.${view.format}?region=${view.region}&lang=${view.lang}`
    case 'entry':
      return `/subprocessors/${view.id}.${view.format}?lang=${view.lang}`
    case 'document':
      return DOCUMENTS[view.name].url
  }
}

/** Where a representation sits inside its release. */
export function viewPath(view: View): string {
  switch (view.kind) {
    case 'list':
      return `list/${view.region}/${view.lang}.${view.format}`
    case 'entry':
      return `entry/${view.id}/${view.lang}.${view.format}`
    case 'document':
      return DOCUMENTS[view.name].path
  }
}

/** The immutable facts of one published version: small, read on every request, cached per isolate. */
export interface Release {
  version: number
  publishedAt: string
  /** Over every representation's ETag and these facts: publishing the same bytes again changes nothing. */
  digest: string
  regions: string[]
  languages: string[]
  defaultLanguage: string
  /** ISO 3166-1 country → region, expanded at publish time from data/regions.json. */
  countryRegions: Record<string, string>
  /** Stem of download file names, e.g. "liveagent-subprocessors". */
  fileStem: string
  /** The Content-Security-Policy the HTML pages of this release need. */
  htmlContentSecurityPolicy: string
  /** How many entries each pack holds; a pack is chosen by a hash of the id. An empty pack is never read. */
  entryPackSizes: number[]
  representationCount: number
  totalBytes: number
}

const isStringArray = (value: unknown) => Array.isArray(value) && value.every((item) => typeof item === 'string')

/** Whether a stored value has a release record's shape; storage can hand back anything. */
export function isRelease(value: unknown): value is Release {
  if (typeof value !== 'object' || value === null) return false
  const r = value as Record<string, unknown>
  return (
    Number.isInteger(r.version) && (r.version as number) >= 1 &&
    typeof r.publishedAt === 'string' && !Number.isNaN(Date.parse(r.publishedAt)) &&
    typeof r.digest === 'string' &&
    isStringArray(r.regions) &&
    isStringArray(r.languages) && (r.languages as string[]).length > 0 &&
    typeof r.defaultLanguage === 'string' &&
    typeof r.countryRegions === 'object' && r.countryRegions !== null &&
    typeof r.fileStem === 'string' &&
    typeof r.htmlContentSecurityPolicy === 'string' &&
    Array.isArray(r.entryPackSizes) && r.entryPackSizes.length > 0 && r.entryPackSizes.every((size) => Number.isInteger(size) && size >= 0)
  )
}

/** `rel="alternate"` for every other format and language of the same list or entry, and `describedby` for the schema. */
function linkHeader(release: Release, view: ListView | EntryView): string {
  const links: string[] = []
  for (const lang of release.languages) {
    for (const format of FORMATS) {
      if (lang === view.lang && format === view.format) continue
      links.push(`<${viewUrl({ ...view, lang, format })}>; rel="alternate"; type="${MEDIA_TYPES[format]}"; hreflang="${lang}"`)
    }
  }
  links.push(`<${view.kind === 'list' ? SCHEMA_URL : ENTRY_SCHEMA_URL}>; rel="describedby"; type="application/schema+json"`)
  return links.join(', ')
}

/** The headers that belong to a representation's bytes, whichever URL serves them. */
export function representationHeaders(release: Release, view: View, etag: string): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': view.kind === 'document' ? DOCUMENTS[view.name].contentType : CONTENT_TYPES[view.format],
    'Content-Location': viewUrl(view),
    ETag: etag,
    'Last-Modified': new Date(release.publishedAt).toUTCString(),
  }
  if (view.kind === 'document') return headers
  headers['Content-Language'] = view.lang
  headers.Link = linkHeader(release, view)
  if (view.format === 'csv') {
    const subject = view.kind === 'list' ? view.region : view.id
    headers['Content-Disposition'] = `attachment; filename="${release.fileStem}-${subject}-${view.lang}-v${release.version}.csv"`
  }
  if (view.format === 'html') headers['Content-Security-Policy'] = release.htmlContentSecurityPolicy
  return headers
}
