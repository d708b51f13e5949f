import { parseAccept } from 'hono/utils/accept'
import { describe, expect, test } from 'vitest'
import { pickLanguage, pickMediaType } from '../../src/domain/negotiation'

const MEDIA = { supports: ['application/json', 'text/html', 'text/csv'], default: 'application/json' }
const LANGUAGE = { supports: ['lv', 'en'], default: 'en' }

describe('pickMediaType', () => {
  test.each([
    // [Accept, chosen; '' means nothing acceptable (406)]
    ['application/json', 'application/json'],
    ['text/csv', 'text/csv'],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'text/html'],
    ['*/*', 'application/json'],
    ['text/*', 'text/html'],
    ['text/*;q=0.5, text/csv', 'text/csv'],
    ['text/csv;q=0.4, text/html;q=0.6', 'text/html'],
    ['TEXT/CSV', 'text/csv'],
    ['text/html;q=0, */*', 'application/json'],
    ['text/*;q=0, text/csv', 'text/csv'],
    ['*/*;q=0', ''],
    ['image/png', ''],
    ['application/xml, image/*', ''],
    ['application/json;q=0', ''],
  ])('Accept: %s → %s', (header, chosen) => {
    expect(pickMediaType(parseAccept(header), MEDIA)).toBe(chosen)
  })

  test.each([
    ['text/html, ?/?; q=, "/"'],
    ['*/*;q="0.5"'],
    ['text/html;q=1e-9999'],
    ['text/html;q=2'],
    [',,,,;;;;q=;q=1;q=0.5'],
  ])('treats the malformed %s as absent and answers the default', (header) => {
    expect(pickMediaType(parseAccept(header), MEDIA)).toBe('application/json')
  })
})

describe('pickLanguage', () => {
  test.each([
    ['lv', 'lv'],
    ['en', 'en'],
    ['lv-LV', 'lv'],
    ['en-GB,en;q=0.9', 'en'],
    ['de, lv;q=0.5', 'lv'],
    ['lv;q=0.5, en;q=0.5', 'lv'],
    ['en;q=0.5, lv;q=0.5', 'en'],
    ['*', 'en'],
    ['*, lv;q=0.1', 'en'],
    ['lv;q=0, *', 'en'],
    ['de, fr', 'en'],
    ['LV', 'lv'],
  ])('Accept-Language: %s → %s', (header, chosen) => {
    expect(pickLanguage(parseAccept(header), LANGUAGE)).toBe(chosen)
  })

  test.each([['*;q=NaN'], [';;;'], [`lv-${'x'.repeat(20)}`], ['lv;q=abc']])(
    'treats the malformed %s as absent and answers the default',
    (header) => {
      expect(pickLanguage(parseAccept(header), LANGUAGE)).toBe('en')
    },
  )
})
