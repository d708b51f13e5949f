/**
 * Local KV and D1 exactly where `wrangler dev` keeps them, opened with Miniflare alone: the
 * bindings' ids and the migrations folder come from wrangler.toml, Miniflare names the stores
 * from those ids as wrangler's proxy does, and migrations are recorded as wrangler records them. Loading wrangler costs about 3 s per run here and
 * Miniflare about 1 s, which is most of what a publish on a long history takes.
 */
import { readdir, readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { createRequire } from 'node:module'
import { parse } from 'smol-toml'

// Node's own require, not an import: through tsx's ESM hooks Miniflare took 1.2 s to load here,
// through require 0.7 s; wrangler, loaded only for a pending migration, gains likewise.
const nodeRequire = createRequire(import.meta.url)

/** A dependency loaded without reading its source map: Miniflare's took 0.3 s to parse, for stack traces we never show. */
function require(name: string): unknown {
  const enabled = process.sourceMapsEnabled
  process.setSourceMapsEnabled(false)
  try {
    return nodeRequire(name)
  } finally {
    process.setSourceMapsEnabled(enabled)
  }
}

export interface LocalStores {
  kv: KVNamespace
  db: D1Database
  /** The migrations in the configured folder that the database has not applied, oldest first. */
  pendingMigrations(): Promise<string[]>
  /**
   * Applies the pending migrations as wrangler and the Workers test pool do: each file's statements
   * (split by wrangler's own splitter) and its row in the migrations table, in one batch. Returns their names.
   */
  applyMigrations(): Promise<string[]>
  dispose(): Promise<void>
}

interface WranglerToml {
  compatibility_date?: string
  kv_namespaces?: { binding: string; id?: string }[]
  d1_databases?: { binding: string; database_id?: string; migrations_dir?: string; migrations_table?: string }[]
}

/** The D1 migrations a database lacks, and applying them as `wrangler d1 migrations apply` does, in its table. */
function d1Migrations(d1: D1Database, dir: string, table: string) {
  const pendingMigrations = async () => {
    const files = (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort()
    const applied = await d1
      .prepare(`SELECT name FROM ${table}`)
      .all<{ name: string }>()
      .then(({ results }) => new Set(results.map(({ name }) => name)))
      .catch((error: unknown) => {
        // A database no migration has touched has no table of them yet.
        if (/no such table/i.test(String(error))) return new Set<string>()
        throw error
      })
    return files.filter((name) => !applied.has(name))
  }
  return {
    pendingMigrations,
    async applyMigrations() {
      const pending = await pendingMigrations()
      if (pending.length === 0) return []
      // Loaded only when a migration is pending: loading wrangler costs seconds.
      const { unstable_splitSqlQuery } = require('wrangler') as typeof import('wrangler')
      await d1
        .prepare(
          `CREATE TABLE IF NOT EXISTS ${table} (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)`,
        )
        .run()
      for (const name of pending) {
        const statements = unstable_splitSqlQuery(await readFile(join(dir, name), 'utf8'))
        await d1.batch([
          ...statements.map((sql) => d1.prepare(sql)),
          d1.prepare(`INSERT INTO ${table} (name) VALUES (?)`).bind(name),
        ])
      }
      return pending
    },
  }
}

/**
 * Opens the stores of `persistTo` (wrangler's `--persist-to`; by default `.wrangler/state`).
 * Bindings without an id in the configuration are refused: wrangler would name their stores otherwise.
 */
export async function openLocalStores(
  configPath: string,
  bindings: { kv: string; d1: string },
  persistTo = join(dirname(configPath), '.wrangler', 'state'),
): Promise<LocalStores> {
  const config = parse(await readFile(configPath, 'utf8')) as WranglerToml
  const namespace = config.kv_namespaces?.find(({ binding }) => binding === bindings.kv)?.id
  const database = config.d1_databases?.find(({ binding }) => binding === bindings.d1)
  if (!namespace) throw new Error(`${configPath} binds no KV namespace "${bindings.kv}" with an id`)
  if (!database?.database_id) throw new Error(`${configPath} binds no D1 database "${bindings.d1}" with a database_id`)
  const stores = join(persistTo, 'v3')
  const { Miniflare } = require('miniflare') as typeof import('miniflare')
  const miniflare = new Miniflare({
    modules: true,
    script: 'export default {}',
    compatibilityDate: config.compatibility_date,
    kvNamespaces: { [bindings.kv]: namespace },
    d1Databases: { [bindings.d1]: database.database_id },
    kvPersist: join(stores, 'kv'),
    d1Persist: join(stores, 'd1'),
  })
  const kv = await miniflare.getKVNamespace(bindings.kv)
  const db = await miniflare.getD1Database(bindings.d1)
  const d1 = db as unknown as D1Database
  const migrations = d1Migrations(
    d1,
    join(dirname(configPath), database.migrations_dir ?? 'migrations'),
    database.migrations_table ?? 'd1_migrations',
  )
  return {
    kv: kv as unknown as KVNamespace,
    db: d1,
    ...migrations,
    dispose: () => miniflare.dispose(),
  }
}
