import { describe, expect, test } from 'vitest'
import { cachingHeaders, cachingHoldsUntil, cachingUntil, UNNEGOTIATED_CACHING } from '../../src/domain/caching'

const SHARED = 'public, max-age=300, stale-while-revalidate=60'
const PRIVATE = 'private, max-age=300'

describe('cachingHeaders', () => {
  test.each([
    // [what the URL fixes, shared?, Cache-Control, Vary]
    [{}, false, PRIVATE, 'Accept, Accept-Language'],
    [{}, true, SHARED, 'Accept, Accept-Language'],
    [{ format: 'json' }, true, SHARED, 'Accept-Language'],
    [{ lang: 'lv' }, true, SHARED, 'Accept'],
    [{ format: 'csv', lang: 'lv' }, true, SHARED, undefined],
    [{ format: 'csv', lang: 'lv' }, false, PRIVATE, undefined],
  ])('fixed %o, shared %s → %s, Vary %s', (fixed, shared, cacheControl, vary) => {
    expect(cachingHeaders(fixed, shared)).toEqual(
      vary ? { 'Cache-Control': cacheControl, Vary: vary } : { 'Cache-Control': cacheControl },
    )
  })

  test('hands out one frozen object per combination, so callers can key caches on it', () => {
    expect(cachingHeaders({ format: 'json' }, true)).toBe(cachingHeaders({ format: 'csv' }, true))
    expect(Object.isFrozen(cachingHeaders({}, false))).toBe(true)
    expect(UNNEGOTIATED_CACHING).toEqual({ 'Cache-Control': SHARED })
  })
})

describe('cachingHoldsUntil', () => {
  const END = Date.parse('2027-01-15T00:00:00Z')
  const caching = cachingHeaders({ format: 'json' }, true)
  test.each([
    // [milliseconds before the end, the caching itself?, Cache-Control]
    [301_000, true, SHARED],
    [300_000, true, SHARED],
    [299_999, false, 'public, max-age=299'],
    [120_000, false, 'public, max-age=120'],
    [0, false, 'public, max-age=0'],
  ])('%i ms before the end: the caching itself %s (%s)', (before, itself, cacheControl) => {
    const now = END - before
    expect(now <= cachingHoldsUntil(END)).toBe(itself)
    expect(cachingUntil(caching, END, now) === caching).toBe(itself)
    expect(cachingUntil(caching, END, now)['Cache-Control']).toBe(cacheControl)
  })

  test('a state without an end holds its caching for good', () => {
    expect(cachingHoldsUntil(null)).toBe(Number.POSITIVE_INFINITY)
  })
})
