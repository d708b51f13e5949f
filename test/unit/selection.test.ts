import { describe, expect, test } from 'vitest'
import { RegistryError } from '../../src/domain/errors'
import type { Release } from '../../src/domain/representation'
import {
  parseInstant,
  readEntryRequest,
  readListSelection,
  readMoment,
  resolveRegion,
} from '../../src/domain/selection'

const RELEASE = {
  regions: ['eu', 'uk', 'us', 'apac'],
  languages: ['lv', 'en'],
  countryRegions: { LV: 'eu', GB: 'uk', US: 'us' },
} as unknown as Release

function errorOf(read: () => unknown) {
  try {
    read()
  } catch (error) {
    if (error instanceof RegistryError)
      return { status: error.status, code: error.code, message: error.message, ...error.details }
    throw error
  }
  throw new Error('no error')
}

describe('readListSelection', () => {
  test.each([
    // [query, path suffix, selection]
    [{}, undefined, {}],
    [{ region: ['eu'] }, undefined, { region: 'eu' }],
    [{ region: ['APAC'], lang: ['LV'], format: ['Csv'] }, undefined, { region: 'apac', lang: 'lv', format: 'csv' }],
    [{ region: ['all'] }, undefined, { region: 'all' }],
    [{}, 'csv', { format: 'csv' }],
    [{ format: ['csv'] }, 'CSV', { format: 'csv' }],
    [{ unknown: ['1', '2'], 'region[]': ['eu'] }, undefined, {}],
    // A regional variant of a language served is that language, as Accept-Language: en-GB is.
    [{ lang: ['en-GB'] }, undefined, { lang: 'en' }],
    [{ lang: ['lv-LV'] }, undefined, { lang: 'lv' }],
  ])('query %o, suffix %s → %o', (query, suffix, selection) => {
    expect(readListSelection(query, suffix, RELEASE)).toEqual({
      region: undefined,
      lang: undefined,
      format: undefined,
      ...selection,
    })
  })

  test.each([
    [
      { region: ['mars'] },
      undefined,
      {
        status: 400,
        code: 'unknown_region',
        message: 'Unknown region "mars".',
        parameter: 'region',
        allowed: ['all', 'eu', 'uk', 'us', 'apac'],
      },
    ],
    [
      { lang: ['de'] },
      undefined,
      {
        status: 400,
        code: 'unknown_language',
        message: 'Unknown lang "de".',
        parameter: 'lang',
        allowed: ['lv', 'en'],
      },
    ],
    [
      { format: ['xml'] },
      undefined,
      {
        status: 400,
        code: 'unknown_format',
        message: 'Unknown format "xml".',
        parameter: 'format',
        allowed: ['json', 'html', 'csv'],
      },
    ],
    [
      {},
      'xml',
      {
        status: 400,
        code: 'unknown_format',
        message: 'Unknown format "xml".',
        parameter: 'format',
        allowed: ['json', 'html', 'csv'],
      },
    ],
    [
      { lang: ['lv', 'en'] },
      undefined,
      {
        status: 400,
        code: 'repeated_parameter',
        message: '"lang" may be given once.',
        parameter: 'lang',
        allowed: ['lv', 'en'],
      },
    ],
    [
      { format: ['json'] },
      'csv',
      {
        status: 400,
        code: 'conflicting_format',
        message: 'The path asks for csv but ?format= asks for json.',
        parameter: 'format',
        allowed: ['csv'],
      },
    ],
    [
      { region: ['x'.repeat(60)] },
      undefined,
      {
        status: 400,
        code: 'unknown_region',
        message: `Unknown region "${'x'.repeat(40)}…".`,
        parameter: 'region',
        allowed: ['all', 'eu', 'uk', 'us', 'apac'],
      },
    ],
  ])('query %o, suffix %s → %o', (query, suffix, error) => {
    expect(errorOf(() => readListSelection(query, suffix, RELEASE))).toEqual(error)
  })
})

describe('readEntryRequest', () => {
  test.each([
    [{}, 'twilio', { id: 'twilio', lang: undefined, format: undefined }],
    [{ lang: ['lv'] }, 'Twilio.CSV', { id: 'twilio', lang: 'lv', format: 'csv' }],
    [{ region: ['mars'], format: ['html'] }, 'aws', { id: 'aws', lang: undefined, format: 'html' }],
  ])('query %o, id %s → %o', (query, id, request) => {
    expect(readEntryRequest(query, id, RELEASE)).toEqual(request)
  })
})

describe('resolveRegion', () => {
  test.each([
    ['LV', 'eu'],
    ['GB', 'uk'],
    ['US', 'us'],
    ['AQ', 'all'],
    [undefined, 'all'],
    [42, 'all'],
    ['T1', 'all'],
  ])('country %s → %s', (country, region) => {
    expect(resolveRegion(country, RELEASE)).toBe(region)
  })
})

describe('readMoment', () => {
  test.each([
    // An unencoded "+" arrives as a space: before an offset it can only have been the "+".
    [{ at: ['2027-01-20T09:00:00 02:00'] }, { at: Date.parse('2027-01-20T07:00:00Z') }],
    [{ at: ['2027-01-20T09:00:00+02:00'] }, { at: Date.parse('2027-01-20T07:00:00Z') }],
    [{ at: ['2027-01-20T09:00:00-02:00'] }, { at: Date.parse('2027-01-20T11:00:00Z') }],
    // Version 0 is a number: the route answers 404 unknown_version for it, as for any version never published.
    [{ version: ['0'] }, { version: 0 }],
  ])('%o → %o', (query, moment) => expect(readMoment(query)).toEqual(moment))

  test.each(['2027-01-20 09:00:00', '2027-01-20T09:00:00 2:00', '2027-01-20T09:00:00'])('refuses at=%s', (at) =>
    expect(parseInstant(at)).toBeNull(),
  )
})
