import { describe, expect, it } from 'vitest'
import { listedDigests, listingKey, MANIFEST_FORMAT } from '../../src/domain/evidence'
import {
  MerkleTree,
  leafHash,
  parseTilePath,
  tilePath,
  tilesOf,
  verifyConsistency,
  verifyInclusion,
} from '../../src/domain/merkle'
import { EMPTY_RANGE, extend, rootOf } from '../../client/src/log/compact'
import { entryViewAt } from '../../src/domain/representation'
import {
  formatCheckpoint,
  generateKey,
  NoteError,
  openNote,
  parseCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  signNote,
} from '../../src/domain/signed-note'

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
const bytes = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (h) => parseInt(h, 16))

// RFC 6962's test leaves, as Certificate Transparency's reference tests use them, and their roots.
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f']
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
]
const INCLUSION: [number, number, string[]][] = [
  [
    0,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    5,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    1,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
  [0, 1, []],
]
const CONSISTENCY: [number, number, string[]][] = [
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [
    2,
    5,
    [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
  [
    3,
    7,
    [
      '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
      '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
      'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
      '837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e',
    ],
  ],
  [4, 4, []],
]

const tree = async () => MerkleTree.fromLeafHashes(await Promise.all(LEAVES.map((leaf) => leafHash(bytes(leaf)))))

describe('the Merkle tree of RFC 6962', () => {
  it.each(ROOTS.map((root, i) => [i + 1, root] as const))(
    'has the published root for the first %i leaves',
    async (size, root) => {
      expect(hex(await (await tree()).root(size))).toBe(root)
    },
  )

  it('hashes the empty tree as SHA-256 of nothing', async () => {
    expect(hex(await (await MerkleTree.fromLeafHashes([])).root())).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    )
  })

  it.each(INCLUSION)(
    'proves leaf %i in a tree of %i with the published path, and the path verifies',
    async (index, size, path) => {
      const t = await tree()
      const proof = await t.inclusionProof(index, size)
      expect(proof.map(hex)).toEqual(path)
      await expect(
        verifyInclusion(await leafHash(bytes(LEAVES[index]!)), index, size, proof, bytes(ROOTS[size - 1]!)),
      ).resolves.toBeUndefined()
    },
  )

  it.each(CONSISTENCY)(
    'proves the tree of %i consistent with the tree of %i with the published proof, and it verifies',
    async (older, newer, path) => {
      const t = await tree()
      const proof = await t.consistencyProof(older, newer)
      expect(proof.map(hex)).toEqual(path)
      await expect(
        verifyConsistency(older, newer, proof, bytes(ROOTS[older - 1]!), bytes(ROOTS[newer - 1]!)),
      ).resolves.toBeUndefined()
    },
  )

  it('refuses an inclusion proof for another leaf, another index, another root or a changed step', async () => {
    const t = await tree()
    const proof = await t.inclusionProof(5, 8)
    const leaf = await leafHash(bytes(LEAVES[5]!))
    const root = bytes(ROOTS[7]!)
    const refused = 'the proof leads to another root than the signed root'
    await expect(verifyInclusion(await leafHash(bytes('ff')), 5, 8, proof, root)).rejects.toThrow(refused)
    await expect(verifyInclusion(leaf, 4, 8, proof, root)).rejects.toThrow(refused)
    await expect(verifyInclusion(leaf, 5, 8, proof, bytes(ROOTS[6]!))).rejects.toThrow(refused)
    await expect(verifyInclusion(leaf, 5, 8, [proof[0]!, proof[2]!, proof[1]!], root)).rejects.toThrow(refused)
    // The length is checked before anything is hashed.
    await expect(verifyInclusion(leaf, 5, 8, proof.slice(0, 2), root)).rejects.toThrow(
      'the inclusion proof has 2 hashes; a leaf 5 of 8 needs 3',
    )
    await expect(verifyInclusion(leaf, 8, 8, proof, root)).rejects.toThrow('there is no leaf 8 in a tree of 8')
    await expect(verifyInclusion(leaf, 5, 8, [proof[0]!, proof[1]!, bytes('ff')], root)).rejects.toThrow(
      'the inclusion proof holds a hash that is not 32 bytes',
    )
  })

  it('refuses a consistency proof against a rewritten history', async () => {
    const t = await tree()
    const proof = await t.consistencyProof(6, 8)
    await expect(verifyConsistency(6, 8, proof, bytes(ROOTS[4]!), bytes(ROOTS[7]!))).rejects.toThrow(
      'the proof leads to another root than the older root',
    )
    await expect(verifyConsistency(6, 8, proof, bytes(ROOTS[5]!), bytes(ROOTS[6]!))).rejects.toThrow(
      'the proof leads to another root than the newer root',
    )
    await expect(verifyConsistency(5, 8, proof, bytes(ROOTS[4]!), bytes(ROOTS[7]!))).rejects.toThrow(
      'the consistency proof has 3 hashes; from 5 to 8 needs 4',
    )
    await expect(verifyConsistency(8, 6, proof, bytes(ROOTS[7]!), bytes(ROOTS[5]!))).rejects.toThrow(
      'the newer tree (6) is smaller than the older (8)',
    )
    await expect(verifyConsistency(0, 8, proof, bytes(ROOTS[0]!), bytes(ROOTS[7]!))).rejects.toThrow(
      'a proof from the empty tree must be empty',
    )
    await expect(verifyConsistency(8, 8, [], bytes(ROOTS[7]!), bytes(ROOTS[7]!))).resolves.toBeUndefined()
  })

  it('agrees with itself on every pair of sizes up to 40 leaves', async () => {
    const leaves = await Promise.all(Array.from({ length: 40 }, (_, i) => leafHash(new Uint8Array([i]))))
    const t = await MerkleTree.fromLeafHashes(leaves)
    for (let newer = 1; newer <= 40; newer++) {
      const root = await t.root(newer)
      expect(hex(root)).toBe(hex(await (await MerkleTree.fromLeafHashes(leaves.slice(0, newer))).root()))
      // The right edge a witness keeps gives the same root, whatever the sizes it grew by.
      expect(
        hex(
          await rootOf(
            await extend(await extend(EMPTY_RANGE, leaves.slice(0, newer >> 1)), leaves.slice(newer >> 1, newer)),
          ),
        ),
      ).toBe(hex(root))
      for (let index = 0; index < newer; index++)
        await verifyInclusion(leaves[index]!, index, newer, await t.inclusionProof(index, newer), root)
      for (let older = 1; older <= newer; older++)
        await verifyConsistency(older, newer, await t.consistencyProof(older, newer), await t.root(older), root)
    }
  })
})

describe('C2SP tlog-tiles', () => {
  it.each<[number, number, number, string]>([
    [0, 0, 256, '0/000'],
    [0, 1, 3, '0/001.p/3'],
    [1, 1234067, 256, '1/x001/x234/067'],
    [2, 1000, 10, '2/x001/000.p/10'],
  ])('names the tile at level %i, index %i, width %i: %s', (level, index, width, path) => {
    expect(tilePath(level, index, width)).toBe(path)
    expect(parseTilePath(path)).toEqual({ level, index, width })
  })

  it.each(['0/1', '0/0000', '0/000.p/256', '0/000.p/0', '0/x000', '00/000', '0/000.p/07', '-1/000'])(
    'reads %s as no tile',
    (path) => {
      expect(parseTilePath(path)).toBeNull()
    },
  )

  it('stores 300 leaves as a full tile, a partial tile of 44, and one level-1 hash: the root of the first 256', async () => {
    const leaves = await Promise.all(
      Array.from({ length: 300 }, (_, i) => leafHash(new Uint8Array([i & 0xff, i >> 8]))),
    )
    const t = await MerkleTree.fromLeafHashes(leaves)
    const tiles = tilesOf(t)
    expect(tiles.map(({ level, index, width }) => tilePath(level, index, width))).toEqual([
      '0/000',
      '0/001.p/44',
      '1/000.p/1',
    ])
    expect(hex(tiles[2]!.bytes)).toBe(hex(await t.rangeHash(0, 256)))
    expect(tiles[1]!.bytes.byteLength).toBe(44 * 32)
  })
})

// The example of golang.org/x/mod/sumdb/note, as Go signs and opens it.
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
const SIGNER = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'
const VERIFIER = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'
const SIGNED = `${TEXT}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`

describe('C2SP signed notes', () => {
  it("signs Go's example note byte for byte as Go does", async () => {
    expect(await signNote(TEXT, [await parseSignerKey(SIGNER)])).toBe(SIGNED)
  })

  it('derives the verifier key from the signer key', async () => {
    expect((await parseSignerKey(SIGNER)).verifier.text).toBe(VERIFIER)
  })

  it("opens Go's example note with its verifier key", async () => {
    const opened = await openNote(SIGNED, [await parseVerifierKey(VERIFIER)])
    expect(opened.text).toBe(TEXT)
    expect(opened.verifiedBy.map((key) => key.text)).toEqual([VERIFIER])
  })

  it.each<[string, string, string]>([
    [
      'a changed text',
      SIGNED.replace('cryptography', 'cryptographY'),
      'the signature by PeterNeumann+c74f20a3 does not verify',
    ],
    [
      'no signature by a known key',
      SIGNED.replace('PeterNeumann', 'EnochRoot'),
      'no signature by a known key (signed by EnochRoot+c74f20a3)',
    ],
    ['no signatures', `${TEXT}`, 'not a signed note: no blank line before the signatures'],
    [
      'a signature line without the dash',
      SIGNED.replace('\u2014', '-'),
      'not a signed note: a signature line does not start with "— "',
    ],
  ])('refuses %s', async (_, note, message) => {
    await expect(openNote(note, [await parseVerifierKey(VERIFIER)])).rejects.toThrow(new NoteError(message))
  })

  it.each([
    [
      'PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
      "the verifier key's id does not match its name and key",
    ],
    ['PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==', 'not an Ed25519 verifier key'],
    [
      'Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
      'not a verifier key: expected name+keyid+base64key',
    ],
  ])('refuses the verifier key %s', async (key, message) => {
    await expect(parseVerifierKey(key)).rejects.toThrow(message)
  })

  it('generates keys that sign notes their verifier opens, and no other verifier does', async () => {
    const mine = await generateKey('registry.example/log')
    const other = await generateKey('registry.example/log')
    const note = await signNote('registry.example/log\n3\nAAAA\n', [await parseSignerKey(mine.signer)])
    expect((await openNote(note, [await parseVerifierKey(mine.verifier)])).verifiedBy).toHaveLength(1)
    await expect(openNote(note, [await parseVerifierKey(other.verifier)])).rejects.toThrow(NoteError)
  })
})

describe('C2SP tlog-checkpoint', () => {
  const root = bytes(ROOTS[7]!)
  it('writes origin, size and base64 root on three lines, and reads them back', () => {
    const text = formatCheckpoint({ origin: 'registry.example/log', size: 8, root, extensions: [] })
    expect(text).toBe('registry.example/log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n')
    expect(parseCheckpoint(text)).toEqual({ origin: 'registry.example/log', size: 8, root, extensions: [] })
  })

  it.each([
    ['two lines', 'registry.example/log\n8\n'],
    ['a size that is not a number', 'registry.example/log\n08\nXcnaeacGWamtVZy3Ad7Zoqudgjqt/L0lgz+Nw7/RgQyg=\n'],
    ['a short root', 'registry.example/log\n8\nAAAA\n'],
  ])('refuses %s', (_, text) => {
    expect(() => parseCheckpoint(text)).toThrow(NoteError)
  })
})

describe('what a manifest lists, as the Worker checks loaded values against it', () => {
  const listing = (url: string, sha256: string, extra: object = {}) => ({
    url,
    kind: 'list',
    type: 'application/json',
    sha256,
    ...extra,
  })
  const manifest = {
    format: MANIFEST_FORMAT,
    states: [
      {
        from: '2026-11-20T10:00:00.000Z',
        until: '2026-12-20T00:00:00.000Z',
        representations: [listing('/a', 'A0'), listing('/a', 'S0', { scheduled: true })],
      },
      { from: '2026-12-20T00:00:00.000Z', until: null, representations: [listing('/a', 'A1')] },
    ],
    representations: [listing('/versions.json?lang=en', 'V')],
  }

  it.each([
    [0, '/a', false, 'A0'],
    [0, '/a', true, 'S0'],
    [1, '/a', false, 'A1'],
    [1, '/a', true, undefined],
    [null, '/versions.json?lang=en', false, 'V'],
    [0, '/versions.json?lang=en', false, undefined],
    [null, '/a', false, undefined],
  ] as const)('state %s, %s, scheduled %s: %s', (state, url, scheduled, sha256) => {
    expect(listedDigests(manifest).get(listingKey(state, url, scheduled))).toBe(sha256)
  })

  it.each([null, 'text', {}, { ...manifest, format: 'subprocessor-registry-manifest/2' }, { ...manifest, states: {} }])(
    'refuses what is not a manifest: %j',
    (value) => {
      expect(() => listedDigests(value)).toThrow('not a manifest')
    },
  )

  it.each([
    ['entry/linode-eu/en.json', { kind: 'entry', id: 'linode-eu', lang: 'en', format: 'json' }],
    ['entry/linode-eu/pt-BR.csv', { kind: 'entry', id: 'linode-eu', lang: 'pt-BR', format: 'csv' }],
    ['entry/linode-eu/en.atom', null],
    ['entry/a/b/en.json', null],
    ['list/eu/en.json', null],
  ] as const)('reads the entry stored at %s', (path, view) => {
    expect(entryViewAt(path)).toEqual(view)
  })
})
