/**
 * The auditor's check, offline: that a file is, byte for byte, one representation of one
 * version, and that the version is in the registry's signed log. Needs only the file, the
 * evidence document (`/versions/{n}/evidence`) and the verifier key the auditor pinned.
 * Every failure is named, with its own exit code for scripts.
 */
import { fromBase64, sha256Base64, utf8 } from './bytes.js'
import { leafHash } from './log/merkle.js'
import { ProofError, verifyInclusion } from './log/proof.js'
import { type CosignerKey, verifyCosignatures } from './cosign/cosignature.js'
import { describeQuorum, type Policy, PolicyError, parsePolicy, quorumMet } from './cosign/policy.js'
import {
  type Checkpoint,
  NoteError,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
  readNote,
  type VerifierKey,
} from './log/signed-note.js'

/** Exit codes of `subprocessor-watch verify` (and `npm run verify`), for scripts. */
export const VERIFY_EXIT = {
  verified: 0,
  /** The file claims to be a representation the manifest lists, but its bytes differ. */
  tampered: 2,
  /** The manifest lists no representation with the file's bytes, nor one the file claims to be. */
  not_listed: 3,
  /** The checkpoint carries no valid signature by the given key. */
  wrong_key: 4,
  /** The inclusion proof does not lead from the manifest to the checkpoint's root. */
  proof_mismatch: 5,
  /** The evidence document is not one, or contradicts itself. */
  not_evidence: 6,
  /** The checkpoint lacks the cosignatures the witness policy (--policy) requires, or one does not verify. */
  not_witnessed: 7,
  /** The command was used wrongly: a missing argument, an unreadable file or key. */
  usage: 64,
} as const

export type VerifyOutcome = keyof typeof VERIFY_EXIT

/** A representation as the manifest writes it (src/publish/manifest.ts), its URL as written. */
export interface Representation {
  url: string
  kind: string
  region?: string
  lang?: string
  format?: string
  scheduled?: true
  complete?: true
  name?: string
  type?: string
  sha256: string
}

interface ManifestShape {
  version: number
  publishedAt: string
  origin: string
  states: { from: string; until: string | null; representations: Representation[] }[]
  representations: Representation[]
}

export interface Verified {
  outcome: 'verified'
  version: number
  /** Every place the file's bytes appear: a list and its scheduled twin can be the same bytes. */
  matches: { representation: Representation; from: string | null; until: string | null }[]
  treeSize: number
  key: string
  publishedAt: string
  /** The witnesses whose cosignatures verified, with the time each states; empty without a policy. */
  witnesses: { name: string; key: string; time: string }[]
  /** The policy's quorum in words, or null when no policy was given. */
  quorum: string | null
  /** Cosignature lines the checkpoint carries that no policy was given to check. */
  unchecked: number
}

export interface Refused {
  outcome: Exclude<VerifyOutcome, 'verified'>
  message: string
}

const refuse = (outcome: Refused['outcome'], message: string): Refused => ({ outcome, message })

/** What a file says it is, where it says so: a CSV's download name, or a JSON document's own fields. */
export function claimedIdentity(fileName: string, bytes: Uint8Array): Partial<Representation> & { version?: number } {
  // `liveagent-subprocessors-eu-en-v3.csv`, as Content-Disposition names it (a browser may add " (1)").
  const csv = /subprocessors-(?<subject>[a-z0-9-]+)-(?<lang>[a-z]{2,3})-v(?<version>\d+)(?: \(\d+\))?\.csv$/.exec(
    fileName,
  )
  if (csv?.groups) {
    const { subject, lang, version } = csv.groups as { subject: string; lang: string; version: string }
    const changes = subject.startsWith('changes-')
    return {
      format: 'csv',
      lang,
      version: Number(version),
      ...(changes ? { kind: 'changes', region: subject.slice(8) } : ({ subject } as object)),
    }
  }
  try {
    const doc = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>
    const region = (doc.region as { id?: unknown } | undefined)?.id
    const version = typeof doc.version === 'number' ? doc.version : undefined
    if (typeof region === 'string' && typeof doc.language === 'string' && Array.isArray(doc.subprocessors))
      return { kind: 'list', region, lang: doc.language, format: 'json', version }
    if (typeof doc.id === 'string' && typeof doc.language === 'string')
      return {
        kind: 'entry',
        lang: doc.language,
        format: 'json',
        version,
        url: `/subprocessors/${doc.id}.json?lang=${doc.language}`,
      }
  } catch {}
  return {}
}

