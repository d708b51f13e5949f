import { describe, expect, test } from 'vitest'
import { isNotModified } from '../../src/domain/conditional'

const ETAG = '"LMs2YkfRWC3cTW-l7WMSi6WU"'
const PUBLISHED = Date.parse('Fri, 20 Nov 2026 10:00:00 GMT')

describe('isNotModified', () => {
  test.each([
    // [If-None-Match, If-Modified-Since, not modified?]
    [ETAG, undefined, true],
    [`W/${ETAG}`, undefined, true],
    [`"other", ${ETAG}`, undefined, true],
    ['*', undefined, true],
    [' * ', undefined, true],
    ['"other"', undefined, false],
    ['"LMs2YkfRWC3cTW-l7WMSi6W"', undefined, false],
    ['', undefined, false],
    ['"', undefined, false],
    ['W/', undefined, false],
    // If-None-Match decides when present, whatever If-Modified-Since says.
    ['"other"', 'Sat, 21 Nov 2026 10:00:00 GMT', false],
    [ETAG, 'Thu, 01 Jan 1970 00:00:00 GMT', true],
    [undefined, 'Fri, 20 Nov 2026 10:00:00 GMT', true],
    [undefined, 'Sat, 21 Nov 2026 10:00:00 GMT', true],
    [undefined, 'Fri, 20 Nov 2026 09:59:59 GMT', false],
    [undefined, 'Thu, 99 Foo 99999 99:99:99 GMT', false],
    [undefined, undefined, false],
  ])('If-None-Match %s, If-Modified-Since %s → %s', (ifNoneMatch, ifModifiedSince, expected) => {
    expect(isNotModified(ifNoneMatch, ifModifiedSince, ETAG, PUBLISHED)).toBe(expected)
  })
})
