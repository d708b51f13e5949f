import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import announcements from './fixtures/data/announcements.json'
import regions from './fixtures/data/regions.json'
import registry from './fixtures/data/registry.json'
import subprocessors from './fixtures/data/subprocessors.json'
import { type PublishTarget, publishTo } from '../src/publish/publish'
import { validateRegistry } from '../src/publish/input/validate'
import { forgetCachedReleases } from '../src/storage/reader'
import { readCurrentRelease, writeValues } from '../src/storage/writer'
import { VersionTaken } from '../src/storage/arbiter'
import type { SubprocessorListDocument } from '../src/publish/contract/schema'
import { ACME, announcing, at } from './support/history'
import { getStored, storedKeys } from './support/stored'
import { fetchWorker, LOCALES, publish, fixtureData, TARGET, useFreshStorage } from './helpers'

useFreshStorage()

async function keys() {
  return (await env.REGISTRY.list()).keys.map((key) => key.name).sort()
}

describe('publishing', () => {
  it('writes every representation under a new version and moves the pointer', async () => {
    const outcome = await publish()
    expect(outcome.changed).toBe(true)
    // Per state: 5 regions × 3 languages × (3 list formats, 2 scheduled, 5 change-log formats and the whole JSON log),
    // 14 entries × 3 × 3; per version: the schema, OpenAPI and discovery documents, and the version index in 3 languages × 2 formats.
    expect(outcome.release).toMatchObject({
      version: 1,
      parent: null,
      publishedAt: '2026-11-20T10:00:00.000Z',
      representationCount: 15 * (3 + 2 + 6) + 126 + 3 + 6,
      entryPackSizes: [[14]],
    })
    expect(outcome.release.prefix).toBe(`v1.${outcome.release.digest.slice(0, 8)}`)
    const { prefix } = outcome.release
    // The values of each language and format in one bundle, and the documents and the entry pack in one each:
    // 3 languages × (json, html, csv, atom, jsonfeed) + 2.
    const groups = ['lv', 'en', 'de'].flatMap((lang) =>
      ['json', 'html', 'csv', 'atom', 'jsonfeed'].map((format) => [`${lang}.${format}`, 1]),
    )
    expect(outcome.release.bundles).toEqual(Object.fromEntries([...groups, ['doc', 1], ['entries', 1]]))
    const written = await keys()
    // 17 bundles; data, changes, history, the log chunk list and the manifest; the release twice; the log's one
    // tile; the one block of publish times (no change records yet).
    expect(written).toHaveLength(17 + 5 + 2 + 1 + 1)
    expect(written).toEqual(
      expect.arrayContaining([
        'release/current',
        'release/v1',
        `${prefix}/bundle/lv.csv/0`,
        `${prefix}/bundle/doc/0`,
        `${prefix}/bundle/entries/0`,
        `${prefix}/data.json`,
        `${prefix}/changes.json`,
        `${prefix}/history.json`,
        `${prefix}/log-chunks.json`,
        `${prefix}/manifest.json`,
        'log/tile/0/000.p/1',
      ]),
    )
    // Inside them, one value per representation but the 126 entries in one pack.
    const stored = await storedKeys(env.REGISTRY, outcome.release)
    expect(stored).toHaveLength(15 * 11 + 1 + 3 + 6 + 5)
    expect(stored).toEqual(
      expect.arrayContaining([
        `${prefix}/s0/list/eu/lv.csv`,
        `${prefix}/doc/openapi.json`,
        `${prefix}/s0/entries/0`,
        `${prefix}/versions/de.html`,
        `${prefix}/s0/changelog/all/en.json`,
      ]),
    )
    expect(
      written.filter(
        (key) =>
          !key.startsWith('release/') &&
          !key.startsWith(`${prefix}/`) &&
          !key.startsWith('log/tile/') &&
          !key.startsWith('history/'),
      ),
    ).toEqual([])
  })

  it('writes nothing when the data has not changed', async () => {
    await publish()
    const before = await keys()
    const again = await publish(fixtureData(), new Date('2027-01-01T00:00:00Z'))
    expect(again.changed).toBe(false)
    expect(again.release.version).toBe(1)
    expect(await keys()).toEqual(before)
  })

  it('keeps earlier versions intact when publishing a new one', async () => {
    const first = await publish()
    const list = `${first.release.prefix}/s0/list/all/en.json`
    const v1 = await getStored(env.REGISTRY, first.release, list)
    expect(v1).not.toBeNull()
    const data = fixtureData()
    data.registry.lastUpdated = '2024-01-15'
    const outcome = await publish(data, new Date('2026-12-01T00:00:00Z'))
    expect(outcome.release).toMatchObject({ version: 2, parent: 1 })
    expect(await getStored(env.REGISTRY, first.release, list)).toEqual(v1)
    expect(await storedKeys(env.REGISTRY, outcome.release)).toHaveLength(15 * 11 + 1 + 3 + 6 + 5)
  })

  it('publishes a change to the region mapping alone as a new version', async () => {
    await publish()
    const data = fixtureData()
    data.regions.countryOverrides.IE = 'uk'
    const outcome = await publish(data, new Date('2026-12-01T00:00:00Z'))
    expect(outcome.changed).toBe(true)
    const res = await fetchWorker('/subprocessors.json?lang=en', {
      cf: { country: 'IE' } as IncomingRequestCfProperties,
    })
    expect(res.headers.get('Content-Location')).toBe('/subprocessors.json?region=uk&lang=en')
  })

  it('never shows half a publish: a write that fails midway leaves the previous version current, and a re-run completes', async () => {
    await publish()
    const before = await fetchWorker('/subprocessors.json?region=eu&lang=en').then((res) => res.text())
    const data = fixtureData()
    data.subprocessors.subprocessors[0]!.purpose.en = 'Changed'
    let puts = 0
    const failing: PublishTarget = {
      ...TARGET,
      write: (records, onProgress) =>
        writeValues(
          {
            put: async (...args: Parameters<KVNamespace['put']>) =>
              ++puts > 10 ? Promise.reject(new Error('storage went away')) : env.REGISTRY.put(...args),
          },
          records,
          onProgress,
        ),
    }
    await expect(publishTo(failing, data, new Date('2026-12-01T00:00:00Z'))).rejects.toThrow('storage went away')
    forgetCachedReleases()
    expect((await readCurrentRelease(TARGET.read))?.version).toBe(1)
    expect(await fetchWorker('/subprocessors.json?region=eu&lang=en').then((res) => res.text())).toBe(before)

    const rerun = await publish(data, new Date('2026-12-01T00:05:00Z'))
    expect(rerun.release.version).toBe(2)
    expect(
      (
        await fetchWorker('/subprocessors.json?region=eu&lang=en').then((res) =>
          res.json<{ subprocessors: { purpose: string }[] }>(),
        )
      ).subprocessors[0]!.purpose,
    ).toBe('Changed')
  })

  it('completes a publish stopped after it took its version number: the next run moves the pointer', async () => {
    await publish()
    const data = fixtureData()
    data.subprocessors.subprocessors[0]!.purpose.en = 'Changed'
    const stopped: PublishTarget = {
      ...TARGET,
      write: async (records, onProgress) =>
        records.some(({ key }) => key === 'release/current')
          ? Promise.reject(new Error('killed'))
          : TARGET.write(records, onProgress),
    }
    await expect(publishTo(stopped, data, new Date('2026-12-01T00:00:00Z'))).rejects.toThrow('killed')
    forgetCachedReleases()
    expect((await readCurrentRelease(TARGET.read))?.version).toBe(1)
    expect((await TARGET.versions.latest())?.version).toBe(2)

    const rerun = await publish(data, new Date('2026-12-01T00:05:00Z'))
    expect(rerun).toMatchObject({ changed: false, release: { version: 2, publishedAt: '2026-12-01T00:00:00.000Z' } })
    expect((await readCurrentRelease(TARGET.read))?.version).toBe(2)
  })
})

