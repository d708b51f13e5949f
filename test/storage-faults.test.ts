// Faults injected into the KV the Worker reads: missing, truncated or unparsable values, and a
// binding that fails. None of them may turn into a wrong answer.
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { syntheticEntry } from './support/generate'
import { bundleOf, CURRENT_RELEASE_KEY, entryPack, packKey, representationKey } from '../src/storage/keys'
import { forgetCachedReleases } from '../src/storage/reader'
import { getStored, putStored } from './support/stored'
import app from '../src/index'
import { fetchWorker, ORIGIN, publish, fixtureData, useFreshStorage } from './helpers'

useFreshStorage()
let logged: ReturnType<typeof spyOnErrors>
const spyOnErrors = () => vi.spyOn(console, 'error').mockImplementation(() => {})
beforeEach(() => {
  logged = spyOnErrors()
})
afterEach(() => logged.mockRestore())

const STORAGE_FAULT = {
  error: {
    status: 503,
    code: 'storage_fault',
    message: "The registry's storage could not provide this intact; try again shortly.",
  },
}

async function expectStorageFault(res: Response) {
  expect(res.status).toBe(503)
  expect(res.headers.get('Retry-After')).toBe('5')
  expect(res.headers.get('Cache-Control')).toBe('no-store')
  expect(res.headers.get('ETag')).toBeNull()
  expect(await res.json()).toEqual(STORAGE_FAULT)
}

const loggedFaults = () =>
  logged.mock.calls.map(([line]) => JSON.parse(String(line)) as { event: string; key: string; reason: string })

describe('an entries pack missing from storage', () => {
  /** 200 entries in 4 packs; ids chosen so that one is in the deleted pack and one in another. */
  async function publishAndDeletePack() {
    const data = fixtureData()
    data.subprocessors.subprocessors = Array.from({ length: 200 }, (_, i) => syntheticEntry(i + 1))
    const { release } = await publish(data)
    expect(release.entryPackSizes[0]).toHaveLength(4)
    const ids = data.subprocessors.subprocessors.map((entry) => entry.id)
    const lost = ids.find((id) => entryPack(id, 4) === 2)!
    const kept = ids.find((id) => entryPack(id, 4) === 3)!
    await putStored(env.REGISTRY, release, packKey(release, 0, 2), null)
    return { lost, kept, release }
  }

  it('answers 503 with Retry-After for an entry the release contains, and logs the key', async () => {
    const { lost, release } = await publishAndDeletePack()
    await expectStorageFault(await fetchWorker(`/subprocessors/${lost}.json?lang=en`))
    expect(loggedFaults()).toEqual([
      { event: 'storage_fault', key: `${release.prefix}/s0/entries/2`, reason: 'missing' },
    ])
  })

  it('still serves entries of the other packs, and 404s an id the release does not contain', async () => {
    const { kept } = await publishAndDeletePack()
    expect((await fetchWorker(`/subprocessors/${kept}.json?lang=en`)).status).toBe(200)
    const unknownInIntactPack = Array.from({ length: 50 }, (_, i) => `absent-${i}`).find(
      (id) => entryPack(id, 4) === 3,
    )!
    const res = await fetchWorker(`/subprocessors/${unknownInIntactPack}`)
    expect(res.status).toBe(404)
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe('unknown_subprocessor')
  })
})