function matchesClaim(representation: Representation, claim: ReturnType<typeof claimedIdentity>): boolean {
  if (claim.format && representation.format !== claim.format) return false
  if (claim.lang && representation.lang !== claim.lang) return false
  if (claim.kind && representation.kind !== claim.kind) return false
  if (claim.region && representation.region !== claim.region) return false
  if (claim.url && representation.url !== claim.url) return false
  const subject = (claim as { subject?: string }).subject
  if (subject)
    return (
      (representation.kind === 'list' && representation.region === subject) ||
      (representation.kind === 'entry' && representation.url.startsWith(`/subprocessors/${subject}.`))
    )
  return Object.keys(claim).some((key) => key !== 'version')
}

const describe = (r: Representation) =>
  r.kind === 'document'
    ? `the ${r.name} document`
    : `${r.scheduled ? 'the scheduled ' : 'the '}${r.complete ? 'whole ' : ''}${r.kind}${r.region ? ` for region ${r.region}` : ''}${r.lang ? `, language ${r.lang}` : ''}${r.format ? `, ${r.format}` : ''} (${r.url})`

/** A check that failed: thrown by the steps below, answered by verifyFile as its Refused. */
class Refusal extends Error {
  constructor(
    readonly outcome: Refused['outcome'],
    message: string,
  ) {
    super(message)
  }
}

interface Evidence {
  version: number
  treeSize: number
  leafIndex: number
  manifest: string
  checkpoint: string
  proof: Uint8Array[]
}

async function readKey(keyText: string): Promise<VerifierKey> {
  try {
    return await parseVerifierKey(keyText)
  } catch (error) {
    throw new Refusal('usage', `The key is not a verifier key: ${(error as Error).message}.`)
  }
}

const TLOG_PROOF = 'c2sp.org/tlog-proof@v1'

/** A C2SP tlog-proof whose `extra` line holds the manifest's bytes, as /versions/{n}/proof serves it. */
function readTlogProof(text: string): Evidence {
  const blank = text.indexOf('\n\n')
  const lines = text.slice(0, Math.max(0, blank)).split('\n')
  const extra = /^extra ([A-Za-z0-9+/]+=*)$/.exec(lines[1] ?? '')
  const index = /^index (0|[1-9][0-9]{0,15})$/.exec(lines[2] ?? '')
  const proof = lines.slice(3).map(fromBase64)
  const manifest = extra ? fromBase64(extra[1]) : null
  const checkpoint = text.slice(blank + 2)
  const size = /^[^\n]+\n(0|[1-9][0-9]{0,15})\n/.exec(checkpoint)
  if (blank < 0 || !manifest || !index || !size || proof.some((hash) => hash?.byteLength !== 32))
    throw new Refusal(
      'not_evidence',
      "The proof is not a C2SP tlog-proof of a version's manifest (its extra line holds the manifest).",
    )
  const version = Number(index[1]) + 1
  return {
    version,
    leafIndex: version - 1,
    treeSize: Number(size[1]),
    manifest: new TextDecoder().decode(manifest),
    checkpoint,
    proof: proof as Uint8Array[],
  }
}

function readEvidence(evidenceText: string): Evidence {
  if (evidenceText.startsWith(`${TLOG_PROOF}\n`)) return readTlogProof(evidenceText)
  let evidence: Record<string, unknown>
  try {
    evidence = JSON.parse(evidenceText)
  } catch {
    throw new Refusal('not_evidence', 'The evidence is not JSON.')
  }
  const proof = Array.isArray(evidence.inclusionProof) ? evidence.inclusionProof.map(fromBase64) : null
  if (
    evidence.format !== 'subprocessor-registry-evidence/1' ||
    !Number.isInteger(evidence.version) ||
    !Number.isInteger(evidence.treeSize) ||
    evidence.leafIndex !== (evidence.version as number) - 1 ||
    typeof evidence.manifest !== 'string' ||
    typeof evidence.checkpoint !== 'string' ||
    !proof ||
    proof.some((hash) => hash?.byteLength !== 32)
  ) {
    throw new Refusal(
      'not_evidence',
      'The evidence is not a sub-processor registry evidence document (format, version, leafIndex, treeSize, manifest, inclusionProof, checkpoint).',
    )
  }
  return { ...(evidence as Omit<Evidence, 'proof'>), proof: proof as Uint8Array[] }
}

