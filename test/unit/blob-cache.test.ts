import { describe, expect, test } from 'vitest'
import { BlobCache, type CachedBlob } from '../../src/storage/blob-cache'

const blob = (bytes: number): CachedBlob => ({ bytes, lastServed: 0, parts: new Map() })

describe('BlobCache', () => {
  test('tells a holder of a blob when it has been evicted, least recently served first', () => {
    const cache = new BlobCache(100)
    const [a, b, c] = [blob(40), blob(40), blob(40)]
    cache.remember('a', a)
    cache.remember('b', b)
    expect(cache.markServedIfHeld(a)).toBe(true)
    cache.remember('c', c)
    expect(cache.markServedIfHeld(b)).toBe(false)
    expect(cache.get('b')).toBeUndefined()
    expect(cache.markServedIfHeld(a)).toBe(true)
    expect(cache.markServedIfHeld(c)).toBe(true)
    expect(cache.bytes).toBe(80)
  })

  test('a blob replaced under its key, or cleared, is no longer held', () => {
    const cache = new BlobCache(100)
    const [first, second] = [blob(10), blob(10)]
    cache.remember('k', first)
    cache.remember('k', second)
    expect(cache.markServedIfHeld(first)).toBe(false)
    expect(cache.markServedIfHeld(second)).toBe(true)
    cache.clear()
    expect(cache.markServedIfHeld(second)).toBe(false)
  })

  test('marking a held blob served keeps it from the next eviction', () => {
    const cache = new BlobCache(100)
    const [a, b, c] = [blob(50), blob(50), blob(50)]
    cache.remember('a', a)
    cache.remember('b', b)
    cache.markServedIfHeld(a)
    cache.remember('c', c)
    expect(cache.get('a')).toBe(a)
    expect(cache.get('b')).toBeUndefined()
  })
})