describe('bytes damaged in storage', () => {
  it('answers 503 for a list cut to half its length, never 200 under the original ETag', async () => {
    const { release } = await publish()
    const key = representationKey(release, 0, 'list/eu/en.json')
    const { value, metadata } = (await getStored(env.REGISTRY, release, key))!
    await putStored(env.REGISTRY, release, key, { value: value.slice(0, value.byteLength / 2), metadata })
    await expectStorageFault(await fetchWorker('/subprocessors.json?region=eu&lang=en'))
    expect(loggedFaults()).toEqual([
      { event: 'storage_fault', key, reason: 'bytes of list/eu/en.json do not match their ETag' },
    ])
  })

  it('keeps no damaged bytes: once storage heals, the same isolate serves the real ones', async () => {
    const { release } = await publish()
    const key = representationKey(release, 0, 'list/eu/en.json')
    const { value, metadata } = (await getStored(env.REGISTRY, release, key))!
    await putStored(env.REGISTRY, release, key, { value: '{"version":1,"subprocessors":[]}', metadata })
    await expectStorageFault(await fetchWorker('/subprocessors.json?region=eu&lang=en'))
    await putStored(env.REGISTRY, release, key, { value, metadata })
    const healed = await fetchWorker('/subprocessors.json?region=eu&lang=en')
    expect(healed.status).toBe(200)
    expect(healed.headers.get('ETag')).toBe((metadata as { etag: string }).etag)
    expect((await healed.json<{ subprocessors: unknown[] }>()).subprocessors).toHaveLength(10)
  })

  it('answers 503 for an entry whose pack was cut short', async () => {
    const { release } = await publish()
    const key = packKey(release, 0, 0)
    const { value, metadata } = (await getStored(env.REGISTRY, release, key))!
    await putStored(env.REGISTRY, release, key, { value: value.slice(0, value.byteLength - 100), metadata })
    await expectStorageFault(await fetchWorker('/subprocessors/support-subcontractors.json?lang=en'))
  })

  it('answers 503 for a pack whose index is not JSON', async () => {
    const { release } = await publish()
    await putStored(env.REGISTRY, release, packKey(release, 0, 0), {
      value: '{"entry/twilio\n',
      metadata: { packed: true },
    })
    await expectStorageFault(await fetchWorker('/subprocessors/twilio.json?lang=en'))
    expect(loggedFaults()[0]).toMatchObject({ key: `${release.prefix}/s0/entries/0`, reason: 'unreadable value' })
  })

  it('answers 503 for a bundle that is gone, naming the bundle, and for one that is not gzip', async () => {
    const { release } = await publish()
    const bundle = bundleOf(release, representationKey(release, 0, 'list/eu/en.json'))!
    expect(bundle).toBe(`${release.prefix}/bundle/en.json/0`)
    await env.REGISTRY.delete(bundle)
    await expectStorageFault(await fetchWorker('/subprocessors.json?region=eu&lang=en'))
    await env.REGISTRY.put(bundle, new TextEncoder().encode('[["s0/list/eu/en.json",0,2,{}]]\n{}'), {
      metadata: { bundle: true },
    })
    await expectStorageFault(await fetchWorker('/subprocessors.json?region=eu&lang=en'))
    expect(loggedFaults().map(({ key, reason }) => [key, reason])).toEqual([
      [bundle, 'missing'],
      [bundle, 'unreadable bundle'],
    ])
    // Values of the version's other bundles are served.
    expect((await fetchWorker('/subprocessors.json?region=eu&lang=de')).status).toBe(200)
  })
})

describe('a damaged pointer', () => {
  it.each([
    ['not JSON', '{"version": 1, "publi'],
    ['JSON of another shape', '{"version": 1}'],
    ['a version that is not a number', JSON.stringify({ version: 'one' })],
  ])('answers 503, never 500, when it holds %s', async (_, pointer) => {
    await publish()
    await env.REGISTRY.put(CURRENT_RELEASE_KEY, pointer)
    forgetCachedReleases()
    await expectStorageFault(await fetchWorker('/subprocessors.json?region=eu&lang=en'))
    expect(loggedFaults()).toEqual([{ event: 'storage_fault', key: 'release/current', reason: 'not a release record' }])
  })
})

describe('a failing binding', () => {
  it('answers 503 when KV reads throw', async () => {
    await publish()
    forgetCachedReleases()
    const failing = {
      get: () => Promise.reject(new Error('KV GET failed: 500 Internal Server Error')),
    } as unknown as KVNamespace
    const res = await app.fetch(new Request(`${ORIGIN}/subprocessors.json?region=eu&lang=en`), {
      ...env,
      REGISTRY: failing,
    })
    await expectStorageFault(res)
    expect(loggedFaults()).toEqual([
      {
        event: 'storage_fault',
        key: 'release/current',
        reason: 'read failed',
        cause: 'KV GET failed: 500 Internal Server Error',
      },
    ])
  })

  it('answers 500 internal_error, not 503, when the Worker itself is broken (here: no binding at all)', async () => {
    forgetCachedReleases()
    const res = await app.fetch(new Request(`${ORIGIN}/subprocessors.json?region=eu&lang=en`), {
      ...env,
      REGISTRY: undefined as unknown as KVNamespace,
    })
    expect(res.status).toBe(500)
    expect(res.headers.get('Retry-After')).toBeNull()
    expect(await res.json()).toEqual({
      error: {
        status: 500,
        code: 'internal_error',
        message: 'The registry failed to answer; this is a fault of the registry, not of the request.',
      },
    })
    expect(logged).toHaveBeenCalledTimes(1)
  })
})
