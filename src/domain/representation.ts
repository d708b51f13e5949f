/**
 * What a representation is, where it lives and what it is called: shared by the publisher,
 * which renders every representation once, and the Worker, which only looks them up.
 */

export const FORMATS = ['json', 'html', 'csv'] as const
export type Format = (typeof FORMATS)[number]

/** Order matters: on a tie in the client's preferences, the earlier format wins. */
export const MEDIA_TYPES: Record<Format, string> = {
  json: 'application/json',
  html: 'text/html',
  csv: 'text/csv',
}

export const CONTENT_TYPES: Record<Format, string> = {
  json: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  csv: 'text/csv; charset=utf-8; header=present',
}

/** The region value that lists every sub-processor. */
export const ALL_REGIONS = 'all'

export interface ListView {
  region: string
  lang: string
  format: Format
}

/** The URL that names every choice, so that it serves the same bytes wherever it is fetched from. */
export function listUrl({ region, lang, format }: ListView): string {
  return `/subprocessors.${format}?region=${region}&lang=${lang}`
}

/** The key of a rendered list under its release. */
export function listPath({ region, lang, format }: ListView): string {
  return `list/${region}/${lang}.${format}`
}

/** The immutable facts of one published version: small, read on every request, cached per isolate. */
export interface Release {
  version: number
  publishedAt: string
  /** Over every representation's ETag: publishing the same bytes again changes nothing. */
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
  representationCount: number
  totalBytes: number
}

/** The headers that belong to a representation's bytes, whichever URL serves them. */
export function representationHeaders(release: Release, view: ListView, etag: string): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': CONTENT_TYPES[view.format],
    'Content-Language': view.lang,
    'Content-Location': listUrl(view),
    ETag: etag,
    'Last-Modified': new Date(release.publishedAt).toUTCString(),
  }
  if (view.format === 'csv') {
    headers['Content-Disposition'] =
      `attachment; filename="${release.fileStem}-${view.region}-${view.lang}-v${release.version}.csv"`
  }
  if (view.format === 'html') headers['Content-Security-Policy'] = release.htmlContentSecurityPolicy
  return headers
}
