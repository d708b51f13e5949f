/**
 * The Merkle tree of RFC 6962 (and RFC 9162 §2.1), as Certificate Transparency and Go's checksum
 * database hash it: leaf = SHA-256(0x00 ‖ data), node = SHA-256(0x01 ‖ left ‖ right). Proofs are
 * made from the leaf hashes, and checked with nothing but the proof, the sizes and the roots.
 * Plain functions on Web Crypto: the same code runs in the publisher, the Worker and the client.
 * Proofs are checked in `proof.ts`; tile paths are in `tiles.ts`.
 */

import { type Bytes, sha256 } from '../bytes.js'

export type Hash = Bytes

const LEAF_PREFIX = 0x00
const NODE_PREFIX = 0x01

export function leafHash(data: Uint8Array): Promise<Hash> {
  const input = new Uint8Array(data.byteLength + 1)
  input[0] = LEAF_PREFIX
  input.set(data, 1)
  return sha256(input)
}

export function nodeHash(left: Hash, right: Hash): Promise<Hash> {
  const input = new Uint8Array(65)
  input[0] = NODE_PREFIX
  input.set(left, 1)
  input.set(right, 33)
  return sha256(input)
}

/** The largest power of two smaller than n (n > 1): where RFC 6962 splits a tree of n leaves. */
function split(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

/**
 * A tree over leaf hashes, with each complete aligned subtree's hash computed once: the hash of
 * leaves [i·2^l, (i+1)·2^l) is `levels[l][i]`. Any other range is hashed as RFC 6962 splits it.
 */
export class MerkleTree {
  private constructor(private readonly levels: Hash[][]) {}

  static async fromLeafHashes(leaves: Hash[]): Promise<MerkleTree> {
    const levels: Hash[][] = [leaves]
    for (let level = leaves; level.length > 1; ) {
      const pairs = Math.floor(level.length / 2)
      const next = await Promise.all(
        Array.from({ length: pairs }, (_, i) => nodeHash(level[2 * i]!, level[2 * i + 1]!)),
      )
      levels.push(next)
      level = next
    }
    return new MerkleTree(levels)
  }

  get size(): number {
    return this.levels[0]!.length
  }

  /** The hashes a tile at `level` holds (C2SP tlog-tiles, height 8): the level-8·L hashes. */
  storedLevel(level: number): Hash[] {
    return this.levels[level] ?? []
  }

  /** MTH(D[lo:hi]) of RFC 6962. */
  async rangeHash(lo: number, hi: number): Promise<Hash> {
    const n = hi - lo
    if (n <= 0) throw new Error('an empty range has no hash')
    // A complete aligned subtree is stored.
    if ((n & (n - 1)) === 0 && lo % n === 0) {
      const stored = this.levels[Math.log2(n)]?.[lo / n]
      if (stored) return stored
    }
    const k = split(n)
    return nodeHash(await this.rangeHash(lo, lo + k), await this.rangeHash(lo + k, hi))
  }

  /** The root of the tree of the first `size` leaves. */
  root(size = this.size): Promise<Hash> {
    if (size === 0) return sha256(new Uint8Array(0))
    return this.rangeHash(0, size)
  }

  /** PATH(index, D[0:size]) of RFC 6962 §2.1.1: the inclusion proof of a leaf. */
  async inclusionProof(index: number, size = this.size): Promise<Hash[]> {
    if (!(index >= 0 && index < size && size <= this.size))
      throw new RangeError(`no leaf ${index} in a tree of ${size}`)
    const path = async (m: number, lo: number, hi: number): Promise<Hash[]> => {
      if (hi - lo === 1) return []
      const k = split(hi - lo)
      return m < k
        ? [...(await path(m, lo, lo + k)), await this.rangeHash(lo + k, hi)]
        : [...(await path(m - k, lo + k, hi)), await this.rangeHash(lo, lo + k)]
    }
    return path(index, 0, size)
  }

  /** PROOF(older, D[0:newer]) of RFC 6962 §2.1.2: that the tree of `older` leaves is a prefix of the tree of `newer`. */
  async consistencyProof(older: number, newer = this.size): Promise<Hash[]> {
    if (!(older > 0 && older <= newer && newer <= this.size))
      throw new RangeError(`no consistency proof from ${older} to ${newer}`)
    const subproof = async (m: number, lo: number, hi: number, complete: boolean): Promise<Hash[]> => {
      const n = hi - lo
      if (m === n) return complete ? [] : [await this.rangeHash(lo, hi)]
      const k = split(n)
      if (m <= k) return [...(await subproof(m, lo, lo + k, complete)), await this.rangeHash(lo + k, hi)]
      return [...(await subproof(m - k, lo + k, hi, false)), await this.rangeHash(lo, lo + k)]
    }
    return subproof(older, 0, newer, true)
  }
}
