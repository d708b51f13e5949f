/**
 * A tree's right edge (a "compact range" in transparency-dev's terms): the roots of the perfect
 * subtrees that make up the first `size` leaves, largest first, one per set bit of `size`. It is
 * all a witness keeps to extend a tree it has checked: the new root follows from it and the new
 * leaves alone, so a check reads and holds only what was added since the last one.
 */
import { sha256 } from '../bytes.js'
import { type Hash, nodeHash } from './merkle.js'

export interface CompactRange {
  size: number
  /** The subtree roots, leftmost (largest) first. */
  hashes: Hash[]
}

export const EMPTY_RANGE: CompactRange = { size: 0, hashes: [] }

/** How many subtrees a range of `size` leaves has: one per set bit. */
export const subtreeCount = (size: number): number => [...size.toString(2)].filter((bit) => bit === '1').length

/** The range with `leaves` appended. */
export async function extend(range: CompactRange, leaves: Hash[]): Promise<CompactRange> {
  const hashes = [...range.hashes]
  let size = range.size
  for (const leaf of leaves) {
    hashes.push(leaf)
    // Each trailing one-bit of the old size is a subtree the new leaf completes.
    for (let carry = size; carry % 2 === 1; carry = Math.floor(carry / 2)) {
      const right = hashes.pop()!
      const left = hashes.pop()!
      hashes.push(await nodeHash(left, right))
    }
    size++
  }
  return { size, hashes }
}

/** MTH of RFC 6962 for the range's leaves: the subtrees folded from the right. */
export async function rootOf(range: CompactRange): Promise<Hash> {
  if (range.size === 0) return sha256(new Uint8Array(0))
  let root = range.hashes.at(-1)!
  for (let i = range.hashes.length - 2; i >= 0; i--) root = await nodeHash(range.hashes[i]!, root)
  return root
}
