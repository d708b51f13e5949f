import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { syntheticEntry } from './support/generate'
import app from '../src/index'
import { publishTo } from '../src/publish/publish'
import {
  cachedRepresentationBytes,
  forgetCachedReleases,
  RELEASE_RECHECK_MS,
  REPRESENTATION_CACHE_BUDGET_BYTES,
} from '../src/storage/reader'
import type { RegistryData } from '../src/publish/input/schema'
import { ORIGIN, publish, fixtureData, TARGET, useFreshStorage } from './helpers'

useFreshStorage()
afterEach(() => vi.useRealTimers())

/** The real KV binding, with every read counted. */
function countingRegistry() {
  const reads: string[] = []
  const kv = env.REGISTRY
  const counted = {
    get: (key: string, type: never) => (reads.push(key), kv.get(key, type)),
    getWithMetadata: (key: string, type: never) => (reads.push(key), kv.getWithMetadata(key, type)),
  } as unknown as KVNamespace
  return { reads, env: { ...env, REGISTRY: counted } }
}

async function request(path: string, worker: ReturnType<typeof countingRegistry>, init?: RequestInit) {
  const ctx = createExecutionContext()
  const res = await app.fetch(new Request(`${ORIGIN}${path}`, init), worker.env, ctx)
  await res.arrayBuffer()
  await waitOnExecutionContext(ctx)
  return res
}

describe('a list request answered before', () => {
  const exchange = async (path: string, init?: RequestInit) => {
    const res = await app.fetch(new Request(`${ORIGIN}${path}`, init), env, createExecutionContext())
    return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() }
  }

  it.each([
    ['an explicit URL', '/subprocessors.json?region=eu&lang=en', {}],
    ['a negotiated URL', '/subprocessors?region=uk', { Accept: 'text/csv', 'Accept-Language': 'lv' }],
    ['a negotiated URL and a region by country', '/subprocessors', { Accept: 'application/json' }],
  ])(
    'is answered as the first time, for %s: status, headers, body, and 304, HEAD and 405 alike',
    async (_, path, headers) => {
      await publish()
      const first = await exchange(path, { headers })
      expect(first.status).toBe(200)
      for (let i = 0; i < 3; i++) expect(await exchange(path, { headers })).toEqual(first)

      const etag = first.headers.etag!
      const revalidated = await exchange(path, { headers: { ...headers, 'If-None-Match': etag } })
      expect(revalidated.status).toBe(304)
      expect(await exchange(path, { headers: { ...headers, 'If-None-Match': etag } })).toEqual(revalidated)
      expect(await exchange(path, { headers: { ...headers, 'If-None-Match': '"other"' } })).toEqual(first)

      const head = await exchange(path, { method: 'HEAD', headers })
      expect(head).toEqual({ ...first, body: '' })
      expect((await exchange(path, { method: 'POST', headers })).status).toBe(405)
    },
  )
})

