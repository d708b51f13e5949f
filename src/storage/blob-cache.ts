import type { DecodedChunk, DecodedLog } from './log'

/** A representation ready to serve. */
export interface StoredRepresentation {
  body: Uint8Array
  etag: string
  lastModified: number
  headers: Record<string, string>
}

/** One KV value as an isolate keeps it: its size, and the representations found in it. */
export interface CachedBlob {
  bytes: number
  /** When it was last served, on the cache's own clock; eviction drops the least recent. */
  lastServed: number
  /** Set once the cache lets it go, so that a holder of the blob knows without its key. */
  evicted?: true
  parts: Map<string, CachedPart>
  /** For a sliceable log: its parts, and the slices served so far (a few per log; their bytes are a subset of its own). */
  log?: { decoded: DecodedLog; slices: Map<number, StoredRepresentation> }
  /** For a chunk of older log items. */
  chunk?: DecodedChunk
}

export interface CachedPart {
  body: Uint8Array
  etag: string
  /** Built on first use: the bytes with their headers, ready to serve. */
  servable?: StoredRepresentation
}

/**
 * The bytes an isolate keeps, within a byte budget, least recently served evicted first. Keys
 * name immutable versions, so a cached blob is never stale, only evicted.
 */
export class BlobCache {
  private readonly blobs = new Map<string, CachedBlob>()
  private clock = 0
  private total = 0

  constructor(readonly budgetBytes: number) {}

  get(key: string): CachedBlob | undefined {
    return this.blobs.get(key)
  }

  /** Moves a blob to the front of the eviction order. */
  markServed(blob: CachedBlob): void {
    blob.lastServed = ++this.clock
  }

  /** Keeps a blob, evicting the least recently served until it fits (a scan, but only on a miss). */
  remember(key: string, blob: CachedBlob): void {
    if (blob.bytes > this.budgetBytes) return
    const previous = this.blobs.get(key)
    if (previous) {
      this.total -= previous.bytes
      previous.evicted = true
    }
    this.blobs.delete(key)
    while (this.blobs.size > 0 && this.total + blob.bytes > this.budgetBytes) {
      let oldest: string | undefined
      let oldestUse = Infinity
      for (const [candidate, entry] of this.blobs) {
        if (entry.lastServed < oldestUse) {
          oldest = candidate
          oldestUse = entry.lastServed
        }
      }
      const evicted = this.blobs.get(oldest!)!
      evicted.evicted = true
      this.total -= evicted.bytes
      this.blobs.delete(oldest!)
    }
    this.blobs.set(key, blob)
    this.total += blob.bytes
  }

  /** Keeps the blob in the eviction order if it is still held; false once it has been evicted. */
  markServedIfHeld(blob: CachedBlob): boolean {
    if (blob.evicted) return false
    this.markServed(blob)
    return true
  }

  clear(): void {
    for (const blob of this.blobs.values()) blob.evicted = true
    this.blobs.clear()
    this.total = 0
  }

  get bytes(): number {
    return this.total
  }
}
