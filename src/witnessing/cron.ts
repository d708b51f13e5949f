/**
 * The Worker's share of witnessing, run by the Cron Trigger: while the current checkpoint lacks
 * its policy's quorum, submit it again to the witnesses that have not cosigned (a witness that
 * was down when the publisher asked), and keep the served checkpoint in step with the table.
 */
import { checkpointBody } from '../domain/evidence'
import { RegistryError } from '../domain/errors'
import { parseCheckpoint } from '../domain/signed-note'
import { cosignedCheckpointKey } from '../storage/keys'
import { d1Cosignatures } from '../storage/cosignatures'
import { getCurrentRelease, loadLogTree } from '../storage/reader'
import { writeValues } from '../storage/writer'
import { type CollectReport, collectCosignatures } from './collect'

export async function recollectCosignatures(env: Cloudflare.Env): Promise<CollectReport | null> {
  let evidence: Awaited<ReturnType<typeof getCurrentRelease>>['evidence']
  try {
    evidence = (await getCurrentRelease(env.REGISTRY)).evidence
  } catch (error) {
    if (error instanceof RegistryError && error.code === 'not_published') return null
    throw error
  }
  if (!evidence?.witnesses) return null
  const { size, root } = parseCheckpoint(checkpointBody(evidence.checkpoint))
  return collectCosignatures(
    evidence,
    {
      cosignatures: d1Cosignatures(env.DB),
      write: (records) => writeValues(env.REGISTRY, records),
      fetch: (input, init) => fetch(input, init),
      proof: async (old) => (await loadLogTree(env.REGISTRY, size, root)).consistencyProof(old, size),
      served: async () => (await env.REGISTRY.get(cosignedCheckpointKey(size), 'text')) ?? '',
    },
    { onlyBelowQuorum: true },
  )
}
