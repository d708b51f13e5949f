/**
 * A version's manifest (format §5.3), as a reader holds a registry to it: every representation of
 * every state, each with the SHA-256 of its bytes. A document read from a registry verifies only
 * as the manifest's representation for the link it was read from: the same kind, region,
 * language, format and URL. Bytes that the manifest lists somewhere else prove nothing here.
 */
import { parseJson } from './json.js'

export const MANIFEST_FORMAT = 'subprocessor-registry-manifest/1'

export interface ManifestRepresentation {
  /** Resolved against the manifest's own URL, as every link is. */
  url: string
  kind: string
  region?: string
  lang?: string
  format?: string
  scheduled?: boolean
  complete?: boolean
  name?: string
  type?: string
  sha256: string
}

export interface ManifestState {
  from: string
  until: string | null
  representations: ManifestRepresentation[]
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT
  origin: string
  version: number
  publishedAt: string
  signer: string | null
  rotatedFrom: string | null
  /** The key that signs objection receipts in this version. */
  receiptKey: string | null
  /** The objections received since the version before: how many, and their Merkle tree's root. */
  objections: { size: number; root: string } | null
  states: ManifestState[]
  /** The version's own representations: discovery, the version index, the contract documents. */
  representations: ManifestRepresentation[]
}

/** What a reader looks a document up by: how it was linked. */
export interface Wanted {
  kind: 'list' | 'changes' | 'versions' | 'document'
  /** The link's absolute URL. */
  url: string
  region?: string
  lang?: string
  format?: string
  /** A change log: the whole log, as `history.changeLogs` links it. */
  complete?: boolean
  /** A document: its name (`discovery`). */
  name?: string
}

export class ManifestError extends Error {}

const isString = (value: unknown): value is string => typeof value === 'string'
const optionalString = (value: unknown) => (isString(value) ? value : undefined)

function representation(value: unknown, base: string, at: string): ManifestRepresentation {
  const r = (value ?? {}) as Record<string, unknown>
  if (!isString(r.url) || !isString(r.kind) || !isString(r.sha256))
    throw new ManifestError(`${at} lacks its url, kind or sha256`)
  let url: string
  try {
    url = new URL(r.url, base).href
  } catch {
    throw new ManifestError(`${at}.url is not a URL`)
  }
  return {
    url,
    kind: r.kind,
    region: optionalString(r.region),
    lang: optionalString(r.lang),
    format: optionalString(r.format),
    scheduled: r.scheduled === true,
    complete: r.complete === true,
    name: optionalString(r.name),
    type: optionalString(r.type),
    sha256: r.sha256,
  }
}

function commitment(value: unknown, url: string): Manifest['objections'] {
  if (value === undefined) return null
  const c = (value ?? {}) as Record<string, unknown>
  if (!Number.isSafeInteger(c.size) || (c.size as number) < 0 || !isString(c.root))
    throw new ManifestError(`${url}: objections is not a size and a root`)
  return { size: c.size as number, root: c.root }
}

/** The manifest read at `url` (its URLs resolved against it); throws ManifestError naming what is missing. */
export function readManifest(bytes: Uint8Array, url: string): Manifest {
  const doc = parseJson(bytes, url) as Record<string, unknown>
  if (typeof doc !== 'object' || doc === null || doc.format !== MANIFEST_FORMAT)
    throw new ManifestError(`${url} is not a ${MANIFEST_FORMAT} document`)
  if (!Number.isInteger(doc.version) || !isString(doc.origin) || !isString(doc.publishedAt))
    throw new ManifestError(`${url} lacks its version, origin or publishedAt`)
  if (!Array.isArray(doc.states) || !Array.isArray(doc.representations))
    throw new ManifestError(`${url} lacks its states or representations`)
  return {
    format: MANIFEST_FORMAT,
    origin: doc.origin,
    version: doc.version as number,
    publishedAt: doc.publishedAt,
    signer: optionalString(doc.signer) ?? null,
    rotatedFrom: optionalString(doc.rotatedFrom) ?? null,
    receiptKey: optionalString(doc.receiptKey) ?? null,
    objections: commitment(doc.objections, url),
    states: doc.states.map((state, i) => {
      const s = (state ?? {}) as Record<string, unknown>
      if (!Array.isArray(s.representations)) throw new ManifestError(`${url}: states[${i}] lists no representations`)
      return {
        from: optionalString(s.from) ?? '',
        until: optionalString(s.until) ?? null,
        representations: s.representations.map((r, j) => representation(r, url, `states[${i}].representations[${j}]`)),
      }
    }),
    representations: doc.representations.map((r, j) => representation(r, url, `representations[${j}]`)),
  }
}

/** Whether the representation is the one a reader wanted from that link. */
export function isWanted(r: ManifestRepresentation, wanted: Wanted): boolean {
  if (r.kind !== wanted.kind || r.url !== wanted.url || r.scheduled) return false
  if (wanted.region !== undefined && r.region !== wanted.region) return false
  if (wanted.lang !== undefined && r.lang !== wanted.lang) return false
  if (wanted.format !== undefined && (r.format ?? 'json') !== wanted.format) return false
  if (wanted.complete && !r.complete) return false
  if (wanted.name !== undefined && r.name !== wanted.name) return false
  return true
}

/** Every place the manifest lists the wanted representation: one per state, or the version's own. */
export function listingsOf(manifest: Manifest, wanted: Wanted): ManifestRepresentation[] {
  const perState = manifest.states.flatMap((state) => state.representations)
  return [...perState, ...manifest.representations].filter((r) => isWanted(r, wanted))
}

/** A short description of what was wanted, for messages. */
export const describeWanted = (w: Wanted) =>
  w.kind === 'document'
    ? `the ${w.name} document`
    : `the ${w.complete ? 'whole ' : ''}${w.kind === 'changes' ? 'change log' : w.kind === 'versions' ? 'version index' : 'list'}${w.region ? ` of region ${w.region}` : ''}${w.lang ? ` in ${w.lang}` : ''}`
