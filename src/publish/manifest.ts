/**
 * A version's manifest: every representation of every state of the version, each with the
 * SHA-256 of its bytes, and what the version was made from. Its bytes are one leaf of the signed
 * log, so a file that matches a digest here is, provably, that representation of that version.
 * Built from the ETags publishing computed already (an ETag is the bytes' SHA-256): no second hash.
 */
import { etagSha256 } from '../domain/etag'
import { type Manifest, MANIFEST_FORMAT, type ManifestRepresentation } from '../domain/evidence'
import { DOCUMENTS, MEDIA_TYPES, type Release, type View, viewUrl } from '../domain/representation'

export interface ManifestedView {
  view: View
  /** Null for the version's own representations. */
  state: number | null
  etag: string
}

function describe({ view, etag }: ManifestedView): ManifestRepresentation {
  const sha256 = etagSha256(etag)
  const url = viewUrl(view)
  if (view.kind === 'manifest') throw new Error('a manifest does not list itself')
  if (view.kind === 'document')
    return { url, kind: view.kind, name: view.name, type: DOCUMENTS[view.name].contentType, sha256 }
  const common = { url, kind: view.kind, lang: view.lang, format: view.format, type: MEDIA_TYPES[view.format] }
  if (view.kind === 'list')
    return { ...common, region: view.region, ...(view.scheduled ? { scheduled: true as const } : {}), sha256 }
  if (view.kind === 'changes')
    return { ...common, region: view.region, ...(view.complete ? { complete: true as const } : {}), sha256 }
  return { ...common, sha256 }
}

const byUrl = (a: ManifestRepresentation, b: ManifestRepresentation) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0)

export interface ManifestFacts {
  origin: string
  signer: string
  rotatedFrom?: string
  receiptKey?: string
  objections?: Manifest['objections']
  parent: Manifest['parent']
  dataSha256: string
}

export function buildManifest(release: Release, views: ManifestedView[], facts: ManifestFacts): Manifest {
  const iso = (ms: number) => new Date(ms).toISOString()
  return {
    format: MANIFEST_FORMAT,
    origin: facts.origin,
    version: release.version,
    publishedAt: release.publishedAt,
    parent: facts.parent,
    data: { sha256: facts.dataSha256 },
    signer: facts.signer,
    ...(facts.rotatedFrom ? { rotatedFrom: facts.rotatedFrom } : {}),
    ...(facts.receiptKey ? { receiptKey: facts.receiptKey } : {}),
    ...(facts.objections ? { objections: facts.objections } : {}),
    states: release.states.map((from, state) => ({
      from: iso(from),
      until: release.states[state + 1] === undefined ? null : iso(release.states[state + 1]!),
      representations: views
        .filter((v) => v.state === state)
        .map(describe)
        .sort(byUrl),
    })),
    representations: views
      .filter((v) => v.state === null)
      .map(describe)
      .sort(byUrl),
  }
}

/** The manifest's bytes: compact JSON and a newline, the exact bytes the log's leaf hashes. */
export const manifestBytes = (manifest: Manifest) => new TextEncoder().encode(`${JSON.stringify(manifest)}\n`)
