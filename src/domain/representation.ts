import type { WitnessPlan } from '../../client/src/cosign/quorum'

/**
 * The version of Sub-processor Registry Format (docs/format.md) the served documents follow:
 * every JSON document carries it as `format`, so a reader knows what it reads before it reads it.
 */
export const REGISTRY_FORMAT = 'subprocessor-registry/1.0'

/** Order matters: on a tie in the client's preferences, the earlier format wins. */
export const FORMATS = ['json', 'html', 'csv'] as const
export type Format = (typeof FORMATS)[number]

/** The change log comes in the list's formats and as two feeds. */
export const CHANGE_FORMATS = ['json', 'html', 'csv', 'atom', 'jsonfeed'] as const
export type ChangeFormat = (typeof CHANGE_FORMATS)[number]

/** The version index is for tools and people only. */
export const VERSION_FORMATS = ['json', 'html'] as const
export type VersionFormat = (typeof VERSION_FORMATS)[number]

export const MEDIA_TYPES: Record<ChangeFormat, string> = {
  json: 'application/json',
  html: 'text/html',
  csv: 'text/csv',
  atom: 'application/atom+xml',
  jsonfeed: 'application/feed+json',
}

export const CONTENT_TYPES: Record<ChangeFormat, string> = {
  json: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  csv: 'text/csv; charset=utf-8; header=present',
  atom: 'application/atom+xml; charset=utf-8',
  jsonfeed: 'application/feed+json; charset=utf-8',
}

/** The region value that lists every sub-processor. */
export const ALL_REGIONS = 'all'

export const DOCUMENTS = {
  schema: { url: '/schema.json', path: 'doc/schema.json', contentType: 'application/schema+json' },
  openapi: {
    url: '/openapi.json',
    path: 'doc/openapi.json',
    contentType: 'application/vnd.oai.openapi+json;version=3.1',
  },
  discovery: {
    url: '/.well-known/subprocessors',
    path: 'doc/discovery.json',
    contentType: 'application/json; charset=utf-8',
  },
} as const
export type DocumentName = keyof typeof DOCUMENTS

export const SCHEMA_URL = DOCUMENTS.schema.url
export const ENTRY_SCHEMA_URL = `${SCHEMA_URL}#/$defs/SubprocessorDocument`
export const CHANGE_LOG_SCHEMA_URL = `${SCHEMA_URL}#/$defs/ChangeLog`
export const VERSIONS_SCHEMA_URL = `${SCHEMA_URL}#/$defs/Versions`

export interface ListView {
  kind: 'list'
  region: string
  lang: string
  format: Format
  /** A future state, as announced now: marked so in JSON and on the page. */
  scheduled?: boolean
}

export interface EntryView {
  kind: 'entry'
  id: string
  lang: string
  format: Format
}

export interface ChangesView {
  kind: 'changes'
  region: string
  lang: string
  format: ChangeFormat
  /** Every change, stored so that any `?since=` is a slice of it; without, the latest changes. */
  complete?: boolean
}

export interface VersionsView {
  kind: 'versions'
  lang: string
  format: VersionFormat
}

export interface DocumentView {
  kind: 'document'
  name: DocumentName
}

/** A version's manifest: served by the Worker, listed in no manifest (it lists the others). */
export interface ManifestView {
  kind: 'manifest'
  version: number
}

export type View = ListView | EntryView | ChangesView | VersionsView | DocumentView | ManifestView

/** Views that differ from one state of a version to the next; the others are the version's own. */
export const isPerState = (view: View): view is ListView | EntryView | ChangesView =>
  view.kind === 'list' || view.kind === 'entry' || view.kind === 'changes'

/** The URL that names every choice, so that it serves the same bytes wherever it is fetched from. */
export function viewUrl(view: View): string {
  switch (view.kind) {
    case 'list':
      return `/subprocessors.${view.format}?region=${view.region}&lang=${view.lang}`
    case 'entry':
      return `/subprocessors/${view.id}.${view.format}?lang=${view.lang}`
    case 'changes':
      return `/changes.${view.format}?region=${view.region}&lang=${view.lang}${view.complete ? '&since=0' : ''}`
    case 'versions':
      return `/versions.${view.format}?lang=${view.lang}`
    case 'document':
      return DOCUMENTS[view.name].url
    case 'manifest':
      return manifestUrl(view.version)
  }
}

/** Where a representation sits inside its version (or the state of it). */
export function viewPath(view: View): string {
  switch (view.kind) {
    case 'list':
      return `${view.scheduled ? 'scheduled' : 'list'}/${view.region}/${view.lang}.${view.format}`
    case 'entry':
      return `entry/${view.id}/${view.lang}.${view.format}`
    case 'changes':
      return `${view.complete ? 'changelog' : 'changes'}/${view.region}/${view.lang}.${view.format}`
    case 'versions':
      return `versions/${view.lang}.${view.format}`
    case 'document':
      return DOCUMENTS[view.name].path
    case 'manifest':
      return MANIFEST_PATH
  }
}

/** The entry view stored at `entry/{id}/{lang}.{format}`: viewPath's inverse, for the parts of a pack. */
export function entryViewAt(path: string): EntryView | null {
  const match = /^entry\/([^/]+)\/([^/.]+)\.([a-z]+)$/.exec(path)
  if (!match || !(FORMATS as readonly string[]).includes(match[3]!)) return null
  return { kind: 'entry', id: match[1]!, lang: match[2]!, format: match[3] as Format }
}

/** Where a version's manifest sits inside it. */
export const MANIFEST_PATH = 'manifest.json'

/** The immutable facts of one published version: small, read on every request, cached per isolate. */
/** One published version, as the history keeps it: its number, its publish instant, and (since they were kept) its languages. */
export type HistoryEntry = [version: number, publishedAt: number, languages?: string[]]

