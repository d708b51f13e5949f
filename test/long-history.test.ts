// A history longer than one block of the change log: older items live in shared chunks, and a
// poller's delta reaches into them as if the log were one value.
import { env } from 'cloudflare:workers'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { ChangeDocument } from '../src/publish/schema'
import { LOG_BLOCK_VERSIONS } from '../src/storage/log'
import { forgetCachedReleases } from '../src/storage/reader'
import { DAY_MS } from './support/history'
import { fetchWorker, publish, realData } from './helpers'

const VERSIONS = LOG_BLOCK_VERSIONS + 2
const FIRST = Date.parse('2026-01-01T10:00:00Z')

async function chunkKeys() {
  return (await env.REGISTRY.list({ prefix: 'logs/' })).keys.map(({ name }) => name)
}

/** Version n (from 2) rewords twilio's purpose, an editorial change that takes effect when published. */
function dataOf(version: number) {
  const data = realData()
  const twilio = data.subprocessors.subprocessors.find((entry) => entry.id === 'twilio')!
  if (version > 1) twilio.purpose = Object.fromEntries(Object.entries(twilio.purpose).map(([lang, text]) => [lang, `${text} (${version})`]))
  return data
}

async function changesSince(since: number) {
  const res = await fetchWorker(`/changes.json?lang=en&since=${since}`)
  expect(res.status).toBe(200)
  return { res, versions: (await res.json<{ changes: ChangeDocument[] }>()).changes.map((change) => change.version) }
}

const descending = (from: number, to: number) => Array.from({ length: from - to + 1 }, (_, i) => from - i)

describe(`a history of ${VERSIONS} versions`, () => {
  const chunksAfter = new Map<number, string[]>()

  beforeAll(async () => {
    for (let version = 1; version <= VERSIONS; version++) {
      const outcome = await publish(dataOf(version), new Date(FIRST + version * DAY_MS))
      expect(outcome.release.version).toBe(version)
      chunksAfter.set(version, await chunkKeys())
    }
  }, 120_000)

  it('keeps a block of versions in chunks once the block is whole, and later versions share them', async () => {
    expect(chunksAfter.get(LOG_BLOCK_VERSIONS)).toEqual([])
    const chunks = chunksAfter.get(LOG_BLOCK_VERSIONS + 1)!
    // One per language: a change reads the same in the log of every region it touches, so those chunks are one value.
    expect(chunks).toHaveLength(3)
    expect(chunksAfter.get(VERSIONS)).toEqual(chunks)
  })

  it('serves every change after any version, across the chunk boundary', async () => {
    expect((await changesSince(0)).versions).toEqual(descending(VERSIONS, 2))
    expect((await changesSince(LOG_BLOCK_VERSIONS - 1)).versions).toEqual(descending(VERSIONS, LOG_BLOCK_VERSIONS))
    expect((await changesSince(LOG_BLOCK_VERSIONS)).versions).toEqual(descending(VERSIONS, LOG_BLOCK_VERSIONS + 1))
    expect((await changesSince(VERSIONS - 1)).versions).toEqual([VERSIONS])
    expect((await changesSince(VERSIONS)).versions).toEqual([])
  })

  it('answers the whole log as one valid document, with its ETag and a 304', async () => {
    const { res } = await changesSince(0)
    const etag = res.headers.get('ETag')!
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}\.0"$/)
    const again = await fetchWorker('/changes.json?lang=en&since=0', { headers: { 'If-None-Match': etag } })
    expect(again.status).toBe(304)
    expect(again.headers.get('ETag')).toBe(etag)
    const whole = await fetchWorker('/changes.json?lang=en&since=0').then((r) => r.text())
    expect(JSON.parse(whole)).toMatchObject({ version: VERSIONS, region: { id: 'all' } })
    expect(whole.match(/"tag": "tag:/g)).toHaveLength(VERSIONS - 1)
  })

  describe('a chunk damaged or missing in storage', () => {
    afterEach(() => vi.restoreAllMocks())

    async function expectFaultFor(since: number, fault: { key: string; reason: string; cause?: string }) {
      const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
      forgetCachedReleases()
      const res = await fetchWorker(`/changes.json?lang=en&since=${since}`)
      expect(res.status).toBe(503)
      expect(res.headers.get('Retry-After')).toBe('5')
      expect(await res.json()).toEqual({ error: { status: 503, code: 'storage_fault', message: 'The registry\'s storage could not provide this intact; try again shortly.' } })
      expect(logged.mock.calls.map(([line]) => JSON.parse(String(line)))).toEqual([{ event: 'storage_fault', ...fault }])
    }

    /** The chunk of the English log: its items link the English entry. */
    async function englishChunk() {
      for (const key of await chunkKeys()) if ((await env.REGISTRY.get(key))!.includes('"href": "/subprocessors/twilio.json?lang=en"')) return key
      throw new Error('no chunk of the English log')
    }

    it('answers 503 for a slice that needs a chunk cut short, and still serves the slices that do not', async () => {
      const key = await englishChunk()
      const { value, metadata } = await env.REGISTRY.getWithMetadata(key, 'arrayBuffer')
      await env.REGISTRY.put(key, value!.slice(0, value!.byteLength / 2), { metadata })
      try {
        await expectFaultFor(0, { key, reason: 'unreadable value', cause: 'chunk length does not match its index' })
        expect((await changesSince(LOG_BLOCK_VERSIONS)).versions).toEqual(descending(VERSIONS, LOG_BLOCK_VERSIONS + 1))
      } finally {
        await env.REGISTRY.put(key, value!, { metadata })
      }
    })

    it('answers 503 for a chunk whose bytes do not match its name', async () => {
      const key = await englishChunk()
      const { value, metadata } = await env.REGISTRY.getWithMetadata(key, 'text')
      await env.REGISTRY.put(key, value!.replace('Twilio', 'TwiliO'), { metadata })
      try {
        await expectFaultFor(LOG_BLOCK_VERSIONS - 1, { key, reason: `bytes of ${key} do not match their ETag` })
      } finally {
        await env.REGISTRY.put(key, value!, { metadata })
      }
    })

    it('answers 503 for a missing chunk', async () => {
      const key = await englishChunk()
      await env.REGISTRY.delete(key)
      await expectFaultFor(1, { key, reason: 'missing' })
    })
  })
})
