/**
 * The client as a witness of each registry's log (C2SP tlog-checkpoint, tlog-tiles): every new
 * checkpoint must carry a valid signature by the key that signs the log now, and its tree must
 * extend the one seen before. The witness keeps the tree's right edge, so a check reads only the
 * leaves added since the last one, and never more than its limit. A new key is followed only
 * through a rotation the log records, on a checkpoint that the old key signs too; from then on
 * the new key alone signs, and the old one is refused.
 */
import { fromBase64, fromUtf8, toBase64 } from './bytes.js'
import { describeQuorum, type Policy, quorumMet } from './cosign/policy.js'
import { verifyCosignatures } from './cosign/cosignature.js'
import { SplitView, WatchError, quoted } from './errors.js'
import { type Link, pick } from './format.js'
import { get, type Network } from './http.js'
import { parseJson } from './json.js'
import { type CompactRange, EMPTY_RANGE, extend, rootOf } from './log/compact.js'
import { type Hash, leafHash } from './log/merkle.js'
import { NoteError, type OpenedNote, openNote, parseCheckpoint, parseVerifierKey } from './log/signed-note.js'
import { TILE_WIDTH, tilePath } from './log/tiles.js'
import { type Manifest, ManifestError, readManifest } from './manifest.js'
import { readVersions } from './format.js'

export interface WitnessedLog {
  origin: string
  /** Every key the log was signed with, oldest first: the last signs it now; the others are retired. */
  keys: string[]
  size: number
  /** The signed root, base64. */
  root: string
  /** The tree's right edge (its perfect subtrees' roots, base64, largest first); null until first read whole. */
  edge: string[] | null
  /** The newest checkpoint as served and verified, cosignatures included: half the proof of a split view. */
  note?: string
}

export interface LogLimits {
  /** The most versions a log may grow by between two checks; a check reads no more leaves than this. */
  maxGrowth: number
  /** The most manifests a check reads looking for a key rotation. */
  maxRotationScan: number
}

const MAX_CHECKPOINT_BYTES = 64 * 1024

export const DEFAULT_LOG_LIMITS: LogLimits = { maxGrowth: 65_536, maxRotationScan: 256 }

/** Where the log is, as discovery links it. */
export interface LogLinks {
  /** Discovery's URL: links resolve against it. */
  base: string
  checkpoint: string
  tiles: string
  /** The version index, which links each version's manifest. */
  versions: Link | undefined
}

export const evidenceFailure = (
  message: string,
  hint = 'Keep the last good state; ask the vendor why, before trusting this list again.',
) => new WatchError('evidence', message, hint)

/** What a check learnt of the log: its new state, and the leaves it read. */
export interface Witnessed {
  log: WitnessedLog
  /** The leaf hashes read this check, by index. */
  leaves: Map<number, Hash>
  rotatedTo: string | null
  /** Who cosigned the checkpoint among the policy's witnesses; null without a policy. */
  witnessed: WitnessedBy | null
}

export interface WitnessedBy {
  /** The witnesses whose cosignatures verified, by their names in the policy. */
  by: string[]
  /** How many witnesses the policy names. */
  of: number
  quorum: string
}

/** The policy's witnesses that cosigned the checkpoint; an evidence failure below its quorum. */
async function checkQuorum(note: string, policy: Policy, url: string, size: number): Promise<WitnessedBy> {
  let found: Awaited<ReturnType<typeof verifyCosignatures>>
  try {
    found = await verifyCosignatures(
      note,
      policy.witnesses.map((w) => w.key),
    )
  } catch (error) {
    throw evidenceFailure(
      `a witness's cosignature on the checkpoint at ${url} does not verify: ${(error as Error).message}`,
    )
  }
  const by = found.map((cosignature) => policy.witnesses.find((w) => w.key === cosignature.key)!.name)
  const witnessed = { by, of: policy.witnesses.length, quorum: describeQuorum(policy) }
  if (!quorumMet(policy, new Set(by)))
    throw evidenceFailure(
      `the checkpoint of ${size} versions at ${url} is witnessed by ${by.length} of ${policy.witnesses.length} (${by.join(', ') || 'none'}), short of the policy's quorum (${witnessed.quorum})`,
      'No quorum of your witnesses has seen this checkpoint: it may be a view shown to you alone. The last good state is kept; check again later, and if it persists, ask the vendor and your witnesses.',
    )
  return witnessed
}