const V1 = at('2026-11-20T10:00:00Z')
const V2 = at('2026-11-21T10:00:00Z')

describe('racing publishers', () => {
  it('gives each version number to exactly one publish; the other makes nothing visible', async () => {
    await publish(fixtureData(), V1)
    const a = announcing(fixtureData(), { add: ACME, effective: '2027-01-15' })
    const b = fixtureData()
    b.subprocessors.subprocessors.find((entry) => entry.id === 'twilio')!.name = 'Twilio Inc.'
    const outcomes = await Promise.allSettled([publish(a, V2), publish(b, V2)])
    const won = outcomes.filter((outcome) => outcome.status === 'fulfilled')
    const lost = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected')
    expect([won.length, lost.length]).toEqual([1, 1])
    expect(lost[0]!.reason).toBeInstanceOf(VersionTaken)
    expect((lost[0]!.reason as Error).message).toMatch(
      /^Version 2 was taken by another publish .*Nothing of this publish is visible\. Run it again to publish on top of version 2\.$/,
    )

    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof publish>>>).value.release
    expect((await TARGET.versions.latest())?.prefix).toBe(winner.prefix)
    const keys = (await env.REGISTRY.list()).keys.map((key) => key.name)
    // Only version 1's and the winner's values remain, the log's tiles at sizes 1 and 2, and blocks
    // of the growing lists, which are named by their bytes and may be shared, so never deleted.
    const others = keys.filter(
      (key) => !key.startsWith('release/') && !key.startsWith('v1.') && !key.startsWith(`${winner.prefix}/`),
    )
    expect(others.filter((key) => !/^(records|history)\//.test(key))).toEqual([
      'log/tile/0/000.p/1',
      'log/tile/0/000.p/2',
    ])
    const served = await fetchWorker('/subprocessors.json?region=all&lang=en').then((res) =>
      res.json<SubprocessorListDocument>(),
    )
    const twilio = served.subprocessors.find((entry) => entry.id === 'twilio')!.name
    expect(served.upcoming.length === 1 ? twilio === 'Twilio, Inc.' : twilio === 'Twilio Inc.').toBe(true)
    const versions = await fetchWorker('/versions.json').then((res) =>
      res.json<{ versions: { version: number; parent: number | null }[] }>(),
    )
    expect(versions.versions.map(({ version, parent }) => [version, parent])).toEqual([
      [2, 1],
      [1, null],
    ])
  }, 30_000)
})

