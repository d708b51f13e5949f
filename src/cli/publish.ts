/**
 * `npm run publish-data -- [--remote | --via-wrangler] [--dry-run] [--data DIR] [--persist-to DIR]`
 *
 * Validates data/, renders every representation, gives each its ETag and writes them to KV
 * under a new version, moving the "current" pointer last. Unchanged data writes nothing.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs, promisify } from 'node:util'
import { getPlatformProxy } from 'wrangler'
import type { Release } from '../domain/representation'
import { planRelease } from '../publish/publish'
import { type KvRecord, type RenderedRepresentation, readCurrentRelease, releaseRecords, writeRelease } from '../storage/writer'
import { loadDataOrExit } from './load-data'

const BINDING = 'REGISTRY'

const { values: options } = parseArgs({
  options: {
    data: { type: 'string', default: 'data' },
    config: { type: 'string', default: 'wrangler.toml' },
    'persist-to': { type: 'string' },
    remote: { type: 'boolean', default: false },
    'via-wrangler': { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
  },
})

interface Target {
  describe: string
  readCurrent(): Promise<Release | null>
  write(release: Release, rendered: RenderedRepresentation[], progress: (done: number, total: number) => void): Promise<void>
  dispose(): Promise<void>
}

/** Local KV through wrangler's own platform proxy: the same store `wrangler dev` serves from. */
async function localTarget(): Promise<Target> {
  const persistTo = options['persist-to']
  const proxy = await getPlatformProxy<Cloudflare.Env>({
    configPath: options.config,
    persist: persistTo ? { path: join(persistTo, 'v3') } : true,
    remoteBindings: false,
  })
  const kv = proxy.env[BINDING]
  return {
    describe: `local KV (${persistTo ?? '.wrangler/state'})`,
    readCurrent: () => readCurrentRelease(kv),
    write: (release, rendered, progress) => writeRelease(kv, release, rendered, progress),
    dispose: () => proxy.dispose(),
  }
}

/** KV through the wrangler CLI: `--remote` for the real namespace, or local storage to try the same path offline. */
function wranglerTarget(where: '--remote' | '--local'): Target {
  const run = (...args: string[]) =>
    promisify(execFile)(process.execPath, [join('node_modules', 'wrangler', 'bin', 'wrangler.js'), 'kv', ...args, '--binding', BINDING, where, '--config', options.config, ...(where === '--local' && options['persist-to'] ? ['--persist-to', options['persist-to']] : [])], {
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
    })
  const bulk = async (records: KvRecord[]) => {
    const dir = await mkdtemp(join(tmpdir(), 'registry-publish-'))
    try {
      const file = join(dir, 'bulk.json')
      const entries = records.map(({ key, value, metadata }) => ({
        key,
        value: Buffer.from(value).toString('base64'),
        base64: true,
        ...(metadata ? { metadata } : {}),
      }))
      await writeFile(file, JSON.stringify(entries))
      await run('bulk', 'put', file)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }
  return {
    describe: where === '--remote' ? 'the Cloudflare KV namespace bound as REGISTRY' : 'local KV, through the wrangler CLI',
    async readCurrent() {
      const { stdout } = await run('key', 'get', 'release/current', '--text')
      return stdout.trim().startsWith('{') ? (JSON.parse(stdout) as Release) : null
    },
    async write(release, rendered, progress) {
      const { version, pointer } = releaseRecords(release, rendered)
      const BATCH = 1000
      for (let i = 0; i < version.length; i += BATCH) {
        await bulk(version.slice(i, i + BATCH))
        progress(Math.min(i + BATCH, version.length), version.length)
      }
      await bulk([pointer])
    },
    dispose: async () => {},
  }
}

function formatBytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(2)} MiB`
}

/** Prints progress in tenths, for work big enough to make someone wait. */
function progress(label: string, minimum: number) {
  let shown = 0
  return (done: number, total: number) => {
    if (total < minimum || (done !== total && done - shown < total / 10)) return
    shown = done
    console.log(`  ${label} ${done}/${total}`)
  }
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(2)} s`

const started = performance.now()
const data = await loadDataOrExit(options.data)
const target = options.remote ? wranglerTarget('--remote') : options['via-wrangler'] ? wranglerTarget('--local') : await localTarget()
try {
  const current = await target.readCurrent()
  const outcome = await planRelease(current, data, new Date(), progress('rendered', 1000))
  console.log(`Rendered and hashed in ${seconds(started)}.`)
  const { release, representations } = outcome
  if (!outcome.changed) {
    console.log(`Unchanged: version ${release.version} in ${target.describe} already holds these bytes. Nothing written.`)
  } else {
    const groups = new Map<string, { count: number; bytes: number; formats: Map<string, number> }>()
    for (const { path, body } of representations) {
      const kind = { list: 'lists', entry: 'entries', doc: 'documents' }[path.slice(0, path.indexOf('/'))] ?? 'other'
      const format = path.slice(path.lastIndexOf('.') + 1)
      const group = groups.get(kind) ?? { count: 0, bytes: 0, formats: new Map() }
      group.count++
      group.bytes += body.byteLength
      group.formats.set(format, (group.formats.get(format) ?? 0) + body.byteLength)
      groups.set(kind, group)
    }
    console.log(`Version ${release.version} (previous: ${current ? current.version : 'none'}), published at ${release.publishedAt}`)
    console.log(`  ${release.representationCount} representations, ${formatBytes(release.totalBytes)} in all`)
    for (const [kind, { count, bytes, formats }] of groups) {
      const split = [...formats].map(([format, size]) => `${format} ${formatBytes(size)}`).join(', ')
      console.log(`  ${kind.padEnd(10)} ${String(count).padStart(6)}  ${formatBytes(bytes).padStart(10)}  (${split})`)
    }
    if (options['dry-run']) {
      console.log('Dry run: nothing written.')
    } else {
      const writing = performance.now()
      await target.write(release, representations, progress('written', 100))
      console.log(`Written in ${seconds(writing)}.`)
      console.log(`Published version ${release.version} to ${target.describe}; the current pointer now names it.`)
    }
  }
  console.log(`Done in ${seconds(started)}.`)
} finally {
  await target.dispose()
}