/** Reads the checkpoint and the leaves added since `seen`, and checks both against what was seen. */
export async function witness(
  net: Network,
  links: LogLinks,
  seen: WitnessedLog,
  limits: LogLimits = DEFAULT_LOG_LIMITS,
  policy: Policy | null = null,
): Promise<Witnessed> {
  const url = new URL(links.checkpoint, links.base).href
  const fetched = await get(net, url, undefined, 'text/plain')
  if (fetched.status !== 200) throw evidenceFailure(`${url} answered 304 without a condition`)
  // A checkpoint with a hundred cosignatures is some 12 KiB; a larger one is not kept in the state.
  if (fetched.bytes.byteLength > MAX_CHECKPOINT_BYTES)
    throw evidenceFailure(`the checkpoint at ${url} is larger than ${MAX_CHECKPOINT_BYTES / 1024} KiB`)
  const note = fromUtf8(fetched.bytes)
  const current = seen.keys.at(-1)!
  const opened = await openWith(note, current, url)
  let checkpoint: ReturnType<typeof parseCheckpoint>
  try {
    checkpoint = parseCheckpoint(opened.text)
  } catch (error) {
    throw evidenceFailure(`the checkpoint at ${url} is not one: ${(error as Error).message}`)
  }
  if (checkpoint.origin !== seen.origin)
    throw evidenceFailure(`the checkpoint at ${url} is for the log ${quoted(checkpoint.origin)}, not "${seen.origin}"`)
  const root = toBase64(checkpoint.root)
  if (checkpoint.size < seen.size)
    throw evidenceFailure(
      `the log shrank from ${seen.size} to ${checkpoint.size} versions: a registry's log only grows`,
    )
  // Two signed checkpoints that cannot both be true: with the one seen before, proof of a split view.
  const twoHistories = (why: string) =>
    seen.note
      ? new SplitView(`${why}: the registry showed two histories of its log (a split view)`, seen.note, note)
      : evidenceFailure(why)
  if (checkpoint.size === seen.size) {
    if (root !== seen.root) throw twoHistories(`the log at size ${seen.size} now has another root`)
    const witnessed = policy ? await checkQuorum(note, policy, url, checkpoint.size) : null
    return { log: { ...seen, note }, leaves: new Map(), rotatedTo: null, witnessed }
  }
  // A log seen before its edge was kept is read whole once; after that, only what it added.
  const from = seen.edge ? seen.size : 0
  if (checkpoint.size - from > limits.maxGrowth)
    throw new WatchError(
      'error',
      `the log at ${url} claims ${checkpoint.size} versions, ${checkpoint.size - from} more than this client has read; it reads at most ${limits.maxGrowth} in one check`,
      'No registry publishes that often: ask the vendor. Raise --max-log-growth only if the log really is that large.',
    )
  const read = await readLeaves(net, links, from, checkpoint.size)
  const leaves = new Map(read.map((leaf, i) => [from + i, leaf]))
  const start: CompactRange = seen.edge ? { size: seen.size, hashes: seen.edge.map(hash) } : EMPTY_RANGE
  const grown = await extend(start, read)
  const extendsSeen =
    (await rootOf(grown).then(toBase64)) === root &&
    (seen.edge !== null ||
      seen.size === 0 ||
      toBase64(await rootOf(await extend(EMPTY_RANGE, read.slice(0, seen.size)))) === seen.root)
  if (!extendsSeen) {
    const why = await whyNotExtended(net, links, seen, checkpoint.size, root, limits)
    throw why.message.includes('history was rewritten') ? twoHistories(why.message) : why
  }
  const witnessed = policy ? await checkQuorum(note, policy, url, checkpoint.size) : null
  let keys = seen.keys
  let rotatedTo: string | null = null
  if (opened.unverified.length > 0) {
    rotatedTo = await loggedRotation(net, links, seen, checkpoint.size, leaves, note, limits)
    if (rotatedTo) keys = [...keys, rotatedTo]
  }
  return {
    log: { origin: seen.origin, keys, size: checkpoint.size, root, edge: grown.hashes.map(toBase64), note },
    leaves,
    rotatedTo,
    witnessed,
  }
}

