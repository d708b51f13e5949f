// A version asked for in a language, or for an entry, it does not have: 404, saying which version first has it.
import { beforeAll, describe, expect, it } from 'vitest'
import { fetchWorker, fixtureData, publish } from './helpers'
import { ACME, announcing, at, withLanguage } from './support/history'

const V1 = at('2026-11-20T10:00:00Z')
const V3 = at('2026-11-22T10:00:00Z')

describe('a version older than a language or an entry', () => {
  const French = at('2026-11-21T10:00:00Z')
  beforeAll(async () => {
    await publish(fixtureData(), V1)
    const french = withLanguage(fixtureData(), 'fr', 'en', 'Français')
    await publish(french, French)
    await publish(
      announcing(french, {
        add: ACME,
        shortNotice: { kind: 'urgent', reason: { lv: 'Steidzami', en: 'Urgent', de: 'Dringend', fr: 'Urgent' } },
      }),
      V3,
    )
  })

  const notInVersion = async (path: string) => {
    const res = await fetchWorker(path)
    return { status: res.status, body: await res.json() }
  }

  it.each([
    '/subprocessors.json?region=eu&lang=fr&version=1',
    '/subprocessors.csv?region=all&lang=fr&version=1',
    '/subprocessors.html?region=uk&lang=fr&version=1',
    '/subprocessors/twilio.json?lang=fr&version=1',
    '/subprocessors.json?region=eu&lang=fr&at=2026-11-20T12:00:00Z',
  ])('answers %s with 404, naming the version that first has the language', async (path) => {
    expect(await notInVersion(path)).toEqual({
      status: 404,
      body: {
        error: {
          status: 404,
          code: 'not_in_version',
          message: 'Version 1 has no "fr": the registry has it from version 2. Version 1 comes in lv, en, de.',
          parameter: 'lang',
          allowed: ['lv', 'en', 'de'],
        },
      },
    })
  })

  it('answers an entry that a later version lists with 404, naming that version; one never listed is unknown', async () => {
    expect(await notInVersion('/subprocessors/acme-analytics.json?lang=en&version=1')).toEqual({
      status: 404,
      body: {
        error: {
          status: 404,
          code: 'not_in_version',
          message: 'Version 1 does not list "acme-analytics": the registry lists it from version 3.',
        },
      },
    })
    expect(await notInVersion('/subprocessors/no-such-entry.json?lang=en&version=1')).toMatchObject({
      status: 404,
      body: {
        error: { code: 'unknown_subprocessor', message: 'No sub-processor has the id "no-such-entry" in version 1.' },
      },
    })
    // The version index says which languages each version has: French from version 2.
    const index = await fetchWorker('/versions.json?lang=en').then((res) =>
      res.json<{ versions: { version: number; languages: string[] }[] }>(),
    )
    expect(index.versions.map((v) => [v.version, v.languages.join()])).toEqual([
      [3, 'lv,en,de,fr'],
      [2, 'lv,en,de,fr'],
      [1, 'lv,en,de'],
    ])
    // And the versions that have them answer.
    expect((await fetchWorker('/subprocessors/acme-analytics.json?lang=fr&version=3')).status).toBe(200)
    expect((await fetchWorker('/subprocessors.json?region=eu&lang=fr&version=2')).status).toBe(200)
  })
})
