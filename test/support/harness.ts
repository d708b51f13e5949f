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
import { gzipSync } from 'node:zlib'
import { Miniflare, type WorkerOptions } from 'miniflare'
import { unstable_readConfig } from 'wrangler'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const OFFLINE = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' }
const run = promisify(execFile)

export function node(script: string, args: string[]) {
  return run(process.execPath, [script, ...args], { cwd: ROOT, env: OFFLINE, maxBuffer: 64 * 1024 * 1024 })
}

export function tsx(script: string, args: string[]) {
  return node(join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), [script, ...args])
}

/** The Worker bundle exactly as `wrangler deploy` would upload it, and its gzip size. */
export async function bundleWorker(outdir: string): Promise<{ scriptPath: string; gzipBytes: number; wranglerReport: string }> {
  const { stdout } = await node(join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js'), ['deploy', '--dry-run', '--outdir', outdir])
  const scriptPath = join(outdir, 'index.js')
  return { scriptPath, gzipBytes: gzipSync(await readFile(scriptPath)).byteLength, wranglerReport: stdout.match(/Total Upload:.*/)?.[0] ?? '' }
}

/** Runs `npm run publish-data` against a local state folder; returns its output and wall time. */
export async function publishData(dataDir: string, persistTo: string, extra: string[] = []): Promise<{ seconds: number; stdout: string }> {
  const started = performance.now()
  const { stdout } = await tsx(join(ROOT, 'src', 'cli', 'publish.ts'), ['--data', dataDir, '--persist-to', persistTo, ...extra])
  return { seconds: (performance.now() - started) / 1000, stdout }
}

function registryConfig() {
  const config = unstable_readConfig({ config: join(ROOT, 'wrangler.toml') })
  const namespace = config.kv_namespaces.find((kv: { binding: string; id?: string }) => kv.binding === 'REGISTRY')
  if (!namespace?.id) throw new Error('wrangler.toml binds no REGISTRY namespace')
  return { compatibilityDate: config.compatibility_date!, namespaceId: namespace.id }
}

/**
 * Starts Miniflare with the registry Worker first (it answers every request no route claims)
 * and any other Workers beside it, all on one port and one KV store.
 */
export async function serveRegistry(options: { scriptPath: string; persistTo: string; port?: number; others?: WorkerOptions[] }) {
  const { compatibilityDate, namespaceId } = registryConfig()
  const kvNamespaces = { REGISTRY: namespaceId }
  const mf = new Miniflare({
    host: '127.0.0.1',
    port: options.port ?? 0,
    kvPersist: join(options.persistTo, 'v3', 'kv'),
    workers: [
      { name: 'registry', modules: true, scriptPath: options.scriptPath, modulesRoot: dirname(options.scriptPath), compatibilityDate, kvNamespaces },
      ...(options.others ?? []).map((worker) => ({ compatibilityDate, kvNamespaces, ...worker }) as WorkerOptions),
    ],
  })
  const url = await mf.ready
  return { mf, url: url.toString().replace(/\/$/, '') }
}
