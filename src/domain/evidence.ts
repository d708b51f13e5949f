/**
 * The evidence document: everything an auditor needs to show, offline, that a file is one
 * representation of one version: the version's manifest (its exact bytes), where it sits in the
 * log, the inclusion proof to a checkpoint, and that checkpoint as signed.
 */
import { base64 } from './etag'
import { LOG_CHECKPOINT_URL, LOG_TILES_URL, manifestUrl } from './representation'

export const EVIDENCE_FORMAT = 'subprocessor-registry-evidence/1'

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
  /** The C2SP signed checkpoint of the tree. */
  checkpoint: string
  links: { manifest: string; checkpoint: string; tiles: string }
}

export function evidenceDocument(version: number, treeSize: number, manifest: string, proof: Uint8Array[], checkpoint: string): EvidenceDocument {
  return {
    format: EVIDENCE_FORMAT,
    version,
    leafIndex: version - 1,
    treeSize,
    manifest,
    inclusionProof: proof.map(base64),
    checkpoint,
    links: { manifest: manifestUrl(version), checkpoint: LOG_CHECKPOINT_URL, tiles: LOG_TILES_URL },
  }
}

/** The checkpoint's text: the note before its signatures. */
export const checkpointBody = (note: string) => note.slice(0, note.indexOf('\n\n') + 1)
