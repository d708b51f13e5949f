import { describe, expect, test } from 'vitest'
import { cachingHeaders, UNNEGOTIATED_CACHING } from '../../src/domain/caching'

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
