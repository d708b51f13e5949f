// A history longer than one block of the change log: older items live in shared chunks, and a
// poller's delta reaches into them as if the log were one value.
import { getStored, putStored } from './support/stored'
import { env } from 'cloudflare:workers'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { ChangeDocument } from '../src/publish/contract/schema'
import { strongEtag } from '../src/domain/etag'
import { LOG_BLOCK_VERSIONS } from '../src/storage/log'
import { forgetCachedReleases } from '../src/storage/reader'
import { DAY_MS } from './support/history'
import { fetchWorker, publish, fixtureData, TARGET } from './helpers'

const VERSIONS = LOG_BLOCK_VERSIONS + 2
const FIRST = Date.parse('2026-01-01T10:00:00Z')

async function chunkKeys() {
  return (await env.REGISTRY.list({ prefix: 'logs/' })).keys.map(({ name }) => name)
}

/** Version n (from 2) rewords twilio's purpose, an editorial change that takes effect when published. */
function dataOf(version: number) {
  const data = fixtureData()
  const twilio = data.subprocessors.subprocessors.find((entry) => entry.id === 'twilio')!
  if (version > 1)
    twilio.purpose = Object.fromEntries(
      Object.entries(twilio.purpose).map(([lang, text]) => [lang, `${text} (${version})`]),
    )
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
  const listBlocksAfter = new Map<number, string[]>()

  beforeAll(async () => {
    for (let version = 1; version <= VERSIONS; version++) {
      const outcome = await publish(dataOf(version), new Date(FIRST + version * DAY_MS))
      expect(outcome.release.version).toBe(version)
      chunksAfter.set(version, await chunkKeys())
      listBlocksAfter.set(
        version,
        [
          ...(await env.REGISTRY.list({ prefix: 'history/' })).keys,
          ...(await env.REGISTRY.list({ prefix: 'records/' })).keys,
        ].map(({ name }) => name),
      )
    }
  }, 120_000)

  it('keeps a block of versions in chunks once the block is whole, and later versions share them', async () => {
    expect(chunksAfter.get(LOG_BLOCK_VERSIONS)).toEqual([])
    const chunks = chunksAfter.get(LOG_BLOCK_VERSIONS + 1)!
    // The change log's, one per language (a change reads the same in the log of every region it
    // touches, so those chunks are one value), and the version index's, per language in JSON and HTML.
    expect(chunks).toHaveLength(3 + 3 * 2)
    expect(chunksAfter.get(VERSIONS)).toEqual(chunks)
  })

  it('stores the lists that grow with history in blocks: a version past a whole block writes only its own block', async () => {
    const added = (version: number) =>
      listBlocksAfter.get(version)!.filter((key) => !listBlocksAfter.get(version - 1)!.includes(key))
    // Publish times and change records of versions 65 and 66: one block each, the first 64 versions' blocks untouched.
    expect(
      added(VERSIONS)
        .map((key) => key.split('/')[0])
        .sort(),
    ).toEqual(['history', 'records'])
    const index = await env.REGISTRY.get<{ chunks: string[] }>(
      `${(await TARGET.versions.latest())!.prefix}/history.json`,
      'json',
    )
    expect(index!.chunks).toHaveLength(2)
    expect(listBlocksAfter.get(LOG_BLOCK_VERSIONS)).toEqual(expect.arrayContaining([index!.chunks[0]]))
  })

  it('serves the whole version index across the block boundary, as its manifest lists it', async () => {
    for (const format of ['json', 'html']) {
      const res = await fetchWorker(`/versions.${format}?lang=en`)
      expect(res.status).toBe(200)
      const body = new Uint8Array(await res.arrayBuffer())
      const digest = btoa(
        Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', body)), (b) => String.fromCharCode(b)).join(''),
      )
      expect(res.headers.get('Content-Digest')).toBe(`sha-256=:${digest}:`)
      const manifest = await fetchWorker(`/versions/${VERSIONS}/manifest`).then((r) =>
        r.json<{ representations: { url: string; sha256: string }[] }>(),
      )
      expect(manifest.representations.find((r) => r.url === `/versions.${format}?lang=en`)?.sha256).toBe(digest)
      if (format === 'json') {
        const versions = (
          JSON.parse(new TextDecoder().decode(body)) as { versions: { version: number }[] }
        ).versions.map((v) => v.version)
        expect(versions).toEqual(descending(VERSIONS, 1))
      } else {
        expect(new TextDecoder().decode(body).match(/<tr id="v\d+"><th scope="row">/g)).toHaveLength(VERSIONS)
      }
    }
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
      expect(await res.json()).toEqual({
        error: {
          status: 503,
          code: 'storage_fault',
          message: "The registry's storage could not provide this intact; try again shortly.",
        },
      })
      expect(logged.mock.calls.map(([line]) => JSON.parse(String(line)))).toEqual([
        { event: 'storage_fault', ...fault },
      ])
    }

    /** The chunk of the English log: its items link the English entry. */
    async function englishChunk() {
      for (const key of await chunkKeys())
        if ((await env.REGISTRY.get(key))!.includes('"href": "/subprocessors/twilio.json?lang=en"')) return key
      throw new Error('no chunk of the English log')
    }

    // A slice is served only from a log shown whole to be the one its ETag and manifest name, so every slice needs every chunk.
    it('answers 503 for every slice of a log whose chunk is cut short, those that do not reach the chunk too', async () => {
      const key = await englishChunk()
      const { value, metadata } = await env.REGISTRY.getWithMetadata(key, 'arrayBuffer')
      await env.REGISTRY.put(key, value!.slice(0, value!.byteLength / 2), { metadata })
      try {
        await expectFaultFor(0, { key, reason: 'unreadable value', cause: 'chunk length does not match its index' })
        vi.restoreAllMocks()
        await expectFaultFor(VERSIONS - 1, {
          key,
          reason: 'unreadable value',
          cause: 'chunk length does not match its index',
        })
      } finally {
        await env.REGISTRY.put(key, value!, { metadata })
      }
    })

    it('answers 503 for a log whose own bytes were rewritten with their digest, under the ETag of a whole they no longer make', async () => {
      const release = (await TARGET.versions.latest())!
      const key = `${release.prefix}/s0/changelog/all/en.json`
      const stored = (await getStored(env.REGISTRY, release, key))!.value
      const end = stored.indexOf(0x0a)
      const index = JSON.parse(new TextDecoder().decode(stored.subarray(0, end))) as { digest: string }
      const body = new TextEncoder().encode(
        new TextDecoder().decode(stored.subarray(end + 1)).replace('"version": ', '"Version": '),
      )
      index.digest = await strongEtag(body)
      await putStored(env.REGISTRY, release, key, {
        value: new Uint8Array([...new TextEncoder().encode(`${JSON.stringify(index)}\n`), ...body]),
        metadata: { log: true },
      })
      try {
        await expectFaultFor(VERSIONS - 1, { key, reason: 'the log and its chunks are not the log its ETag names' })
      } finally {
        await putStored(env.REGISTRY, release, key, { value: stored, metadata: { log: true } })
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
