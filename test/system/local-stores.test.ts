// The local stores the CLIs open (src/cli/local-stores.ts): KV and D1 reached through a Worker of
// their own. What they write is checked through Miniflare's own bindings on the same folder, the
// way `wrangler dev` opens it, so that a value or row the publisher writes is the one readers get.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LocalStores, openLocalStores } from '../../src/cli/local-stores'
import { ROOT } from '../support/harness'

let work: string
let stores: LocalStores

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'registry-local-stores-'))
  stores = await openLocalStores(join(ROOT, 'wrangler.toml'), { kv: 'REGISTRY', d1: 'DB' }, work)
})
afterAll(async () => {
  await stores?.dispose()
  await rm(work, { recursive: true, force: true })
})

/** The same folder through Miniflare's own bindings, with the ids wrangler.toml gives. */
async function openedByMiniflare<T>(use: (kv: KVNamespace, db: D1Database) => Promise<T>): Promise<T> {
  const { unstable_readConfig } = await import('wrangler')
  const config = unstable_readConfig({ config: join(ROOT, 'wrangler.toml') })
  const miniflare = new Miniflare({
    modules: true,
    script: 'export default {}',
    kvNamespaces: { REGISTRY: config.kv_namespaces[0]!.id! },
    d1Databases: { DB: config.d1_databases[0]!.database_id! },
    kvPersist: join(work, 'v3', 'kv'),
    d1Persist: join(work, 'v3', 'd1'),
  })
  try {
    return await use(
      (await miniflare.getKVNamespace('REGISTRY')) as unknown as KVNamespace,
      (await miniflare.getD1Database('DB')) as unknown as D1Database,
    )
  } finally {
    await miniflare.dispose()
  }
}

describe('KV', () => {
  it('keeps every byte of a binary value and its metadata', async () => {
    const bytes = Uint8Array.from({ length: 512 }, (_, i) => (i * 7) % 256)
    await stores.kv.put('v1/bundle/en.json/0', bytes, { metadata: { bundle: true } })
    expect(new Uint8Array((await stores.kv.get('v1/bundle/en.json/0', 'arrayBuffer'))!)).toEqual(bytes)
    const stored = await openedByMiniflare((kv) => kv.getWithMetadata('v1/bundle/en.json/0', 'arrayBuffer'))
    expect(new Uint8Array(stored.value!)).toEqual(bytes)
    expect(stored.metadata).toEqual({ bundle: true })
  })

  it('reads text as UTF-8, a missing key as null, and deletes', async () => {
    await stores.kv.put('a key/with ?&= and ā', 'Sub-apstrādātāji ✓')
    expect(await stores.kv.get('a key/with ?&= and ā', 'text')).toBe('Sub-apstrādātāji ✓')
    expect(await stores.kv.get('nothing here', 'text')).toBeNull()
    await stores.kv.delete('a key/with ?&= and ā')
    expect(await stores.kv.get('a key/with ?&= and ā', 'text')).toBeNull()
  })
})

describe('D1', () => {
  it('runs, binds, batches and reads rows as the binding gives them', async () => {
    const created = await stores.db.prepare('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)').run()
    expect(created.success).toBe(true)
    const inserted = await stores.db.prepare('INSERT INTO notes (text) VALUES (?1)').bind('first').run()
    expect(inserted.meta.changes).toBe(1)
    const [, both] = await stores.db.batch([
      stores.db.prepare('INSERT INTO notes (text) VALUES (?1)').bind(null),
      stores.db.prepare('SELECT id, text FROM notes ORDER BY id'),
    ])
    expect(both!.results).toEqual([
      { id: 1, text: 'first' },
      { id: 2, text: null },
    ])
    expect(await stores.db.prepare('SELECT text FROM notes WHERE id = ?1').bind(1).first()).toEqual({ text: 'first' })
    expect(await stores.db.prepare('SELECT text FROM notes WHERE id = ?1').bind(9).first()).toBeNull()
    const rows = await openedByMiniflare((_, db) =>
      db.prepare('SELECT COUNT(*) AS n FROM notes').first<{ n: number }>(),
    )
    expect(rows).toEqual({ n: 2 })
  })

  it("rejects with the database's own error", async () => {
    await expect(stores.db.prepare('SELECT * FROM no_such_table').all()).rejects.toThrow(/no such table: no_such_table/)
  })

  it('refuses a value D1 cannot take through JSON before sending it', () => {
    expect(() => stores.db.prepare('SELECT ?1').bind(new Uint8Array(1))).toThrow(
      'the local D1 binding takes strings, numbers, booleans and null; got object',
    )
  })
})
