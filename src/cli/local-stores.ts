/**
 * Local KV and D1 exactly where `wrangler dev` keeps them, opened with Miniflare alone: the
 * bindings' ids and the migrations folder come from wrangler.toml, Miniflare names the stores
 * from those ids as wrangler's proxy does, and migrations are recorded as wrangler records them.
 * The operations run inside workerd, on the real bindings, through a small Worker of the stores'
 * own. Loading wrangler costs about 3 s per run here and Miniflare about 0.4 s, much of what a
 * publish on a long history takes.
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
    script: storesWorker(bindings),
    compatibilityDate: config.compatibility_date,
    kvNamespaces: { [bindings.kv]: namespace },
    d1Databases: { [bindings.d1]: database.database_id },
    kvPersist: join(stores, 'kv'),
    d1Persist: join(stores, 'd1'),
    // The publisher uses no Cache API; without it workerd starts sooner.
    cache: false,
  })
  const call = (path: string, init?: RequestInit) =>
    miniflare.dispatchFetch(`http://stores${path}`, init as never) as unknown as Promise<Response>
  const d1 = fetchedDatabase(call)
  const migrations = d1Migrations(
    d1,
    join(dirname(configPath), database.migrations_dir ?? 'migrations'),
    database.migrations_table ?? 'd1_migrations',
  )
  return {
    kv: fetchedNamespace(call),
    db: d1,
    ...migrations,
    dispose: () => miniflare.dispose(),
  }
}

/**
 * The stores are reached through a Worker of their own, one KV or D1 operation per request, run by
 * workerd on the real bindings. Miniflare's binding proxy does the same through a thread of
 * synchronous requests, whose start (about 0.2 s) every publish waited for.
 */
function storesWorker(bindings: { kv: string; d1: string }): string {
  return `const KV = ${JSON.stringify(bindings.kv)}, DB = ${JSON.stringify(bindings.d1)}
export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    try {
      if (url.pathname === '/kv') {
        const key = url.searchParams.get('key')
        if (request.method === 'GET') {
          const value = await env[KV].get(key, 'stream')
          return new Response(value, { status: value === null ? 404 : 200 })
        }
        if (request.method === 'PUT') {
          const metadata = request.headers.get('kv-metadata')
          await env[KV].put(key, await request.arrayBuffer(), metadata ? { metadata: JSON.parse(metadata) } : {})
        } else await env[KV].delete(key)
        return new Response(null, { status: 204 })
      }
      const { statements, batch } = await request.json()
      const prepared = statements.map(({ sql, params }) => env[DB].prepare(sql).bind(...params))
      return Response.json(batch ? await env[DB].batch(prepared) : await prepared[0][statements[0].method]())
    } catch (error) {
      return Response.json({ error: String(error?.message ?? error) }, { status: 500 })
    }
  },
}`
}

type Call = (path: string, init?: RequestInit) => Promise<Response>

/** A failed operation's error, as the binding threw it inside workerd. */
async function failure(response: Response): Promise<Error> {
  const { error } = (await response.json().catch(() => ({}))) as { error?: string }
  return new Error(error ?? `the local stores answered ${response.status}`)
}

/** The KV methods the publisher and the CLIs use: get, put (with metadata) and delete. */
function fetchedNamespace(call: Call): KVNamespace {
  const at = (key: string) => `/kv?key=${encodeURIComponent(key)}`
  const namespace = {
    async get(key: string, type: 'text' | 'json' | 'arrayBuffer' | 'stream' = 'text') {
      const response = await call(at(key))
      if (response.status === 404) return null
      if (!response.ok) throw await failure(response)
      return type === 'stream' ? response.body : response[type]()
    },
    async put(key: string, value: string | ArrayBuffer | ArrayBufferView, options?: { metadata?: unknown }) {
      const headers: Record<string, string> = options?.metadata
        ? { 'kv-metadata': JSON.stringify(options.metadata) }
        : {}
      const response = await call(at(key), { method: 'PUT', body: value as BodyInit, headers })
      if (!response.ok) throw await failure(response)
    },
    async delete(key: string) {
      const response = await call(at(key), { method: 'DELETE' })
      if (!response.ok) throw await failure(response)
    },
  }
  return namespace as unknown as KVNamespace
}

type Param = string | number | boolean | null

/** D1's prepare, bind, all, first, run and batch, each statement run by the binding itself. */
function fetchedDatabase(call: Call): D1Database {
  const run = async (statements: { sql: string; params: Param[]; method?: string }[], batch: boolean) => {
    const response = await call('/d1', { method: 'POST', body: JSON.stringify({ statements, batch }) })
    if (!response.ok) throw await failure(response)
    return response.json()
  }
  const statement = (sql: string, params: Param[]) => ({
    sql,
    params,
    bind: (...values: unknown[]) => {
      for (const value of values)
        if (value !== null && !['string', 'number', 'boolean'].includes(typeof value))
          throw new TypeError(`the local D1 binding takes strings, numbers, booleans and null; got ${typeof value}`)
      return statement(sql, values as Param[])
    },
    all: () => run([{ sql, params, method: 'all' }], false),
    first: () => run([{ sql, params, method: 'first' }], false),
    run: () => run([{ sql, params, method: 'run' }], false),
  })
  const database = {
    prepare: (sql: string) => statement(sql, []),
    batch: (statements: ReturnType<typeof statement>[]) =>
      run(
        statements.map(({ sql, params }) => ({ sql, params })),
        true,
      ),
  }
  return database as unknown as D1Database
}
