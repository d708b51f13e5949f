/**
 * The Merkle tree of RFC 6962 (and RFC 9162 §2.1), as Certificate Transparency and Go's checksum
 * database hash it: leaf = SHA-256(0x00 ‖ data), node = SHA-256(0x01 ‖ left ‖ right). Proofs are
 * made from the leaf hashes, and checked with nothing but the proof, the sizes and the roots.
 * Plain functions on Web Crypto: the same code runs in the publisher, the Worker and the verifier.
 */

export type Hash = Uint8Array

const LEAF_PREFIX = 0x00
const NODE_PREFIX = 0x01

async function sha256(bytes: Uint8Array): Promise<Hash> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
}

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

const equal = (a: Hash, b: Hash) => a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i])

/** RFC 9162 §2.1.3.2: whether `proof` shows the leaf with `leaf` hash at `index` in the tree of `size` with `root`. */
export async function verifyInclusion(
  leaf: Hash,
  index: number,
  size: number,
  proof: Hash[],
  root: Hash,
): Promise<boolean> {
  if (index >= size || index < 0) return false
  let fn = index
  let sn = size - 1
  let r = leaf
  for (const p of proof) {
    if (sn === 0) return false
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r)
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2)
          sn = Math.floor(sn / 2)
        }
      }
    } else r = await nodeHash(r, p)
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  return sn === 0 && equal(r, root)
}

/** RFC 9162 §2.1.4.2: whether `proof` shows the tree of `older` leaves with `oldRoot` is a prefix of the tree of `newer` with `newRoot`. */
export async function verifyConsistency(
  older: number,
  newer: number,
  proof: Hash[],
  oldRoot: Hash,
  newRoot: Hash,
): Promise<boolean> {
  if (older < 1 || older > newer) return false
  if (older === newer) return proof.length === 0 && equal(oldRoot, newRoot)
  const path = (older & (older - 1)) === 0 ? [oldRoot, ...proof] : [...proof]
  if (path.length === 0) return false
  let fn = older - 1
  let sn = newer - 1
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  let fr = path[0]!
  let sr = path[0]!
  for (const c of path.slice(1)) {
    if (sn === 0) return false
    if (fn % 2 === 1 || fn === sn) {
      fr = await nodeHash(c, fr)
      sr = await nodeHash(c, sr)
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2)
          sn = Math.floor(sn / 2)
        }
      }
    } else sr = await nodeHash(sr, c)
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  return sn === 0 && equal(fr, oldRoot) && equal(sr, newRoot)
}

/** The height of a tile (C2SP tlog-tiles): 2^8 hashes to a full tile. */
export const TILE_HEIGHT = 8
export const TILE_WIDTH = 1 << TILE_HEIGHT

/**
 * A tile's path under `tile/` (C2SP tlog-tiles): the level, then the index in groups of three
 * digits, every group but the last prefixed with `x`, and `.p/{width}` for a partial tile.
 */
export function tilePath(level: number, index: number, width = TILE_WIDTH): string {
  const digits = String(index).padStart(3 * Math.max(1, Math.ceil(String(index).length / 3)), '0')
  const groups = digits.match(/.{3}/g)!
  const name = groups.map((group, i) => (i < groups.length - 1 ? `x${group}` : group)).join('/')
  return `${level}/${name}${width < TILE_WIDTH ? `.p/${width}` : ''}`
}

/** Reads a tile path back: null when it is not one. */
export function parseTilePath(path: string): { level: number; index: number; width: number } | null {
  const match = /^(\d+)\/((?:x\d{3}\/)*)(\d{3})(?:\.p\/(\d+))?$/.exec(path)
  if (!match) return null
  const level = Number(match[1])
  const index = Number((match[2]!.replaceAll('x', '').replaceAll('/', '') + match[3]).replace(/^0+(?=\d)/, ''))
  const width = match[4] === undefined ? TILE_WIDTH : Number(match[4])
  if (
    level > 63 ||
    width < 1 ||
    width > TILE_WIDTH ||
    (match[4] !== undefined && width === TILE_WIDTH) ||
    String(Number(match[1])) !== match[1]
  )
    return null
  if (match[4] !== undefined && String(width) !== match[4]) return null
  return { level, index, width }
}

/** Every tile of a tree, full and partial, with its bytes: the hashes it holds, concatenated. */
export function tilesOf(tree: MerkleTree): { level: number; index: number; width: number; bytes: Uint8Array }[] {
  const tiles = []
  for (let level = 0; ; level++) {
    const hashes = tree.storedLevel(level * TILE_HEIGHT)
    if (hashes.length === 0) break
    for (let index = 0; index * TILE_WIDTH < hashes.length; index++) {
      const part = hashes.slice(index * TILE_WIDTH, (index + 1) * TILE_WIDTH)
      const bytes = new Uint8Array(part.length * 32)
      for (const [i, hash] of part.entries()) bytes.set(hash, i * 32)
      tiles.push({ level, index, width: part.length, bytes })
    }
  }
  return tiles
}