describe('ETags across publishes', () => {
  const EXPLICIT = '/subprocessors.json?region=eu&lang=en'

  it('keeps every ETag when the same data is published again', async () => {
    await publish()
    const before = await fetchWorker(EXPLICIT)
    const again = await publish(fixtureData(), new Date('2026-12-01T00:00:00Z'))
    expect(again.changed).toBe(false)
    const after = await fetchWorker(EXPLICIT)
    expect(after.headers.get('ETag')).toBe(before.headers.get('ETag'))
    expect(after.headers.get('Last-Modified')).toBe('Fri, 20 Nov 2026 10:00:00 GMT')
  })

  it('changes the ETag when the data changes', async () => {
    await publish()
    const before = await fetchWorker(EXPLICIT)
    const data = fixtureData()
    data.subprocessors.subprocessors[0]!.purpose.en = 'Hosting'
    expect((await publish(data, new Date('2026-12-01T00:00:00Z'))).changed).toBe(true)
    const after = await fetchWorker(EXPLICIT)
    expect(after.headers.get('ETag')).not.toBe(before.headers.get('ETag'))
    expect(after.headers.get('Last-Modified')).toBe('Tue, 01 Dec 2026 00:00:00 GMT')
    expect((await after.json<{ version: number }>()).version).toBe(2)
  })
})

