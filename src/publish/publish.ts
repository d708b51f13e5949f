import type { ChangeRecord } from '../domain/change'
import type { HistoryEntry, Release } from '../domain/representation'
import { parsePolicy, witnessPlan } from '../../client/src/cosign/policy'
import { ObjectionsTaken, type VersionTable, VersionTaken } from '../storage/arbiter'
import type { Compress } from '../storage/bundle'
import { commitTo, type Inclusion } from '../../client/src/objections/commitment'
import {
  type KvRead,
  type KvWrite,
  manifestRecord,
  pointerRecords,
  readCurrentRelease,
  readVersionInputs,
  tileRecords,
  type VersionInputs,
  versionRecords,
} from '../storage/writer'
import { enterInLog, type LogSigning, LogRefused, tilesOfNewestLeaf, withVerifierKey } from './evidence'
import { buildRelease, type RenderedRelease } from './build-release'
import { computeChanges, touchedIn } from './input/changes'
import { summarize } from './render/change-log'
import type { RegistryData } from './input/schema'

export interface PublishResult extends RenderedRelease {
  /** False when the data renders to the bytes already published: nothing was written. */
  changed: boolean
  /** The change records this version announced or withdrew. */
  newChanges: ChangeRecord[]
  /** The change-log chunks the previous version refers to, stored already. */
  storedLogChunks: string[]
}

/** The version a publish builds on: its release and what it was published from. */
export interface PreviousVersion {
  release: Release
  inputs: VersionInputs<RegistryData>
}

/** Last-Modified has one-second resolution; so does publishedAt, so that If-Modified-Since compares exactly. */
function publishTime(now: Date): string {
  return new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString()
}

/**
 * Decides what to publish: nothing when the data renders to the current release's bytes, else
 * the next version with its typed change set. Throws NoticeViolations for a change that would
 * take effect sooner than the notice period allows. Rendering with the current version's own
 * number, time and change log is what tells "same bytes" apart from "new data" or "new renderer".
 */
export async function planRelease(
  previous: PreviousVersion | null,
  data: RegistryData,
  now: Date,
  origin: string,
  onProgress?: (done: number, total: number) => void,
  /** Objections received and not committed to yet: a version is published for them even when the data is unchanged. */
  pendingObjections = 0,
): Promise<PublishResult> {
  const stamp = { version: (previous?.release.version ?? 0) + 1, publishedAt: publishTime(now), origin }
  const changes = computeChanges(
    previous && { stamp: previous.release, data: previous.inputs.data, changes: previous.inputs.changes },
    data,
    stamp,
    (change) => summarize(data, change),
  )
  const newChanges = changes.filter((change) => touchedIn(change) === stamp.version)
  if (previous && newChanges.length === 0 && pendingObjections === 0) {
    const { inputs, release } = previous
    const again = await buildRelease(data, { ...release, origin }, inputs.changes, inputs.history, onProgress)
    if (again.release.digest === release.digest)
      return { ...again, changed: false, newChanges, storedLogChunks: inputs.logChunks }
  }
  const history: HistoryEntry[] = [
    ...(previous?.inputs.history ?? []),
    [stamp.version, Date.parse(stamp.publishedAt), data.registry.languages],
  ]
  return {
    ...(await buildRelease(data, stamp, changes, history, onProgress)),
    changed: true,
    newChanges,
    storedLogChunks: previous?.inputs.logChunks ?? [],
  }
}

/** Where a publish goes: KV for the bytes, and the version table that arbitrates numbers. */
export interface PublishTarget {
  read: KvRead
  write: KvWrite
  /** Deletes what a publish wrote, when another took its version number first. */
  remove(keys: string[]): Promise<void>
  versions: VersionTable
  /** The keys the log is signed with: the publisher's, never the Worker's. */
  signing: LogSigning
  /** The origin that serves what is written, e.g. `https://subprocessors.example.com`: feeds link absolutely. */
  origin: string
  /** Gzip for the version's bundles, where the publisher has a faster one than CompressionStream. */
  compress?: Compress
}

/**
 * The version to build on, after making sure the pointer names it: a publish stopped between
 * taking its number and moving the pointer is completed here, by the next one.
 */
export async function latestVersion(target: PublishTarget): Promise<PreviousVersion | null> {
  const latest = await readLatest(target)
  if (!latest) return null
  const pointer = await readCurrentRelease(target.read)
  if (!pointer || pointer.version < latest.release.version) {
    // Its number was taken, so its manifest and checkpoint are in the version table: write its tiles, then point to it.
    if (latest.release.evidence) await target.write(tileRecords(await tilesOfNewestLeaf(await knownLeaves(target))))
    await target.write(pointerRecords(latest.release))
  }
  return latest
}

