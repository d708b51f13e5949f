/**
 * Lists that grow with every version (every change record; every version's publish time), stored
 * so that history grows linearly: in blocks of LIST_BLOCK_VERSIONS versions, each block a value
 * named by the digest of its bytes, which every later version whose block is the same bytes
 * shares. A version stores only an index: `{"chunks": ["records/…", …]}`, oldest block first.
 */
import { strongEtag } from '../domain/etag'
import { listChunkKey, type ListKind } from './keys'

export const LIST_BLOCK_VERSIONS = 64

export interface ChunkedList {
  /** The chunk keys, in the list's order. */
  chunks: string[]
}

/**
 * Splits a list into runs of items from one block of versions, in order: a list that only grows at
 * its end rewrites only its last block; an item changed later (a withdrawal) rewrites its block.
 */
export async function chunkList<T>(
  kind: ListKind,
  items: T[],
  versionOf: (item: T) => number,
): Promise<{ index: ChunkedList; chunks: { key: string; value: Uint8Array }[] }> {
  const runs: T[][] = []
  let block = -1
  for (const item of items) {
    const itemBlock = Math.floor((versionOf(item) - 1) / LIST_BLOCK_VERSIONS)
    if (itemBlock !== block || runs.length === 0) runs.push([])
    block = itemBlock
    runs.at(-1)!.push(item)
  }
  const chunks = await Promise.all(
    runs.map(async (run) => {
      const value = new TextEncoder().encode(JSON.stringify(run))
      return { key: listChunkKey(kind, await strongEtag(value)), value }
    }),
  )
  return { index: { chunks: chunks.map(({ key }) => key) }, chunks }
}

/** Reads a chunked list back, checking each chunk against the digest its key names. */
export async function readChunkedList<T>(
  index: unknown,
  read: (key: string) => Promise<Uint8Array | null>,
): Promise<T[]> {
  const keys = (index as Partial<ChunkedList> | null)?.chunks
  if (!Array.isArray(keys)) throw new Error('not a chunked list')
  const parts = await Promise.all(
    keys.map(async (key: string) => {
      const bytes = await read(key)
      if (!bytes) throw new Error(`the chunk ${key} is missing`)
      if (listChunkKey(key.slice(0, key.indexOf('/')) as ListKind, await strongEtag(bytes)) !== key)
        throw new Error(`the chunk ${key} does not match its name`)
      return JSON.parse(new TextDecoder().decode(bytes)) as T[]
    }),
  )
  return parts.flat()
}