describe('validation', () => {
  const files = () =>
    structuredClone({ registry, subprocessors, regions, announcements, locales: LOCALES }) as Record<string, any>

  it('accepts the fixture dataset, data/ as it stood', () => {
    expect(validateRegistry(files() as never).ok).toBe(true)
  })

  it('reports every problem with its file, entry and field', () => {
    const broken = files()
    broken.subprocessors.subprocessors[1].location.countries = ['XX']
    broken.subprocessors.subprocessors[2].assurances = ['no-such-assurance']
    broken.subprocessors.subprocessors[3].id = 'linode-eu'
    broken.subprocessors.subprocessors[5].location.subdivisions = ['SG-01']
    broken.subprocessors.subprocessors[6].notes = [{ field: 'colour', note: { lv: 'x', en: 'x', de: 'x' } }]
    broken.regions.countryOverrides.ZZ = 'uk'
    const result = validateRegistry(broken as never)
    expect(result.ok).toBe(false)
    expect(!result.ok && result.problems).toEqual([
      {
        file: 'subprocessors.json',
        entry: 'linode-uk',
        field: 'location.countries[0]',
        message: '"XX" is not an ISO 3166-1 alpha-2 country code',
      },
      {
        file: 'regions.json',
        entry: 'ZZ',
        field: 'countryOverrides',
        message: '"ZZ" is not an ISO 3166-1 alpha-2 country code',
      },
      {
        file: 'subprocessors.json',
        entry: 'linode-us',
        field: 'assurances[0]',
        message: '"no-such-assurance" is not defined under "assurances" in registry.json',
      },
      {
        file: 'subprocessors.json',
        entry: 'linode-eu',
        field: 'id',
        message: 'id "linode-eu" is used by more than one entry',
      },
      {
        file: 'subprocessors.json',
        entry: 'aws-us-california',
        field: 'location.subdivisions[0]',
        message: '"SG-01" lies in a country that location.countries does not list',
      },
      {
        file: 'subprocessors.json',
        entry: 'aws-apac-singapore',
        field: 'notes[0].field',
        message: '"colour" is not a field of an entry',
      },
    ])
  })

  it('reports schema problems in every file at once', () => {
    const broken = files()
    broken.subprocessors.subprocessors[0].regions = ['mars']
    broken.subprocessors.subprocessors[4].purpose = { lv: 'Tikai latviski' }
    broken.registry.lastUpdated = '2 October 2023'
    broken.regions.regions[0].name.en = '   '
    const result = validateRegistry(broken as never)
    expect(!result.ok && result.problems.map(({ file, entry, field }) => `${file} ${entry} ${field}`)).toEqual([
      'registry.json null lastUpdated',
      'subprocessors.json linode-eu regions[0]',
      'subprocessors.json aws purpose.en',
      'subprocessors.json aws purpose.de',
      'regions.json eu name.en',
    ])
  })

  it('names the file, the announced entry and the field of every problem in announcements.json', () => {
    const broken = files()
    const reason = { kind: 'urgent', reason: { lv: 'x', en: 'x', de: 'x' } }
    broken.announcements.announcements = [
      { add: { ...ACME, regions: ['mars'] }, effective: '2027-01-15' },
      { remove: 'no-such-entry', effective: '2027-01-15' },
      { change: 'twilio', set: { regions: ['us'] }, effective: '15 January 2027' },
      { add: ACME, remove: 'openai' },
      { change: 'twilio' },
      { remove: 'openai', shortNotice: reason },
      { add: { ...ACME, id: 'twilio' } },
      { change: 'aws', set: { assurances: ['no-such-assurance'] }, effective: '2027-01-15' },
    ]
    const result = validateRegistry(broken as never)
    expect(!result.ok && result.problems).toEqual([
      {
        file: 'announcements.json',
        entry: 'acme-analytics',
        field: 'announcements[0].add.regions[0]',
        message: 'Invalid option: expected one of "eu"|"uk"|"us"|"apac"',
      },
      {
        file: 'announcements.json',
        entry: 'no-such-entry',
        field: 'announcements[1].remove',
        message: '"no-such-entry" is not an entry in subprocessors.json or added above',
      },
      {
        file: 'announcements.json',
        entry: 'twilio',
        field: 'announcements[2].effective',
        message: 'must be a date (2027-01-15) or an RFC 3339 instant (2027-01-15T09:00:00Z)',
      },
      {
        file: 'announcements.json',
        entry: 'acme-analytics',
        field: 'announcements[3]',
        message: 'must have exactly one of "add", "remove" or "change", found "add" and "remove"',
      },
      {
        file: 'announcements.json',
        entry: 'twilio',
        field: 'announcements[4].set',
        message: '"change" needs "set" with at least one field',
      },
      {
        file: 'announcements.json',
        entry: 'openai',
        field: 'announcements[5].shortNotice',
        message: 'a removal needs no notice, so it takes no shortNotice',
      },
      {
        file: 'announcements.json',
        entry: 'twilio',
        field: 'announcements[6].add.id',
        message: '"twilio" is already an entry',
      },
      {
        file: 'announcements.json',
        entry: 'aws',
        field: 'announcements[7].set.assurances[0]',
        message: '"no-such-assurance" is not defined under "assurances" in registry.json',
      },
    ])
  })

  it('names a rule an announcement breaks even when its text is incomplete too', () => {
    const broken = files()
    broken.announcements.announcements = [
      { remove: 'openai', shortNotice: { kind: 'urgent', reason: { lv: 'x', en: 'x' } } },
      { add: { ...ACME, id: 'twilio', purpose: { lv: 'x', en: 'x' } } },
    ]
    const result = validateRegistry(broken as never)
    expect(!result.ok && result.problems.map(({ entry, field, message }) => `${entry} ${field}: ${message}`)).toEqual([
      'openai announcements[0].shortNotice.reason.de: the de text is missing',
      'openai announcements[0].shortNotice: a removal needs no notice, so it takes no shortNotice',
      'twilio announcements[1].add.purpose.de: the de text is missing',
      'twilio announcements[1].add.id: "twilio" is already an entry',
    ])
  })

  it('accepts text that is dangerous in HTML or CSV; the renderers make it safe', () => {
    const risky = files()
    risky.subprocessors.subprocessors[0].name = '=Acme'
    risky.subprocessors.subprocessors[1].name = 'A&B <Group>'
    expect(validateRegistry(risky as never).ok).toBe(true)
  })
})
