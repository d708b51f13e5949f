/**
 * The two documents of the signed log. A version's manifest: every representation of every state
 * with the SHA-256 of its bytes, built at publish time (src/publish/manifest.ts). The evidence
 * document: everything an auditor needs to show, offline, that a file is one representation of
 * one version: the version's manifest (its exact bytes), where it sits in the log, the inclusion
 * proof to a checkpoint, and that checkpoint as signed.
 */
import { base64 } from './etag'
import { LOG_CHECKPOINT_URL, LOG_TILES_URL, manifestUrl, proofUrl } from './representation'

export const EVIDENCE_FORMAT = 'subprocessor-registry-evidence/1'

export const MANIFEST_FORMAT = 'subprocessor-registry-manifest/1'

/** One representation, as the manifest names it. */
export interface ManifestRepresentation {
  url: string
  kind: 'list' | 'entry' | 'changes' | 'versions' | 'document'
  region?: string
  lang?: string
  format?: string
  scheduled?: true
  /** The whole change log, that `?since=0` serves. */
  complete?: true
  name?: string
  type: string
  sha256: string
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT
  origin: string
  version: number
  publishedAt: string
  /** The manifest of the version before, by the SHA-256 of its bytes: the chain the log also holds. */
  parent: { version: number; sha256: string } | null
  /** The SHA-256 of the data the version was published from, as stored with it. */
  data: { sha256: string }
  /** The verifier key that signs the checkpoint that first includes this manifest. */
  signer: string
  /** Set when this version's checkpoint is also signed by the key it replaces: the rotation, in the log. */
  rotatedFrom?: string
  /** The key that signs objection receipts in this version: the log records each rotation of it. */
  receiptKey?: string
  /** The objections received since the version before, as the root of the Merkle tree of their digests (docs/objections.md). */
  objections?: { size: number; root: string }
  /** Each state, from the instant it begins, with its representations. */
  states: { from: string; until: string | null; representations: ManifestRepresentation[] }[]
  /** The version's own representations: the contract documents and the version index. */
  representations: ManifestRepresentation[]
}

export interface EvidenceDocument {
  format: typeof EVIDENCE_FORMAT
  version: number
  /** The manifest's place in the log: version − 1. */
  leafIndex: number
  /** The size of the tree the checkpoint signs, and that the proof leads to. */
  treeSize: number
  /** The manifest's exact bytes, as text: the leaf is their hash. */
  manifest: string
  /** RFC 6962 audit path, base64, from the leaf up. */
  inclusionProof: string[]
  /** The C2SP signed checkpoint of the tree, with every witness's cosignature the registry holds. */
  checkpoint: string
  links: { manifest: string; checkpoint: string; tiles: string; proof: string }
}

export function evidenceDocument(
  version: number,
  treeSize: number,
  manifest: string,
  proof: Uint8Array[],
  checkpoint: string,
): EvidenceDocument {
  return {
    format: EVIDENCE_FORMAT,
    version,
    leafIndex: version - 1,
    treeSize,
    manifest,
    inclusionProof: proof.map(base64),
    checkpoint,
    links: {
      manifest: manifestUrl(version),
      checkpoint: LOG_CHECKPOINT_URL,
      tiles: LOG_TILES_URL,
      proof: proofUrl(version),
    },
  }
}

export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1'

/**
 * A C2SP tlog-proof of a version's manifest: its exact bytes as the `extra` line (so that the
 * proof alone rebuilds the leaf), its index, the inclusion proof and the cosigned checkpoint.
 */
export function tlogProof(version: number, manifest: Uint8Array, proof: Uint8Array[], checkpoint: string): string {
  const lines = [TLOG_PROOF_HEADER, `extra ${base64(manifest)}`, `index ${version - 1}`, ...proof.map(base64)]
  return `${lines.join('\n')}\n\n${checkpoint}`
}

/** The checkpoint's text: the note before its signatures. */
export const checkpointBody = (note: string) => note.slice(0, note.indexOf('\n\n') + 1)

/** Where a manifest lists a representation: its state (null for the version's own) and its URL, scheduled or not. */
export const listingKey = (state: number | null, url: string, scheduled = false) =>
  `${state ?? '-'} ${scheduled ? 'scheduled ' : ''}${url}`

/** Every representation a manifest lists, by listing key, with the SHA-256 (base64) of its bytes; throws on what is not a manifest. */
export function listedDigests(manifest: unknown): Map<string, string> {
  const { format, states, representations } = (manifest ?? {}) as Partial<Manifest>
  if (format !== MANIFEST_FORMAT || !Array.isArray(states) || !Array.isArray(representations))
    throw new Error('not a manifest')
  const listed = new Map<string, string>()
  const add = (state: number | null, { url, scheduled, sha256 }: ManifestRepresentation) =>
    listed.set(listingKey(state, url, scheduled), sha256)
  for (const [state, { representations: listings }] of states.entries())
    for (const listing of listings) add(state, listing)
  for (const listing of representations) add(null, listing)
  return listed
}