describe('KV reads per request', () => {
  it('reads the pointer and the bytes once, then serves a warm isolate from memory', async () => {
    const { release } = await publish()
    const worker = countingRegistry()
    await request('/subprocessors.json?region=eu&lang=en', worker)
    // The version's manifest once per isolate: every value loaded is checked against it.
    expect(worker.reads).toEqual([
      'release/current',
      `${release.prefix}/bundle/en.json/0`,
      `${release.prefix}/manifest.json`,
    ])

    for (let i = 0; i < 20; i++) {
      const before = worker.reads.length
      await request(
        '/subprocessors.json?region=eu&lang=en',
        worker,
        i % 2 ? { headers: { 'If-None-Match': '"x"' } } : {},
      )
      expect(worker.reads.length - before).toBe(0)
    }
  })

  it('reads at most one KV value for a representation a warm isolate has not served yet', async () => {
    const { release } = await publish()
    const worker = countingRegistry()
    await request('/subprocessors.json?region=eu&lang=en', worker)
    const paths = [
      '/subprocessors.csv?region=uk&lang=lv',
      '/subprocessors.html?region=all&lang=en',
      '/subprocessors/twilio.json?lang=lv',
      '/subprocessors/aws.csv?lang=en',
      '/schema.json',
    ]
    for (const path of paths) {
      const before = worker.reads.length
      expect((await request(path, worker)).status).toBe(200)
      expect(worker.reads.length - before).toBeLessThanOrEqual(1)
    }
    // Every entry shares one pack here, so the second entry cost nothing. Each value is in its group's bundle.
    expect(worker.reads.slice(3)).toEqual([
      `${release.prefix}/bundle/lv.csv/0`,
      `${release.prefix}/bundle/en.html/0`,
      `${release.prefix}/bundle/entries/0`,
      `${release.prefix}/bundle/doc/0`,
    ])
  })

  it('shares one KV read among concurrent requests for the same bytes', async () => {
    const { release } = await publish()
    const worker = countingRegistry()
    await request('/subprocessors.csv?region=eu&lang=en', worker)
    const responses = await Promise.all(
      Array.from({ length: 25 }, () => request('/subprocessors.json?region=us&lang=lv', worker)),
    )
    expect(responses.map((res) => res.status)).toEqual(Array(25).fill(200))
    expect(worker.reads).toEqual([
      'release/current',
      `${release.prefix}/bundle/en.csv/0`,
      `${release.prefix}/manifest.json`,
      `${release.prefix}/bundle/lv.json/0`,
    ])
  })

  it('rechecks the pointer once per RELEASE_RECHECK_MS', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-11-28T12:00:00Z'))
    await publish()
    const worker = countingRegistry()
    await request('/subprocessors.json?region=eu&lang=en', worker)
    vi.setSystemTime(Date.now() + RELEASE_RECHECK_MS - 1)
    await request('/subprocessors.json?region=eu&lang=en', worker)
    expect(worker.reads).toHaveLength(3)
    vi.setSystemTime(Date.now() + 1)
    await request('/subprocessors.json?region=eu&lang=en', worker)
    expect(worker.reads.slice(3)).toEqual(['release/current'])
  })
})

describe('history stays off the warm path', () => {
  it('serves lists, ?version=, feeds and deltas of a many-version history with no KV read once warm', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-12-01T00:00:00Z'))
    for (let version = 1; version <= 12; version++) {
      const data = fixtureData()
      data.subprocessors.subprocessors[0]!.purpose.en = `Storing LiveAgent Service Data, wording ${version}`
      if (version === 12) data.announcements = [{ remove: 'openai', effective: '2027-01-15' }]
      await publishTo(TARGET, data, new Date(Date.UTC(2026, 10, version, 10)))
    }
    forgetCachedReleases()
    const worker = countingRegistry()
    const paths = [
      '/subprocessors.json?region=eu&lang=en',
      '/subprocessors.csv?region=us&lang=lv&version=3',
      '/changes.atom?region=eu&lang=en',
      '/changes.json?lang=en&since=9',
      '/versions.json',
    ]
    for (const path of paths) expect((await request(path, worker)).status).toBe(200)
    const cold = worker.reads.length
    for (let round = 0; round < 5; round++)
      for (const path of paths) expect((await request(path, worker)).status).toBe(200)
    expect(worker.reads.length).toBe(cold)
  }, 60_000)
})

/** The data without one of its languages: as an operator who stops serving it would publish it. */
function withoutLanguage(data: RegistryData, lang: string): RegistryData {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip)
    if (!value || typeof value !== 'object') return value
    const record = value as Record<string, unknown>
    const localized = data.registry.languages.every((language) => typeof record[language] === 'string')
    return Object.fromEntries(
      Object.entries(record)
        .filter(([key]) => !(localized && key === lang))
        .map(([key, inner]) => [key, strip(inner)]),
    )
  }
  const { [lang]: _, ...locales } = data.locales
  const stripped = strip({ ...data, locales: {} }) as RegistryData
  return {
    ...stripped,
    registry: { ...stripped.registry, languages: data.registry.languages.filter((language) => language !== lang) },
    locales,
  }
}