export interface Release {
  version: number
  /** The version before it; null for the first. */
  parent: number | null
  publishedAt: string
  /** Where this version's values live in KV: unique to the publish that wrote them, so racing publishers never mix. */
  prefix: string
  /**
   * When each state of the version begins, in ms since the epoch: the publish instant, then each
   * instant an announced change takes effect. Every URL serves the state of the instant it is asked at.
   */
  states: number[]
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
  /** Per state, how many entries each pack holds; a pack is chosen by a hash of the id. An empty pack is never read. */
  entryPackSizes: number[][]
  representationCount: number
  totalBytes: number
  /**
   * How many bundles each group of the version's values is stored in (storage/bundle.ts), by group;
   * absent on versions that stored each value under its own key.
   */
  bundles?: Record<string, number>
  /** The version's entry in the signed log; absent only on versions published before there was one. */
  evidence?: ReleaseEvidence
}

export interface ReleaseEvidence {
  /** SHA-256 (base64) of the manifest's bytes. */
  manifest: string
  /** The log's leaf hash of the manifest, base64: SHA-256(0x00 ‖ manifest). */
  leaf: string
  /** The verifier key that signed `checkpoint`. */
  signer: string
  /** The signed checkpoint of the log whose newest leaf is this version: tree size = version. */
  checkpoint: string
  /** The witnesses asked to cosign it and their quorum, as data/registry.json's policy says; absent when the log has none. */
  witnesses?: WitnessPlan
}

/**
 * The state of a release in force at an instant. An instant before the release was published
 * (a publisher's clock ahead of the edge's) gets its first state: the release is current.
 */
export function stateAt(release: Release, at: number): number {
  const { states } = release
  // Most versions announce nothing ahead: one state, and no search on the request path.
  if (states.length === 1) return 0
  let state = 0
  while (state + 1 < states.length && states[state + 1]! <= at) state++
  return state
}

/** When a state gives way to the next; null for the last. */
export const stateEnd = (release: Release, state: number): number | null => release.states[state + 1] ?? null

const isStringArray = (value: unknown) => Array.isArray(value) && value.every((item) => typeof item === 'string')
const isCountArray = (value: unknown) =>
  Array.isArray(value) && value.length > 0 && value.every((count) => Number.isInteger(count) && count >= 0)

/** Whether a stored value has a release record's shape; storage can hand back anything. */
export function isRelease(value: unknown): value is Release {
  if (typeof value !== 'object' || value === null) return false
  const r = value as Record<string, unknown>
  return (
    Number.isInteger(r.version) &&
    (r.version as number) >= 1 &&
    (r.parent === null || Number.isInteger(r.parent)) &&
    typeof r.publishedAt === 'string' &&
    !Number.isNaN(Date.parse(r.publishedAt)) &&
    typeof r.prefix === 'string' &&
    r.prefix !== '' &&
    Array.isArray(r.states) &&
    r.states.length > 0 &&
    r.states.every((start) => Number.isFinite(start)) &&
    typeof r.digest === 'string' &&
    isStringArray(r.regions) &&
    isStringArray(r.languages) &&
    (r.languages as string[]).length > 0 &&
    typeof r.defaultLanguage === 'string' &&
    typeof r.countryRegions === 'object' &&
    r.countryRegions !== null &&
    typeof r.fileStem === 'string' &&
    typeof r.htmlContentSecurityPolicy === 'string' &&
    Array.isArray(r.entryPackSizes) &&
    r.entryPackSizes.length === r.states.length &&
    r.entryPackSizes.every(isCountArray) &&
    (r.bundles === undefined ||
      (typeof r.bundles === 'object' &&
        r.bundles !== null &&
        Object.values(r.bundles).every((count) => Number.isInteger(count) && count >= 1)))
  )
}

/** The signed log: its latest checkpoint, and the prefix of its tiles. */
export const LOG_CHECKPOINT_URL = '/log/checkpoint'
export const LOG_TILES_URL = '/log/tile/'

/** Where a version's manifest is: it lists the digest of every representation of the version. */
export const manifestUrl = (version: number) => `/versions/${version}/manifest`

/** A version's evidence: its manifest, the inclusion proof and the signed checkpoint, in one document. */
export const evidenceUrl = (version: number) => `/versions/${version}/evidence`

/** A version's manifest as a C2SP tlog-proof: offline-verifiable with the log's key and a witness policy. */
export const proofUrl = (version: number) => `/versions/${version}/proof`

/** The manifest that lists these bytes, as a `describedby` link: the evidence starts there. */
export const manifestLink = (release: Release) =>
  `<${manifestUrl(release.version)}>; rel="describedby"; type="application/json"; title="manifest"`

/** `rel="alternate"` for every other format and language of the same resource, and `describedby` for its schema. */
export function linkHeader(release: Release, view: ListView | EntryView | ChangesView | VersionsView): string {
  const links: string[] = []
  const formats = view.kind === 'changes' ? CHANGE_FORMATS : view.kind === 'versions' ? VERSION_FORMATS : FORMATS
  for (const lang of release.languages) {
    for (const format of formats) {
      if (lang === view.lang && format === view.format) continue
      links.push(
        `<${viewUrl({ ...view, lang, format } as View)}>; rel="alternate"; type="${MEDIA_TYPES[format]}"; hreflang="${lang}"`,
      )
    }
  }
  const schema = {
    list: SCHEMA_URL,
    entry: ENTRY_SCHEMA_URL,
    changes: CHANGE_LOG_SCHEMA_URL,
    versions: VERSIONS_SCHEMA_URL,
  }[view.kind]
  links.push(`<${schema}>; rel="describedby"; type="application/schema+json"`)
  return links.join(', ')
}
