/**
 * The built Worker, served by Miniflare directly on its own port (wrangler's dev proxy would cap
 * throughput and measure itself), over local KV seeded by the project's real publish command.
 * Shared by the benchmark and the system tests.
 */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createServer } from 'node:net'
import { gzipSync } from 'node:zlib'
import { Miniflare, type WorkerOptions } from 'miniflare'
import { unstable_readConfig } from 'wrangler'
import type { ChangeRecord } from '../../src/domain/change'
import { readChunkedList } from '../../src/storage/lists'
import { TEST_SIGNER_KEY } from './keys'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** The tests' dataset (test/fixtures/data): data/ as it stood, fixed so that editing data/ changes no test. */
export const FIXTURE_DATA = join(ROOT, 'test', 'fixtures', 'data')
// Every publish signs with the tests' own key, so that a history built once can be published on again.
const OFFLINE = {
  ...process.env,
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_SEND_METRICS: 'false',
  REGISTRY_SIGNING_KEY: TEST_SIGNER_KEY,
}
const run = promisify(execFile)

export function node(script: string, args: string[]) {
  return run(process.execPath, [script, ...args], { cwd: ROOT, env: OFFLINE, maxBuffer: 64 * 1024 * 1024 })
}

/** A port nothing listens on now, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await new Promise((done) => server.once('listening', done))
  const { port } = server.address() as { port: number }
  await new Promise((done) => server.close(done))
  return port
}

/** A TypeScript script, as the npm scripts run it: one Node process with tsx's loader (the tsx command would start two). */
export function tsx(script: string, args: string[]) {
  return run(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: OFFLINE,
    maxBuffer: 64 * 1024 * 1024,
  })
}

/** The Worker bundle exactly as `wrangler deploy` would upload it, and its gzip size. */
export async function bundleWorker(
  outdir: string,
): Promise<{ scriptPath: string; gzipBytes: number; wranglerReport: string }> {
  const { stdout } = await node(join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js'), [
    'deploy',
    '--dry-run',
    '--outdir',
    outdir,
  ])
  const scriptPath = join(outdir, 'index.js')
  return {
    scriptPath,
    gzipBytes: gzipSync(await readFile(scriptPath)).byteLength,
    wranglerReport: stdout.match(/Total Upload:.*/)?.[0] ?? '',
  }
}

/** The witness Worker bundle, as `wrangler deploy --config src/witness/wrangler.toml` would upload it. */
export async function bundleWitness(outdir: string): Promise<string> {
  await node(join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js'), [
    'deploy',
    '--dry-run',
    '--config',
    join(ROOT, 'src', 'witness', 'wrangler.toml'),
    '--outdir',
    outdir,
  ])
  return join(outdir, 'index.js')
}

/** Runs `npm run publish-data` against a local state folder; returns its output and wall time. */
export async function publishData(
  dataDir: string,
  persistTo: string,
  extra: string[] = [],
): Promise<{ seconds: number; stdout: string }> {
  const started = performance.now()
  const { stdout } = await node(join(ROOT, 'src', 'cli', 'run.mjs'), [
    'publish',
    '--data',
    dataDir,
    '--persist-to',
    persistTo,
    ...extra,
  ])
  return { seconds: (performance.now() - started) / 1000, stdout }
}

/** `wrangler d1 migrations apply DB --local`, as `npm start` runs it, into a local state folder. */
export async function applyMigrations(persistTo: string): Promise<void> {
  await node(join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js'), [
    'd1',
    'migrations',
    'apply',
    'DB',
    '--local',
    '--persist-to',
    persistTo,
  ])
}

interface QueueConsumerConfig {
  queue: string
  max_batch_size?: number
  max_batch_timeout?: number
  max_retries?: number
  dead_letter_queue?: string
  retry_delay?: number
}

/** The bindings wrangler.toml gives the Worker, as Miniflare options: KV, D1, the queues and the vars. */
function registryConfig() {
  const config = unstable_readConfig({ config: join(ROOT, 'wrangler.toml') })
  const namespace = config.kv_namespaces.find((kv: { binding: string; id?: string }) => kv.binding === 'REGISTRY')
  if (!namespace?.id) throw new Error('wrangler.toml binds no REGISTRY namespace')
  const database = config.d1_databases.find((d1: { binding: string; database_id?: string }) => d1.binding === 'DB')
  if (!database?.database_id) throw new Error('wrangler.toml binds no DB database')
  return {
    compatibilityDate: config.compatibility_date!,
    namespaceId: namespace.id,
    databaseId: database.database_id,
    queueProducers: Object.fromEntries(
      (config.queues.producers ?? []).map((p: { binding: string; queue: string }) => [
        p.binding,
        { queueName: p.queue },
      ]),
    ),
    queueConsumers: Object.fromEntries(
      (config.queues.consumers ?? []).map((c: QueueConsumerConfig) => [
        c.queue,
        {
          maxBatchSize: c.max_batch_size,
          maxBatchTimeout: c.max_batch_timeout,
          maxRetries: c.max_retries,
          deadLetterQueue: c.dead_letter_queue,
          retryDelay: c.retry_delay,
        },
      ]),
    ),
    vars: config.vars as Record<string, string>,
  }
}

/**
 * Starts Miniflare with the registry Worker first (it answers every request no route claims)
 * and any other Workers beside it, all on one port and one KV store. `bindings` add to and
 * override wrangler.toml's vars, as `.dev.vars` and `--var` do.
 */
export async function serveRegistry(options: {
  scriptPath: string
  persistTo: string
  port?: number
  others?: WorkerOptions[]
  bindings?: Record<string, string>
}) {
  const { compatibilityDate, namespaceId, databaseId, queueProducers, queueConsumers, vars } = registryConfig()
  const kvNamespaces = { REGISTRY: namespaceId }
  const mf = new Miniflare({
    host: '127.0.0.1',
    port: options.port ?? 0,
    kvPersist: join(options.persistTo, 'v3', 'kv'),
    d1Persist: join(options.persistTo, 'v3', 'd1'),
    workers: [
      {
        name: 'registry',
        modules: true,
        scriptPath: options.scriptPath,
        modulesRoot: dirname(options.scriptPath),
        compatibilityDate,
        kvNamespaces,
        d1Databases: { DB: databaseId },
        queueProducers,
        queueConsumers,
        bindings: { ...vars, ...options.bindings },
      },
      ...(options.others ?? []).map((worker) => ({ compatibilityDate, kvNamespaces, ...worker }) as WorkerOptions),
    ],
  })
  const url = await mf.ready
  return { mf, url: url.toString().replace(/\/$/, '') }
}

/** Every change record a version holds, read from its KV as the Worker reads it: the index, then its blocks. */
export async function storedChangeRecords(
  kv: { get(key: string, type: 'text'): Promise<string | null> },
  prefix: string,
): Promise<ChangeRecord[]> {
  const index = JSON.parse((await kv.get(`${prefix}/changes.json`, 'text'))!)
  return readChunkedList<ChangeRecord>(index, async (key) => {
    const text = await kv.get(key, 'text')
    return text === null ? null : new TextEncoder().encode(text)
  })
}

/** Waits until the registry at `url` serves `version`: an isolate rechecks the pointer every 5 s. */
export async function servedVersion(url: string, version: number): Promise<void> {
  for (let tries = 0; ; tries++) {
    const res = await fetch(`${url}/log/checkpoint`)
    if (res.ok && (await res.text()).split('\n')[1] === String(version)) return
    if (tries > 100) throw new Error(`version ${version} never became current`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
