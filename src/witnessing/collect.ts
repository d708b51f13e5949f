/**
 * Gathers witnesses' cosignatures of the current checkpoint: submits it to each witness of the
 * release's policy that has not cosigned its size, records what verifies in the cosignature
 * table, and writes the checkpoint as readers get it. The publisher runs it after each publish;
 * the Worker's cron runs it again until the quorum is met. Submitting needs only public data: the
 * Worker holds no private key.
 */
import { fromBase64 } from '../../client/src/bytes'
import type { PolicyWitness } from '../../client/src/cosign/policy'
import { quorumMet, type WitnessPlan } from '../../client/src/cosign/quorum'
import { submitCheckpoint, type WitnessOutcome } from '../../client/src/cosign/submit'
import type { Hash } from '../../client/src/log/merkle'
import type { ReleaseEvidence } from '../domain/representation'
import { type CosignatureTable, cosignedCheckpointRecord, type StoredCosignature } from '../storage/cosignatures'
import type { KvWrite } from '../storage/writer'

export interface CollectTarget {
  cosignatures: CosignatureTable
  write: KvWrite
  fetch: typeof fetch
  /** The consistency proof from `old` to the checkpoint's size. */
  proof(old: number): Promise<Hash[]>
  /** What the KV value holds now, to rewrite it only when it falls behind the table. */
  served?(): Promise<string>
}

export interface CollectReport {
  policy: WitnessPlan
  size: number
  /** Every cosignature of this size, by witness name, with the time it states. */
  cosigned: { name: string; time: number }[]
  /** Witnesses asked this time that did not cosign, and why. */
  failed: { name: string; reason: string }[]
  met: boolean
}

/** Collects for the checkpoint of `evidence`; null when the release names no witnesses. */
export async function collectCosignatures(
  evidence: ReleaseEvidence,
  target: CollectTarget,
  options: { onlyBelowQuorum?: boolean } = {},
): Promise<CollectReport | null> {
  const policy = evidence.witnesses
  if (!policy) return null
  const witnesses: PolicyWitness[] = policy.witnesses.map(({ name, key, id, publicKey, url }) => ({
    name,
    url,
    key: { name: key.slice(0, key.indexOf('+')), id, publicKey: fromBase64(publicKey) ?? new Uint8Array(0), text: key },
  }))
  const size = Number(evidence.checkpoint.split('\n', 2)[1])
  const nameOf = (stored: StoredCosignature) => witnesses.find((w) => w.key.text === stored.witness)?.name
  let all = await target.cosignatures.add(size, [])
  const cosignedNames = () => new Set(all.map(nameOf).filter((name): name is string => name !== undefined))
  let outcomes: WitnessOutcome[] = []
  if (!(options.onlyBelowQuorum && quorumMet(policy, cosignedNames()))) {
    const missing = witnesses.filter((w) => !all.some((stored) => stored.witness === w.key.text))
    const last = missing.length ? await target.cosignatures.lastCosigned() : new Map<string, number>()
    outcomes = await submitCheckpoint(missing, {
      note: evidence.checkpoint,
      size,
      proof: target.proof,
      lastCosigned: (witness) => last.get(witness.key.text) ?? 0,
      fetch: target.fetch,
    })
    const fresh = outcomes.flatMap((outcome) =>
      'cosignature' in outcome
        ? [{ witness: outcome.witness.key.text, line: outcome.cosignature.line, time: outcome.cosignature.time }]
        : [],
    )
    if (fresh.length) all = await target.cosignatures.add(size, fresh)
  }
  const record = cosignedCheckpointRecord(size, evidence.checkpoint, all)
  if (all.length && (!target.served || (await target.served()) !== record.value)) await target.write([record])
  return {
    policy,
    size,
    cosigned: all.flatMap((stored) => {
      const name = nameOf(stored)
      return name ? [{ name, time: stored.time }] : []
    }),
    failed: outcomes.flatMap((o) => ('failure' in o ? [{ name: o.witness.name, reason: o.failure }] : [])),
    met: quorumMet(policy, cosignedNames()),
  }
}