/** The newest version the version table holds, and what it was published from. */
export async function readLatest(target: PublishTarget): Promise<PreviousVersion | null> {
  const latest = await target.versions.latest()
  // The data was validated when that version was published from it.
  return (
    latest && { release: latest, inputs: (await readVersionInputs(target.read, latest)) as VersionInputs<RegistryData> }
  )
}

/**
 * Publishes: plan; write the version's values under its own prefix; take the version number in
 * the version table (only one publish can); then the release record and the pointer. A publish
 * that loses the number throws VersionTaken, having made nothing visible.
 */
export async function publishTo(
  target: PublishTarget,
  data: RegistryData,
  now = new Date(),
  onProgress?: (written: number, total: number) => void,
): Promise<PublishResult> {
  const signed = withVerifierKey(data, target.signing, false).data
  const previous = await latestVersion(target)
  const pending = await pendingObjections(target, signed)
  return writePlan(target, await planRelease(previous, signed, now, target.origin, undefined, pending), onProgress)
}

/** How many objections the next version would commit to: none for a registry that takes none. */
export async function pendingObjections(target: Pick<PublishTarget, 'versions'>, data: RegistryData): Promise<number> {
  return data.registry.evidence.receiptKey ? (await target.versions.pendingObjections()).length : 0
}

/** Every version's leaf, refusing a log with a version that has none. */
async function knownLeaves(target: PublishTarget): Promise<string[]> {
  const leaves = await target.versions.leaves()
  const missing = leaves.indexOf(null)
  if (missing !== -1)
    throw new LogRefused(
      `Version ${missing + 1} was published before the registry kept a signed log, so the log cannot continue from it. Publish into a new store.`,
    )
  return leaves as string[]
}

/**
 * Writes a planned version and makes it current, if it can take its version number: its values
 * and manifest under its own prefix, then the number (with the signed checkpoint in the release
 * the version table keeps), then the log's tiles, then the pointer.
 */
export async function writePlan(
  target: PublishTarget,
  plan: PublishResult,
  onProgress?: (written: number, total: number) => void,
  /** Runs once the version's number and tiles are written, before readers are pointed at it (witnesses cosign here). */
  beforePointer?: (release: Release) => Promise<void>,
): Promise<PublishResult> {
  if (!plan.changed) return plan
  const leaves = await knownLeaves(target)
  if (leaves.length >= plan.release.version)
    throw new VersionTaken(plan.release.version, await target.versions.latest())
  const previous = plan.release.version > 1 ? await target.versions.latest() : null
  const data = new TextEncoder().encode(JSON.stringify(plan.inputs.data))
  const { receiptKey } = plan.inputs.data.registry.evidence
  // A registry that takes objections commits, in every version, to those received since the last.
  const pending = receiptKey ? await target.versions.pendingObjections() : []
  const committed = await commitTo(pending)
  const entry = await enterInLog(
    plan.release,
    plan.views,
    previous,
    leaves,
    target.signing,
    plan.inputs.data.registry.evidence.origin,
    data,
    receiptKey ? { receiptKey, commitment: committed.commitment } : undefined,
  )
  const policy = plan.inputs.data.registry.evidence.witnessPolicy
  // The witnesses go with the release, read once here, so that the Worker's cron asks the ones this version named.
  const witnesses = policy?.length ? witnessPlan(await parsePolicy(policy.join('\n'))) : null
  const placed: Release = { ...plan.release, evidence: { ...entry.evidence, ...(witnesses ? { witnesses } : {}) } }
  const { records, owned, bundles } = await versionRecords(
    placed,
    plan.representations,
    plan.logChunks,
    plan.storedLogChunks,
    plan.inputs,
    target.compress,
  )
  const release: Release = { ...placed, bundles }
  records.push(manifestRecord(release, entry.bytes))
  owned.push(records.at(-1)!.key)
  await target.write(records, onProgress)
  const objections = pending.map((digest, index) => ({
    digest,
    index,
    inclusion: JSON.stringify({
      objection: digest,
      version: release.version,
      index,
      size: pending.length,
      proof: committed.proofs[index]!,
    } satisfies Inclusion),
  }))
  const inserted = await target.versions.insert(release, objections).catch(async (error: unknown) => {
    // The batch failed whole on a digest committed meanwhile; any other failure may have inserted, so nothing is removed.
    if (!/objection_commitments/.test(String(error))) throw error
    await target.remove(owned)
    throw new ObjectionsTaken(release.version)
  })
  if (!inserted) {
    const holder = await target.versions.latest()
    await target.remove(owned)
    throw new VersionTaken(release.version, holder)
  }
  await target.write(tileRecords(entry.tiles))
  await beforePointer?.(release)
  await target.write(pointerRecords(release))
  // A later version may have moved the pointer while this one did: the pointer ends on the newest.
  const newest = await target.versions.latest()
  if (newest && newest.version > release.version) await target.write(pointerRecords(newest))
  return { ...plan, release }
}
