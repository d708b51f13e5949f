import { getStored, putStored } from './support/stored'
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import type { EvidenceDocument } from '../src/domain/evidence'
import { leafHash, verifyConsistency, verifyInclusion } from '../src/domain/merkle'
import { openNote, parseCheckpoint, parseSignerKey, parseVerifierKey } from '../src/domain/signed-note'
import { LogRefused } from '../src/publish/evidence'
import { type PublishTarget, publishTo } from '../src/publish/publish'
import { entryPack } from '../src/storage/keys'
import { pack, unpack } from '../src/storage/pack'
import { forgetCachedReleases } from '../src/storage/reader'
import { fetchWorker, publish, fixtureData, TARGET, useFreshStorage } from './helpers'
import { NEXT_SIGNER_KEY, NEXT_VERIFIER_KEY, TEST_SIGNER_KEY, TEST_VERIFIER_KEY } from './support/keys'

useFreshStorage()

const at = (day: number) => new Date(Date.UTC(2026, 10, 20 + day, 10))
const updatedOn = (date: string) => {
  const data = fixtureData()
  data.registry.lastUpdated = date
  return data
}
const fromB64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
const sha256 = async (bytes: ArrayBuffer | Uint8Array) =>
  b64(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)))
const b64 = (bytes: Uint8Array) => btoa(Array.from(bytes, (byte) => String.fromCharCode(byte)).join(''))

async function bytesAt(path: string): Promise<Uint8Array> {
  const res = await fetchWorker(path)
  return new Uint8Array(await res.arrayBuffer())
}

/** Three versions, a day apart. */
async function publishThree() {
  await publish(fixtureData(), at(0))
  await publish(updatedOn('2024-01-15'), at(1))
  return publish(updatedOn('2024-02-20'), at(2))
}

async function checkpoint() {
  const note = await fetchWorker('/log/checkpoint').then((res) => res.text())
  return parseCheckpoint((await openNote(note, [await parseVerifierKey(TEST_VERIFIER_KEY)])).text)
}