const hash = (text: string): Hash => fromBase64(text) ?? new Uint8Array(0)

/** Which failure it is: tiles that are not the signed tree, or a signed tree that is not the one seen before. */
async function whyNotExtended(
  net: Network,
  links: LogLinks,
  seen: WitnessedLog,
  size: number,
  root: string,
  limits: LogLimits,
): Promise<WatchError> {
  const rewritten = evidenceFailure(
    `the log of ${size} versions does not extend the log of ${seen.size} seen before: its history was rewritten`,
  )
  const badTiles = evidenceFailure(
    `the tiles at ${new URL(links.tiles, links.base).href} do not hash to the root the checkpoint signs`,
  )
  if (seen.size === 0) return badTiles
  if (size > limits.maxGrowth) return rewritten
  const all = await readLeaves(net, links, 0, size)
  return toBase64(await rootOf(await extend(EMPTY_RANGE, all))) === root ? rewritten : badTiles
}

/** The note opened with the one key that signs the log now. */
async function openWith(note: string, key: string, url: string): Promise<OpenedNote> {
  try {
    return await openNote(note, [await parseVerifierKey(key)])
  } catch (error) {
    if (!(error instanceof NoteError)) throw error
    throw evidenceFailure(
      error.message.startsWith('no signature by a known key')
        ? `the checkpoint at ${url} is not signed by the pinned key ${key}: ${error.message}. The key changed without a rotation recorded in the log, or a retired key signed it`
        : `the checkpoint at ${url} fails its signature: ${error.message}`,
    )
  }
}

/** The leaf hashes from `from` up to `size`, from the level-0 tiles. */
export async function readLeaves(net: Network, links: LogLinks, from: number, size: number): Promise<Hash[]> {
  const leaves: Hash[] = []
  for (let index = Math.floor(from / TILE_WIDTH); index * TILE_WIDTH < size; index++) {
    const width = Math.min(TILE_WIDTH, size - index * TILE_WIDTH)
    const url = new URL(`${links.tiles}${tilePath(0, index, width)}`, links.base).href
    const fetched = await get(net, url, undefined, 'application/octet-stream')
    if (fetched.status !== 200 || fetched.bytes.byteLength !== width * 32)
      throw evidenceFailure(`the tile ${url} does not hold ${width} hashes`)
    for (let i = Math.max(0, from - index * TILE_WIDTH); i < width; i++)
      leaves.push(fetched.bytes.slice(i * 32, (i + 1) * 32))
  }
  return leaves
}

/**
 * The leaf of `version`, checked against the signed root: from this check's leaves when it is
 * among them, else from the whole tree read again (a list older than the last checkpoint seen).
 */
export async function leafOf(
  net: Network,
  links: LogLinks,
  witnessed: Witnessed,
  version: number,
  limits: LogLimits = DEFAULT_LOG_LIMITS,
): Promise<Hash> {
  const known = witnessed.leaves.get(version - 1)
  if (known) return known
  const { size, root } = witnessed.log
  if (version > size) throw evidenceFailure(`the log holds ${size} versions, not version ${version}`)
  if (size > limits.maxGrowth)
    throw new WatchError(
      'error',
      `checking version ${version} means reading the whole log of ${size} versions, more than the ${limits.maxGrowth} this client reads in one check`,
      'Raise --max-log-growth to check it.',
    )
  const all = await readLeaves(net, links, 0, size)
  if (toBase64(await rootOf(await extend(EMPTY_RANGE, all))) !== root)
    throw evidenceFailure(`the tiles at ${links.tiles} do not hash to the root the checkpoint signs`)
  return all[version - 1]!
}

