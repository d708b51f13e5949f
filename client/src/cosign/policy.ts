/**
 * C2SP tlog-policy: which witnesses count, and how many of them make a quorum.
 *
 *   log <vkey> [<url>]
 *   witness <name> <vkey> [<url>]
 *   group <name> all|any|<k> <name>...
 *   quorum <name>|none
 *
 * A name is defined before it is used; witness and group names share one namespace; `none` is
 * predefined and needs no cosignature. Witness keys are cosignature keys (type 0x04).
 */
import { toBase64 } from '../bytes.js'
import type { NoteError } from '../log/signed-note.js'
import { type CosignerKey, parseCosignerKey } from './cosignature.js'
import { type Group, quorumMet as planQuorumMet, type WitnessPlan } from './quorum.js'

export interface PolicyWitness {
  name: string
  key: CosignerKey
  url: string | null
}

export interface Policy {
  /** The log keys the policy names (verifier key texts); may be empty. */
  logs: { key: string; url: string | null }[]
  witnesses: PolicyWitness[]
  groups: Record<string, Group>
  /** A witness's or a group's name, or `none`. */
  quorum: string
  /** The policy as text, one line per definition: what is stored and shown. */
  text: string
}

export class PolicyError extends Error {}

const MAX_LINES = 1000

/** Reads a policy; throws PolicyError naming the line that is wrong. */
export async function parsePolicy(text: string): Promise<Policy> {
  const logs: Policy['logs'] = []
  const witnesses: PolicyWitness[] = []
  const groups: Record<string, Group> = Object.create(null)
  let quorum: string | null = null
  const kept: string[] = []
  const lines = text.split('\n')
  if (lines.length > MAX_LINES) throw new PolicyError(`a policy has at most ${MAX_LINES} lines`)
  const defined = (name: string) => witnesses.some((w) => w.name === name) || name in groups
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const where = `policy line ${i + 1}`
    const [keyword, ...args] = line.split(/[ \t]+/)
    const url = (value: string | undefined) => {
      if (value === undefined) return null
      if (!/^https?:\/\/[^\s]+$/.test(value)) throw new PolicyError(`${where}: ${JSON.stringify(value)} is not a URL`)
      return value.replace(/\/+$/, '')
    }
    const key = async (value: string | undefined) => {
      try {
        return await parseCosignerKey(value ?? '')
      } catch (error) {
        throw new PolicyError(`${where}: ${(error as NoteError).message}`)
      }
    }
    switch (keyword) {
      case 'log':
        if (args.length < 1 || args.length > 2) throw new PolicyError(`${where}: expected "log <vkey> [<url>]"`)
        logs.push({ key: args[0]!, url: url(args[1]) })
        break
      case 'witness': {
        if (args.length < 2 || args.length > 3)
          throw new PolicyError(`${where}: expected "witness <name> <vkey> [<url>]"`)
        const [name, vkey, address] = args as [string, string, string | undefined]
        if (name === 'none' || defined(name)) throw new PolicyError(`${where}: the name ${name} is taken`)
        const parsed = await key(vkey)
        if (witnesses.some((w) => w.key.publicKey.every((byte, j) => byte === parsed.publicKey[j])))
          throw new PolicyError(`${where}: the witness ${name} has the same key as another`)
        witnesses.push({ name, key: parsed, url: url(address) })
        break
      }
      case 'group': {
        const [name, size, ...members] = args as [string, string, ...string[]]
        if (!name || !size || members.length === 0)
          throw new PolicyError(`${where}: expected "group <name> all|any|<k> <name>..."`)
        if (name === 'none' || defined(name)) throw new PolicyError(`${where}: the name ${name} is taken`)
        for (const member of members)
          if (!defined(member)) throw new PolicyError(`${where}: ${member} is not defined on an earlier line`)
        const threshold =
          size === 'all' ? members.length : size === 'any' ? 1 : /^[1-9][0-9]*$/.test(size) ? Number(size) : 0
        if (threshold < 1 || threshold > members.length)
          throw new PolicyError(`${where}: the threshold is all, any or a number from 1 to ${members.length}`)
        groups[name] = { threshold, members }
        break
      }
      case 'quorum':
        if (quorum !== null) throw new PolicyError(`${where}: a policy has exactly one quorum line`)
        if (args.length !== 1 || !(args[0] === 'none' || defined(args[0]!)))
          throw new PolicyError(`${where}: the quorum is none, or a witness or group defined on an earlier line`)
        quorum = args[0]!
        break
      default:
        throw new PolicyError(`${where}: ${JSON.stringify(keyword?.slice(0, 40))} is not log, witness, group or quorum`)
    }
    kept.push(line)
  }
  if (quorum === null) throw new PolicyError('a policy has exactly one quorum line, and this one has none')
  return { logs, witnesses, groups, quorum, text: `${kept.join('\n')}\n` }
}

/** Whether witnesses named in `cosigned` make the policy's quorum. */
export const quorumMet = (policy: Policy, cosigned: Set<string>): boolean => planQuorumMet(policy, cosigned)

/** What a release keeps of a policy: plain data the Worker reads without parsing the policy again. */
export function witnessPlan(policy: Policy): WitnessPlan {
  return {
    witnesses: policy.witnesses.map(({ name, key, url }) => ({
      name,
      key: key.text,
      id: key.id,
      publicKey: toBase64(key.publicKey),
      url,
    })),
    groups: { ...policy.groups },
    quorum: policy.quorum,
  }
}

/** "2 of 3", or "none required" where the quorum is none: for people. */
export function describeQuorum(policy: Policy): string {
  if (policy.quorum === 'none') return 'no cosignature required'
  const group = policy.groups[policy.quorum]
  if (!group) return `${policy.quorum} must cosign`
  const nested = group.members.some((m) => m in policy.groups)
  return nested ? `the group ${policy.quorum}` : `${group.threshold} of ${group.members.length}`
}