/** The checkpoint, opened with the pinned key: of this key's log, and of the tree the proof is for. */
async function openCheckpoint(evidence: Evidence, key: VerifierKey): Promise<Checkpoint> {
  let checkpoint: Checkpoint
  try {
    checkpoint = parseCheckpoint((await openNote(evidence.checkpoint, [key])).text)
  } catch (error) {
    if (error instanceof NoteError && /signature|known key/.test(error.message))
      throw new Refusal('wrong_key', `The checkpoint is not signed by ${key.text}: ${error.message}.`)
    throw new Refusal(
      'not_evidence',
      `The evidence's checkpoint is not a signed checkpoint: ${(error as Error).message}.`,
    )
  }
  if (checkpoint.origin !== key.name)
    throw new Refusal(
      'wrong_key',
      `The checkpoint is of the log "${checkpoint.origin}", but the key is for "${key.name}".`,
    )
  if (checkpoint.size !== evidence.treeSize)
    throw new Refusal(
      'proof_mismatch',
      `The proof is for a tree of ${evidence.treeSize}, but the checkpoint signs a tree of ${checkpoint.size}.`,
    )
  return checkpoint
}

/** The manifest, once the proof leads from it to the root the checkpoint signs. */
async function includedManifest(evidence: Evidence, checkpoint: Checkpoint): Promise<ManifestShape> {
  const leaf = await leafHash(utf8(evidence.manifest))
  try {
    await verifyInclusion(leaf, evidence.leafIndex, checkpoint.size, evidence.proof, checkpoint.root)
  } catch (error) {
    if (!(error instanceof ProofError)) throw error
    throw new Refusal(
      'proof_mismatch',
      `The inclusion proof does not lead from the manifest of version ${evidence.version} to the root the checkpoint signs: ${error.message}.`,
    )
  }
  let manifest: ManifestShape
  try {
    manifest = JSON.parse(evidence.manifest)
  } catch {
    throw new Refusal('not_evidence', 'The manifest in the evidence is not JSON.')
  }
  if (
    manifest.version !== evidence.version ||
    !Array.isArray(manifest.states) ||
    !Array.isArray(manifest.representations)
  ) {
    throw new Refusal(
      'not_evidence',
      'The manifest in the evidence is not the manifest of the version the evidence names.',
    )
  }
  return manifest
}

/** Every representation the manifest lists that has exactly the file's bytes; a refusal naming why there is none. */
async function listedAs(manifest: ManifestShape, fileName: string, file: Uint8Array): Promise<Verified['matches']> {
  const digest = await sha256Base64(file)
  const everything = [
    ...manifest.states.flatMap((state) =>
      state.representations.map((representation) => ({ representation, from: state.from, until: state.until })),
    ),
    ...manifest.representations.map((representation) => ({ representation, from: null, until: null })),
  ]
  const matches = everything.filter(({ representation }) => representation.sha256 === digest)
  if (matches.length) return matches
  const claim = claimedIdentity(fileName, file)
  const claimed = everything.find(({ representation }) => matchesClaim(representation, claim))
  if (claimed)
    throw new Refusal(
      'tampered',
      `The file is not what it claims to be: ${describe(claimed.representation)} of version ${manifest.version} has SHA-256 ${claimed.representation.sha256}, the file ${digest}.`,
    )
  throw new Refusal(
    'not_listed',
    `Version ${manifest.version}'s manifest lists no representation with these bytes (SHA-256 ${digest}).`,
  )
}