describe('the signed log', () => {
  beforeEach(publishThree)

  it('serves the checkpoint as a C2SP signed note: origin, size and root, signed by the published key, briefly cached', async () => {
    const res = await fetchWorker('/log/checkpoint')
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toBe('text/plain; charset=utf-8')
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=10')
    const body = await res.text()
    expect(body).toMatch(
      /^subprocessors\.example\.com\/liveagent\n3\n[A-Za-z0-9+/]{43}=\n\n\u2014 subprocessors\.example\.com\/liveagent [A-Za-z0-9+/]+=*\n$/,
    )
    expect(res.headers.get('Content-Digest')).toBe(`sha-256=:${await sha256(new TextEncoder().encode(body))}:`)
    expect((await checkpoint()).size).toBe(3)
    const again = await fetchWorker('/log/checkpoint', { headers: { 'If-None-Match': res.headers.get('ETag')! } })
    expect(again.status).toBe(304)
  })

  it('publishes the verifier key in discovery, where the checkpoint and manifests are linked', async () => {
    const discovery = await fetchWorker('/.well-known/subprocessors').then((res) =>
      res.json<{ evidence: unknown; templates: Record<string, string> }>(),
    )
    expect(discovery.evidence).toEqual({
      origin: 'subprocessors.example.com/liveagent',
      verifierKey: TEST_VERIFIER_KEY,
      checkpoint: '/log/checkpoint',
      tiles: '/log/tile/',
    })
    // Each version's manifest and evidence are linked from the version index; the templates are extras.
    expect(discovery.templates).toMatchObject({
      manifest: '/versions/{version}/manifest',
      evidence: '/versions/{version}/evidence',
    })
  })

  it("serves each version's manifest, immutable, chained to its parent's by digest", async () => {
    const first = await fetchWorker('/versions/1/manifest')
    const second = await fetchWorker('/versions/2/manifest')
    expect(second.status).toBe(200)
    expect(second.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable')
    expect(second.headers.get('Content-Location')).toBe('/versions/2/manifest')
    const firstBytes = await first.arrayBuffer()
    const manifest = await second.json<{
      format: string
      version: number
      parent: unknown
      signer: string
      states: { representations: { url: string; sha256: string }[] }[]
    }>()
    expect(manifest).toMatchObject({
      format: 'subprocessor-registry-manifest/1',
      version: 2,
      parent: { version: 1, sha256: await sha256(firstBytes) },
      signer: TEST_VERIFIER_KEY,
    })
    expect(JSON.parse(new TextDecoder().decode(firstBytes)).parent).toBeNull()
  })

  it("gives every representation a Content-Digest of its bytes, which its version's manifest lists, and a Link to that manifest", async () => {
    const manifest = await fetchWorker('/versions/3/manifest').then((res) =>
      res.json<{
        states: { representations: { url: string; sha256: string }[] }[]
        representations: { url: string; sha256: string }[]
      }>(),
    )
    const all = [...manifest.states.flatMap((s) => s.representations), ...manifest.representations]
    expect(all).toHaveLength(300)
    // A list's scheduled twin (served for ?at= a future instant) has the list's URL; these are the lists themselves.
    const listed = new Map(all.filter((r) => !('scheduled' in r)).map((r) => [r.url, r.sha256]))
    for (const url of [
      '/subprocessors.csv?region=eu&lang=en',
      '/subprocessors/twilio.html?lang=de',
      '/changes.atom?region=uk&lang=lv',
      '/openapi.json',
      '/versions.json?lang=en',
      '/changes.json?region=all&lang=en&since=0',
    ]) {
      const res = await fetchWorker(url)
      expect(res.status, url).toBe(200)
      const digest = await sha256(await res.arrayBuffer())
      expect(res.headers.get('Content-Digest'), url).toBe(`sha-256=:${digest}:`)
      expect(listed.get(url), url).toBe(digest)
      expect(res.headers.get('Link'), url).toContain(
        '</versions/3/manifest>; rel="describedby"; type="application/json"; title="manifest"',
      )
    }
    // A cut of the change log is no representation of its own: its digest is of the bytes served.
    const since = await fetchWorker('/changes.json?region=all&lang=en&since=2')
    expect(since.headers.get('Content-Digest')).toBe(`sha-256=:${await sha256(await since.arrayBuffer())}:`)
  })

  it('serves evidence whose inclusion proof leads from the manifest to the signed root', async () => {
    const { size, root } = await checkpoint()
    for (const version of [1, 2, 3]) {
      const res = await fetchWorker(`/versions/${version}/evidence`)
      expect(res.status).toBe(200)
      const evidence = await res.json<EvidenceDocument>()
      expect(evidence).toMatchObject({
        format: 'subprocessor-registry-evidence/1',
        version,
        leafIndex: version - 1,
        treeSize: 3,
      })
      expect(evidence.manifest).toBe(await fetchWorker(`/versions/${version}/manifest`).then((r) => r.text()))
      const leaf = await leafHash(new TextEncoder().encode(evidence.manifest))
      await expect(
        verifyInclusion(leaf, version - 1, size, evidence.inclusionProof.map(fromB64), root),
      ).resolves.toBeUndefined()
    }
  })

  it('serves the tiles: the leaf hashes of every manifest, a partial tile per size, and 404 past the tree', async () => {
    const tile = await fetchWorker('/log/tile/0/000.p/3')
    expect(tile.status).toBe(200)
    expect(tile.headers.get('Content-Type')).toBe('application/octet-stream')
    expect(tile.headers.get('Cache-Control')).toBe('public, max-age=60')
    const bytes = new Uint8Array(await tile.arrayBuffer())
    expect(bytes.byteLength).toBe(96)
    for (const version of [1, 2, 3]) {
      const manifest = await bytesAt(`/versions/${version}/manifest`)
      expect(b64(bytes.subarray((version - 1) * 32, version * 32))).toBe(b64(await leafHash(manifest)))
    }
    expect(await bytesAt('/log/tile/0/000.p/2')).toEqual(bytes.subarray(0, 64))
    for (const path of [
      '/log/tile/0/000.p/4',
      '/log/tile/0/000',
      '/log/tile/1/000.p/1',
      '/log/tile/0/1',
      '/log/tile/x',
    ]) {
      const res = await fetchWorker(path)
      expect(res.status, path).toBe(404)
      expect((await res.json<{ error: { code: string } }>()).error.code).toBe('not_found')
    }
  })

  it('answers a version that is not a number with 400, and one not published with 404', async () => {
    const bad = await fetchWorker('/versions/abc/manifest')
    expect(bad.status).toBe(400)
    expect((await bad.json<{ error: { code: string } }>()).error.code).toBe('invalid_version')
    const missing = await fetchWorker('/versions/9/evidence')
    expect(missing.status).toBe(404)
    expect((await missing.json<{ error: { code: string } }>()).error.code).toBe('unknown_version')
  })
})

describe('storage that was altered is never served', () => {
  beforeEach(publishThree)

  const current = async () => (await TARGET.versions.latest())!
  const expectFault = async (path: string) => {
    forgetCachedReleases()
    const res = await fetchWorker(path)
    expect(res.status, path).toBe(503)
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe('storage_fault')
  }

  it('answers 503 for a representation whose bytes were changed', async () => {
    const release = await current()
    const key = `${release.prefix}/s0/list/eu/en.csv`
    const { value, metadata } = (await getStored(env.REGISTRY, release, key))!
    const text = new TextDecoder().decode(value)
    expect(text).toContain('Linode')
    await putStored(env.REGISTRY, release, key, { value: text.replace('Linode', 'Lin0de'), metadata })
    await expectFault('/subprocessors.csv?region=eu&lang=en')
  })

  it('answers 503 for a manifest whose bytes were changed, even with an ETag to match', async () => {
    const key = `${(await current()).prefix}/manifest.json`
    const { value, metadata } = await env.REGISTRY.getWithMetadata(key, 'text')
    const altered = value!.replace('"version":3', '"version":3 ')
    await env.REGISTRY.put(key, altered, { metadata })
    await expectFault('/versions/3/manifest')
    const etag = `"${(await sha256(new TextEncoder().encode(altered))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}"`
    await env.REGISTRY.put(key, altered, { metadata: { etag } })
    await expectFault('/versions/3/manifest')
    await expectFault('/versions/3/evidence')
  })

  it('answers 503 for bytes rewritten together with the ETag stored beside them: a list, an entry in its pack, a change log', async () => {
    const release = await current()
    const { prefix, entryPackSizes } = release
    const stored = async (key: string) => (await getStored(env.REGISTRY, release, key))!.value
    const etagOf = async (bytes: Uint8Array) =>
      `"${(await sha256(bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}"`
    const encoder = new TextEncoder()

    const listKey = `${prefix}/s0/list/eu/en.csv`
    const list = encoder.encode(new TextDecoder().decode(await stored(listKey)).replace('Linode', 'Lin0de'))
    await putStored(env.REGISTRY, release, listKey, { value: list, metadata: { etag: await etagOf(list) } })
    await expectFault('/subprocessors.csv?region=eu&lang=en')

    const packKey = `${prefix}/s0/entries/${entryPack('linode-eu', entryPackSizes[0]!.length)}`
    const parts = unpack(await stored(packKey))
    const rewritten = await Promise.all(
      parts.map(async (part) => {
        if (part.path !== 'entry/linode-eu/en.json') return part
        const body = encoder.encode(new TextDecoder().decode(part.body).replace('Linode', 'Lin0de'))
        return { path: part.path, body, etag: await etagOf(body) }
      }),
    )
    await putStored(env.REGISTRY, release, packKey, { value: pack(rewritten), metadata: { packed: true } })
    await expectFault('/subprocessors/linode-eu.json?lang=en')

    // The log's index names the whole log's ETag and its own bytes' digest: both made to match.
    const logKey = `${prefix}/s0/changelog/eu/en.json`
    const log = await stored(logKey)
    const end = log.indexOf(0x0a)
    const index = JSON.parse(new TextDecoder().decode(log.subarray(0, end))) as {
      etag: string
      digest: string
      chunks: unknown[]
    }
    expect(index.chunks).toEqual([])
    const body = encoder.encode(new TextDecoder().decode(log.subarray(end + 1)).replace('"version":', '"Version":'))
    index.etag = index.digest = await etagOf(body)
    await putStored(env.REGISTRY, release, logKey, {
      value: new Uint8Array([...encoder.encode(`${JSON.stringify(index)}\n`), ...body]),
      metadata: { log: true },
    })
    await expectFault('/changes.json?region=eu&lang=en&since=0')
    await expectFault('/changes.json?region=eu&lang=en&since=2')
  })

  it('answers 503 for a removed representation, a removed manifest and a removed or altered tile', async () => {
    const release = await current()
    const { prefix } = release
    await putStored(env.REGISTRY, release, `${prefix}/s0/list/uk/de.json`, null)
    await expectFault('/subprocessors.json?region=uk&lang=de')
    await env.REGISTRY.delete(`${prefix}/manifest.json`)
    await expectFault('/versions/3/manifest')
    const tile = await env.REGISTRY.get('log/tile/0/000.p/3', 'arrayBuffer')
    const altered = new Uint8Array(tile!)
    altered[0]! ^= 1
    await env.REGISTRY.put('log/tile/0/000.p/3', altered, { metadata: { tile: true } })
    await expectFault('/versions/1/evidence')
    await env.REGISTRY.delete('log/tile/0/000.p/3')
    await expectFault('/versions/2/evidence')
  })
})

describe('the log only grows', () => {
  it("refuses to publish onto a log whose head is not the previous version's manifest", async () => {
    await publishThree()
    // The version table's record of version 2 now names another leaf.
    const row = await env.DB.prepare('SELECT release FROM versions WHERE version = 2').first<{ release: string }>()
    const release = JSON.parse(row!.release)
    release.evidence.leaf = b64(new Uint8Array(32))
    await env.DB.prepare('UPDATE versions SET release = ?1 WHERE version = 2').bind(JSON.stringify(release)).run()
    await expect(publish(updatedOn('2024-03-01'), at(3))).rejects.toThrow(
      new LogRefused(
        "The log's head is not version 3's manifest as its checkpoint signed it: the version table or the log was altered. Nothing was written.",
      ),
    )
    expect((await TARGET.versions.latest())!.version).toBe(3)
  })

  it('refuses a new key without a logged rotation, and follows one signed by the old key', async () => {
    await publish(fixtureData(), at(0))
    const next = { signer: await parseSignerKey(NEXT_SIGNER_KEY) }
    const withNext: PublishTarget = { ...TARGET, signing: next }
    await expect(publishTo(withNext, updatedOn('2024-01-15'), at(1))).rejects.toThrow(
      /^The signing key \(subprocessors\.example\.com\/liveagent\+8f921ae4\+.*\) is not the one that signed version 1/,
    )

    const rotating: PublishTarget = {
      ...TARGET,
      signing: { ...next, rotatingFrom: await parseSignerKey(TEST_SIGNER_KEY) },
    }
    await publishTo(rotating, updatedOn('2024-01-15'), at(1))
    forgetCachedReleases()
    const note = await fetchWorker('/log/checkpoint').then((res) => res.text())
    // Signed by both: a watcher that pinned the old key reads the rotation under its signature.
    const opened = await openNote(note, [
      await parseVerifierKey(TEST_VERIFIER_KEY),
      await parseVerifierKey(NEXT_VERIFIER_KEY),
    ])
    expect(opened.verifiedBy.map((key) => key.text)).toEqual([NEXT_VERIFIER_KEY, TEST_VERIFIER_KEY])
    expect(await fetchWorker('/versions/2/manifest').then((res) => res.json())).toMatchObject({
      signer: NEXT_VERIFIER_KEY,
      rotatedFrom: TEST_VERIFIER_KEY,
    })

    await publishTo(withNext, updatedOn('2024-02-20'), at(2))
    await expect(publish(updatedOn('2024-03-01'), at(3))).rejects.toThrow(LogRefused)
    forgetCachedReleases()
    const { size, root } = parseCheckpoint(
      (
        await openNote(await fetchWorker('/log/checkpoint').then((res) => res.text()), [
          await parseVerifierKey(NEXT_VERIFIER_KEY),
        ])
      ).text,
    )
    expect(size).toBe(3)
    const older = parseCheckpoint(opened.text)
    const tile = await bytesAt('/log/tile/0/000.p/3')
    const leaves = [0, 1, 2].map((i) => tile.subarray(i * 32, (i + 1) * 32))
    const { MerkleTree } = await import('../src/domain/merkle')
    const tree = await MerkleTree.fromLeafHashes(leaves)
    await expect(verifyConsistency(2, 3, await tree.consistencyProof(2, 3), older.root, root)).resolves.toBeUndefined()
  })

  it('completes a publish stopped after it took its number and before its tiles: the next run writes them', async () => {
    await publish(fixtureData(), at(0))
    const stopped: PublishTarget = {
      ...TARGET,
      write: async (records, onProgress) =>
        records.some(({ key }) => key.startsWith('log/tile/'))
          ? Promise.reject(new Error('killed'))
          : TARGET.write(records, onProgress),
    }
    await expect(publishTo(stopped, updatedOn('2024-01-15'), at(1))).rejects.toThrow('killed')
    expect(await env.REGISTRY.get('log/tile/0/000.p/2')).toBeNull()
    await publish(updatedOn('2024-01-15'), at(1))
    forgetCachedReleases()
    const { size, root } = await checkpoint()
    expect(size).toBe(2)
    const evidence = await fetchWorker('/versions/2/evidence').then((res) =>
      res.json<{ manifest: string; inclusionProof: string[] }>(),
    )
    await expect(
      verifyInclusion(
        await leafHash(new TextEncoder().encode(evidence.manifest)),
        1,
        2,
        evidence.inclusionProof.map(fromB64),
        root,
      ),
    ).resolves.toBeUndefined()
  })
})