describe('the memo of fully explicit URLs', () => {
  it('is never used across releases: a language one release drops gets 400, not the old resolution', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-11-28T12:00:00Z'))
    await publish()
    const worker = countingRegistry()
    expect((await request('/subprocessors.json?region=eu&lang=de', worker)).status).toBe(200)
    await publishTo(TARGET, withoutLanguage(fixtureData(), 'de'), new Date('2026-11-28T12:00:01Z'))
    vi.setSystemTime(Date.now() + RELEASE_RECHECK_MS)
    const res = await app.fetch(
      new Request(`${ORIGIN}/subprocessors.json?region=eu&lang=de`),
      worker.env,
      createExecutionContext(),
    )
    expect(res.status).toBe(400)
    expect((await res.json<{ error: { code: string; allowed: string[] } }>()).error).toMatchObject({
      code: 'unknown_language',
      allowed: ['lv', 'en'],
    })
  })
})

describe('freshness', () => {
  it(`serves a new version everywhere within ${RELEASE_RECHECK_MS} ms of its publish`, async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-11-28T12:00:00Z'))
    await publish()
    const worker = countingRegistry()
    const version = async () => {
      const res = await app.fetch(
        new Request(`${ORIGIN}/subprocessors.json?region=eu&lang=en`),
        worker.env,
        createExecutionContext(),
      )
      return (await res.json<{ version: number }>()).version
    }
    expect(await version()).toBe(1)

    const data = fixtureData()
    data.registry.lastUpdated = '2024-05-01'
    // Published behind this isolate's back: its caches are not told.
    await publishTo(TARGET, data, new Date('2026-11-28T12:00:01Z'))

    vi.setSystemTime(Date.now() + RELEASE_RECHECK_MS - 1)
    expect(await version()).toBe(1)
    vi.setSystemTime(Date.now() + 1)
    expect(await version()).toBe(2)
  })
})

describe('memory', () => {
  it('keeps a 10,000-entry registry with all its representations within the cache budget', async () => {
    expect(REPRESENTATION_CACHE_BUDGET_BYTES).toBeLessThanOrEqual(32 * 1024 * 1024)
    const data = fixtureData()
    data.subprocessors.subprocessors = Array.from({ length: 10_000 }, (_, i) => syntheticEntry(i + 1))
    const outcome = await publish(data)
    expect(outcome.release.totalBytes).toBeGreaterThan(4 * REPRESENTATION_CACHE_BUDGET_BYTES)
    forgetCachedReleases()
    const worker = countingRegistry()
    let largest = 0
    for (const region of ['all', 'eu', 'uk', 'us', 'apac']) {
      for (const lang of ['lv', 'en']) {
        for (const format of ['json', 'html', 'csv']) {
          const res = await request(`/subprocessors.${format}?region=${region}&lang=${lang}`, worker)
          expect(res.status).toBe(200)
          largest = Math.max(largest, cachedRepresentationBytes())
          expect(cachedRepresentationBytes()).toBeLessThanOrEqual(REPRESENTATION_CACHE_BUDGET_BYTES)
        }
      }
    }
    for (let i = 1; i <= 10_000; i += 97) {
      const res = await request(`/subprocessors/synthetic-${String(i).padStart(6, '0')}.html?lang=lv`, worker)
      expect(res.status).toBe(200)
      expect(cachedRepresentationBytes()).toBeLessThanOrEqual(REPRESENTATION_CACHE_BUDGET_BYTES)
    }
    expect(largest).toBeGreaterThan(REPRESENTATION_CACHE_BUDGET_BYTES / 2)
  }, 120_000)
})