async function readPolicy(text: string): Promise<Policy> {
  try {
    return await parsePolicy(text)
  } catch (error) {
    if (error instanceof PolicyError) throw new Refusal('usage', `The witness policy is not one: ${error.message}.`)
    throw error
  }
}

/** The cosignatures the policy's witnesses made of the checkpoint; a refusal when they fall short of its quorum. */
async function witnessed(
  evidence: Evidence,
  policy: Policy | null,
): Promise<Pick<Verified, 'witnesses' | 'quorum' | 'unchecked'>> {
  if (!policy) {
    const origin = evidence.checkpoint.slice(0, evidence.checkpoint.indexOf('\n'))
    const others = readNote(evidence.checkpoint).signatures.filter((line) => line.name !== origin)
    return { witnesses: [], quorum: null, unchecked: others.length }
  }
  let found: Awaited<ReturnType<typeof verifyCosignatures>>
  try {
    found = await verifyCosignatures(
      evidence.checkpoint,
      policy.witnesses.map((w) => w.key as CosignerKey),
    )
  } catch (error) {
    throw new Refusal(
      'not_witnessed',
      `A witness's cosignature of the checkpoint does not hold: ${(error as Error).message}.`,
    )
  }
  const witnesses = found.map(({ key, time }) => ({
    name: policy.witnesses.find((w) => w.key === key)!.name,
    key: key.text,
    time: new Date(time * 1000).toISOString(),
  }))
  if (!quorumMet(policy, new Set(witnesses.map((w) => w.name))))
    throw new Refusal(
      'not_witnessed',
      `The checkpoint is cosigned by ${witnesses.length ? witnesses.map((w) => w.name).join(', ') : 'none of the witnesses'}, short of the policy's quorum (${describeQuorum(policy)}).`,
    )
  return { witnesses, quorum: describeQuorum(policy), unchecked: 0 }
}

/**
 * Checks `file` against `evidence` (an evidence document's text, or a C2SP tlog-proof) and the
 * pinned verifier key; with a witness policy (C2SP tlog-policy), also that its quorum cosigned.
 */
export async function verifyFile(
  fileName: string,
  file: Uint8Array,
  evidenceText: string,
  keyText: string,
  policyText?: string,
): Promise<Verified | Refused> {
  try {
    const key = await readKey(keyText)
    const policy = policyText === undefined ? null : await readPolicy(policyText)
    const evidence = readEvidence(evidenceText)
    const checkpoint = await openCheckpoint(evidence, key)
    const manifest = await includedManifest(evidence, checkpoint)
    const witnesses = await witnessed(evidence, policy)
    return {
      ...witnesses,
      outcome: 'verified',
      version: manifest.version,
      matches: await listedAs(manifest, fileName, file),
      treeSize: checkpoint.size,
      key: key.text,
      publishedAt: manifest.publishedAt,
    }
  } catch (error) {
    if (error instanceof Refusal) return refuse(error.outcome, error.message)
    throw error
  }
}

/** The verdict in words, for people. */
export function explain(result: Verified | Refused): string {
  if (result.outcome !== 'verified') return result.message
  const [first, ...more] = result.matches
  const when = (m: Verified['matches'][number]) =>
    m.from
      ? `in force from ${m.from} ${m.until ? `to ${m.until}` : 'until a later version replaced it'}`
      : `published ${result.publishedAt}`
  const also = more.length
    ? `\nThe same bytes are also ${more.map((m) => `${describe(m.representation)}, ${when(m)}`).join('; ')}.`
    : ''
  const witnessedBy =
    result.quorum === null
      ? result.unchecked
        ? `\nThe checkpoint carries ${result.unchecked} cosignature${result.unchecked === 1 ? '' : 's'} by witnesses; give --policy to check them.`
        : ''
      : `\nWitnessed: ${result.witnesses.length ? result.witnesses.map((w) => `${w.name} cosigned at ${w.time}`).join(', ') : 'no cosignature is required'}; the policy's quorum (${result.quorum}) is met.`
  return `Verified: the file is, byte for byte, ${describe(first!.representation)} of version ${result.version}, ${when(first!)}, included in the log at size ${result.treeSize} under key ${result.key}.${also}${witnessedBy}`
}
