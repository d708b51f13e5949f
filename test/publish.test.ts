import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import regions from '../data/regions.json'
import registry from '../data/registry.json'
import subprocessors from '../data/subprocessors.json'
import { planRelease } from '../src/publish/publish'
import { validateRegistry } from '../src/publish/validate'
import { forgetCachedReleases, readCurrentRelease, writeRelease } from '../src/storage'
import { fetchWorker, LOCALES, publish, realData, useFreshStorage } from './helpers'

useFreshStorage()

async function keys() {
  return (await env.REGISTRY.list()).keys.map((key) => key.name).sort()
}

describe('publishing', () => {
  it('writes every representation under a new version and moves the pointer', async () => {
    const outcome = await publish()
    expect(outcome.changed).toBe(true)
    // 5 regions × 3 languages × 3 formats, 14 entries × 3 × 3, and the schema, OpenAPI and discovery documents.
    expect(outcome.release).toMatchObject({ version: 1, publishedAt: '2026-11-20T10:00:00.000Z', representationCount: 45 + 126 + 3, entryPacks: 1 })
    const written = await keys()
    // The lists and documents one key each, the 126 entry representations in one pack, and the release twice.
    expect(written).toHaveLength(45 + 3 + 1 + 2)
    expect(written).toContain('release/current')
    expect(written).toContain('release/v1')
    expect(written).toContain('v1/list/eu/lv.csv')
    expect(written).toContain('v1/doc/openapi.json')
    expect(written).toContain('v1/entries/0')
  })

  it('writes nothing when the data has not changed', async () => {
    await publish()
    const before = await keys()
    const again = await publish(realData(), new Date('2027-01-01T00:00:00Z'))
    expect(again.changed).toBe(false)
    expect(again.release.version).toBe(1)
    expect(await keys()).toEqual(before)
  })

  it('keeps earlier versions intact when publishing a new one', async () => {
    await publish()
    const v1 = await env.REGISTRY.get('v1/list/all/en.json')
    const data = realData()
    data.registry.lastUpdated = '2024-01-15'
    const outcome = await publish(data, new Date('2026-12-01T00:00:00Z'))
    expect(outcome.release.version).toBe(2)
    expect(await env.REGISTRY.get('v1/list/all/en.json')).toBe(v1)
    expect((await keys()).filter((key) => key.startsWith('v2/'))).toHaveLength(45 + 3 + 1)
  })

  it('publishes a change to the region mapping alone as a new version', async () => {
    await publish()
    const data = realData()
    data.regions.countryOverrides.IE = 'uk'
    const outcome = await publish(data, new Date('2026-12-01T00:00:00Z'))
    expect(outcome.changed).toBe(true)
    const res = await fetchWorker('/subprocessors.json?lang=en', { cf: { country: 'IE' } as IncomingRequestCfProperties })
    expect(res.headers.get('Content-Location')).toBe('/subprocessors.json?region=uk&lang=en')
  })

  it('never shows half a publish: a write that fails midway leaves the previous version current', async () => {
    await publish()
    const before = await fetchWorker('/subprocessors.json?region=eu&lang=en').then((res) => res.text())
    const data = realData()
    data.subprocessors.subprocessors[0]!.purpose.en = 'Changed'
    const plan = await planRelease(await readCurrentRelease(env.REGISTRY), data, new Date('2026-12-01T00:00:00Z'))
    let puts = 0
    const failing = {
      put: async (...args: Parameters<KVNamespace['put']>) => {
        if (++puts > 10) throw new Error('storage went away')
        return env.REGISTRY.put(...args)
      },
    }
    await expect(writeRelease(failing, plan.release, plan.representations)).rejects.toThrow('storage went away')
    forgetCachedReleases()
    expect((await readCurrentRelease(env.REGISTRY))?.version).toBe(1)
    expect(await fetchWorker('/subprocessors.json?region=eu&lang=en').then((res) => res.text())).toBe(before)
  })
})

describe('validation', () => {
  const files = () => structuredClone({ registry, subprocessors, regions, locales: LOCALES }) as Record<string, any>

  it('accepts data/ as committed', () => {
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
      { file: 'subprocessors.json', entry: 'linode-uk', field: 'location.countries[0]', message: '"XX" is not an ISO 3166-1 alpha-2 country code' },
      { file: 'regions.json', entry: 'ZZ', field: 'countryOverrides', message: '"ZZ" is not an ISO 3166-1 alpha-2 country code' },
      { file: 'subprocessors.json', entry: 'linode-us', field: 'assurances[0]', message: '"no-such-assurance" is not defined under "assurances" in registry.json' },
      { file: 'subprocessors.json', entry: 'linode-eu', field: 'id', message: 'id "linode-eu" is used by more than one entry' },
      { file: 'subprocessors.json', entry: 'aws-us-california', field: 'location.subdivisions[0]', message: '"SG-01" lies in a country that location.countries does not list' },
      { file: 'subprocessors.json', entry: 'aws-apac-singapore', field: 'notes[0].field', message: '"colour" is not a field of an entry' },
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

  it('accepts text that is dangerous in HTML or CSV; the renderers make it safe', () => {
    const risky = files()
    risky.subprocessors.subprocessors[0].name = '=Acme'
    risky.subprocessors.subprocessors[1].name = 'A&B <Group>'
    expect(validateRegistry(risky as never).ok).toBe(true)
  })
})
