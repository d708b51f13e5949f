import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BUNDLE_MAX_BYTES, packBundle, unpackBundle } from '../../src/storage/bundle'
import { bundleOf, bundleSlot } from '../../src/storage/keys'

const encoder = new TextEncoder()
const release = { prefix: 'v7.abcdefgh' }

describe('bundles', () => {
  it('give back every value with its metadata, byte for byte', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(
          fc.record({
            // Any key, `__proto__` and numerals among them: the index keeps them as given, in order.
            key: fc.oneof(fc.string({ minLength: 1 }), fc.constantFrom('__proto__', '0', '10', 'constructor')),
            value: fc.uint8Array({ maxLength: 2048 }),
            metadata: fc.oneof(
              fc.record({ etag: fc.string() }),
              fc.constant({ packed: true as const }),
              fc.constant({ log: true as const }),
            ),
          }),
          { selector: (value) => value.key, maxLength: 20 },
        ),
        async (values) => {
          const unpacked = await unpackBundle(await packBundle(values))
          expect([...unpacked].map(([key, rest]) => ({ key, ...rest }))).toEqual(values)
        },
      ),
      { numRuns: 60 },
    )
  })

  it('compress what values share: 15 lists of the same rows take less than twice what one takes', async () => {
    // Rows of varied words, so that one list alone does not compress to nothing.
    let seed = 7
    const word = () => {
      seed = (seed * 48271) % 2147483647
      return seed.toString(36)
    }
    const rows = Array.from({ length: 150 }, (_, i) => ({
      id: `entry-${i}`,
      purpose: Array.from({ length: 6 }, word).join(' '),
    }))
    const list = (region: string) => encoder.encode(JSON.stringify({ region, rows }))
    const one = await packBundle([{ key: 'a', value: list('a'), metadata: { etag: '"a"' } }])
    const fifteen = await packBundle(
      Array.from({ length: 15 }, (_, i) => ({ key: `k${i}`, value: list(`r${i}`), metadata: { etag: `"${i}"` } })),
    )
    expect(one.byteLength).toBeGreaterThan(list('a').byteLength / 3)
    expect(fifteen.byteLength).toBeLessThan(2 * one.byteLength)
  })

  it.each([
    ['bytes that are not gzip', () => encoder.encode('[["a",0,1,{}]]\na')],
    [
      'a bundle cut short',
      async () =>
        (await packBundle([{ key: 'a', value: encoder.encode('hello world'), metadata: { etag: '"x"' } }])).slice(
          0,
          12,
        ),
    ],
  ])('refuse %s', async (_, bytes) => {
    await expect(unpackBundle(await bytes())).rejects.toThrow()
  })

  it('refuse an index that points past the end, and metadata that is not an object', async () => {
    const plain = async (text: string) => {
      const compressed = await new Response(
        new Blob([encoder.encode(text)]).stream().pipeThrough(new CompressionStream('gzip')),
      ).arrayBuffer()
      return new Uint8Array(compressed)
    }
    await expect(unpackBundle(await plain('[["a",0,10,{"etag":"x"}]]\nshort'))).rejects.toThrow('bundle ends before a')
    await expect(unpackBundle(await plain('[["a",0,1,null]]\nx'))).rejects.toThrow('bundle has no metadata for a')
    await expect(unpackBundle(await plain('[["a",-1,1,{}]]\nx'))).rejects.toThrow('bundle index is damaged at a')
    await expect(unpackBundle(await plain('no index line'))).rejects.toThrow('bundle has no index line')
    await expect(unpackBundle(await plain('{"a":[0,1,{}]}\nx'))).rejects.toThrow('bundle index is not a list')
  })

  it('refuse to decompress past their limit: a small bundle that inflates is not read whole', async () => {
    const zeros = new Uint8Array(4 * 1024 * 1024)
    const bomb = await packBundle([{ key: 'a', value: zeros, metadata: { etag: '"x"' } }])
    expect(bomb.byteLength).toBeLessThan(zeros.byteLength / 100)
    await expect(unpackBundle(bomb, 1024 * 1024)).rejects.toThrow(`a bundle of more than ${1024 * 1024} bytes`)
    expect((await unpackBundle(bomb)).get('a')!.value.byteLength).toBe(zeros.byteLength)
    expect(BUNDLE_MAX_BYTES).toBe(64 * 1024 * 1024)
  })
})

describe('where a value is bundled', () => {
  it.each([
    ['v7.abcdefgh/s0/list/eu/en.json', { group: 'en.json', path: 'list/eu/en.json' }],
    ['v7.abcdefgh/s2/scheduled/all/pt-BR.html', { group: 'pt-BR.html', path: 'scheduled/all/pt-BR.html' }],
    ['v7.abcdefgh/s1/changelog/uk/de.json', { group: 'de.json', path: 'changelog/uk/de.json' }],
    ['v7.abcdefgh/s0/changes/us/lv.jsonfeed', { group: 'lv.jsonfeed', path: 'changes/us/lv.jsonfeed' }],
    ['v7.abcdefgh/s0/entries/3', { group: 'entries', path: 'entries/3' }],
    ['v7.abcdefgh/doc/openapi.json', { group: 'doc', path: 'doc/openapi.json' }],
    ['v7.abcdefgh/versions/en.html', { group: 'en.html', path: 'versions/en.html' }],
    ['v7.abcdefgh/data.json', null],
    ['v7.abcdefgh/changes.json', null],
    ['v7.abcdefgh/history.json', null],
    ['v7.abcdefgh/log-chunks.json', null],
    ['v7.abcdefgh/manifest.json', null],
    ['v6.abcdefgh/s0/list/eu/en.json', null],
    ['logs/abc', null],
    ['release/current', null],
  ])('%s', (key, slot) => {
    expect(bundleSlot(release, key)).toEqual(slot)
  })

  it('puts every state of a path in one bundle, and reads key by key a release written before bundles', () => {
    const bundled = { ...release, bundles: { 'en.json': 3 } }
    const of = (state: number) => bundleOf(bundled, `v7.abcdefgh/s${state}/list/eu/en.json`)
    expect(of(0)).toMatch(/^v7\.abcdefgh\/bundle\/en\.json\/[012]$/)
    expect([of(1), of(2)]).toEqual([of(0), of(0)])
    expect(bundleOf(release, 'v7.abcdefgh/s0/list/eu/en.json')).toBeNull()
    expect(bundleOf(bundled, 'v7.abcdefgh/s0/list/eu/de.json')).toBeNull()
  })
})
