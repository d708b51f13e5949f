/**
 * Where the tree's hashes are served (C2SP tlog-tiles): tiles of 2^8 hashes per level of 8, at
 * paths of their own. Apart from hashing, as transparency-dev/tessera keeps `api/layout`.
 */
import type { MerkleTree } from './merkle.js'

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
