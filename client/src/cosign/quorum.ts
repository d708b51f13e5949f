/**
 * A witness policy's quorum, as plain data: what a release stores of its policy once the
 * publisher has read it, so that the Worker evaluates a quorum without parsing the policy again.
 */

export interface Group {
  threshold: number
  members: string[]
}

/** Witnesses by name with their verifier keys and submission URLs, the groups, and the quorum's name. */
export interface WitnessPlan {
  /** Each key also as its id and public key (base64), so that a reader needs no key parsing. */
  witnesses: { name: string; key: string; id: number; publicKey: string; url: string | null }[]
  groups: Record<string, Group>
  /** A witness's or a group's name, or `none`. */
  quorum: string
}

/** Whether the witnesses named in `cosigned` make the quorum. */
export function quorumMet({ groups, quorum }: Pick<WitnessPlan, 'groups' | 'quorum'>, cosigned: Set<string>): boolean {
  const holds = (name: string): boolean => {
    if (name === 'none') return true
    const group = Object.hasOwn(groups, name) ? groups[name] : undefined
    return group ? group.members.filter(holds).length >= group.threshold : cosigned.has(name)
  }
  return holds(quorum)
}