/** A version's manifest, checked to be the leaf the log holds for it. */
export async function loggedManifest(
  net: Network,
  links: LogLinks,
  version: number,
  leaf: Hash,
): Promise<{ manifest: Manifest; url: string }> {
  const url = await manifestUrl(net, links, version)
  const fetched = await get(net, url)
  if (fetched.status !== 200) throw evidenceFailure(`${url} answered without a body`)
  if (toBase64(await leafHash(fetched.bytes)) !== toBase64(leaf))
    throw evidenceFailure(`the manifest of version ${version} at ${url} is not the one the log holds`)
  try {
    const manifest = readManifest(fetched.bytes, url)
    if (manifest.version !== version) throw new ManifestError(`it names version ${manifest.version}`)
    return { manifest, url }
  } catch (error) {
    if (error instanceof WatchError) throw evidenceFailure(error.message)
    throw evidenceFailure(`the logged manifest of version ${version} is not a manifest: ${(error as Error).message}`)
  }
}

/** The version index a check read, by its links: read once however many manifests it leads to. */
const indexes = new WeakMap<LogLinks, Promise<{ url: string; bytes: Uint8Array; manifests: Map<number, string> }>>()

/** The version index the log's links name, with each version's manifest URL: fetched once per check. */
export function versionIndex(net: Network, links: LogLinks) {
  let index = indexes.get(links)
  if (!index) {
    index = (async () => {
      if (!links.versions)
        throw evidenceFailure('the registry links no version index, which the Evidence level needs', 'Tell the vendor.')
      const url = new URL(links.versions.href, links.base).href
      const fetched = await get(net, url)
      if (fetched.status !== 200) throw evidenceFailure(`${url} answered 304 without a condition`)
      const manifests = new Map<number, string>()
      for (const v of readVersions(url, parseJson(fetched.bytes, url)).versions)
        if (v.links.manifest) manifests.set(v.version, new URL(v.links.manifest, url).href)
      return { url, bytes: fetched.bytes, manifests }
    })()
    indexes.set(links, index)
  }
  return index
}

async function manifestUrl(net: Network, links: LogLinks, version: number): Promise<string> {
  const url = (await versionIndex(net, links)).manifests.get(version)
  if (url) return url
  throw evidenceFailure(
    `the registry links no manifest for version ${version}`,
    'Tell the vendor: the Evidence level needs it.',
  )
}

/**
 * The key a rotation in the new versions moved to, from the key that signs now, when the
 * checkpoint verifies under it too; null if none. A key's change anywhere else is a failure.
 */
async function loggedRotation(
  net: Network,
  links: LogLinks,
  seen: WitnessedLog,
  size: number,
  leaves: Map<number, Hash>,
  note: string,
  limits: LogLimits,
): Promise<string | null> {
  const current = seen.keys.at(-1)!
  const first = Math.max(seen.size + 1, size - limits.maxRotationScan + 1)
  for (let version = first; version <= size; version++) {
    const { manifest } = await loggedManifest(net, links, version, leaves.get(version - 1)!)
    if (manifest.rotatedFrom !== current || !manifest.signer) continue
    const signer = manifest.signer
    try {
      const next = await parseVerifierKey(signer)
      if (next.name !== seen.origin) throw new NoteError(`it is a key of ${quoted(next.name)}`)
      await openNote(note, [next])
    } catch (error) {
      throw evidenceFailure(
        `version ${version} rotates to ${quoted(signer)}, which does not sign the checkpoint: ${(error as Error).message}`,
      )
    }
    return signer
  }
  return null
}

/** The links of the log a discovery document names, for the registry's language. */
export function logLinks(
  base: string,
  discovery: { evidence?: { checkpoint: string; tiles: string }; history?: { versions: Link[] } },
  lang: string,
): LogLinks {
  return {
    base,
    checkpoint: discovery.evidence!.checkpoint,
    tiles: discovery.evidence!.tiles,
    versions: pick(discovery.history?.versions, lang, undefined),
  }
}
