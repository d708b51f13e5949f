/**
 * `npm run publish-data -- [--remote | --via-wrangler] [--dry-run] [--data DIR] [--persist-to DIR]
 *                          [--signing-key FILE] [--rotate-from FILE] [--origin URL]`
 *
 * Validates data/, computes the typed change set against the current version (refusing changes
 * announced with less notice than promised), renders every representation of every state, gives
 * each its ETag and writes them to KV under the next version's own prefix, with the version's
 * manifest. Then it takes the version number in D1, where only one publish can, with the signed
 * checkpoint of the log that now includes the manifest, writes the log's tiles and moves the
 * pointer. Unchanged data writes nothing.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs, promisify } from 'node:util'
import { gzip } from 'node:zlib'
import type { ChangeRecord } from '../domain/change'
import type { Release } from '../domain/representation'
import type { LogSigning } from '../publish/evidence'
import type { PublishTarget } from '../publish/publish'
import type { CosignatureTable } from '../storage/cosignatures'
import type { KvRecord } from '../storage/writer'
import { localReceiptKey } from './dev-vars'
import { openLocalStores } from './local-stores'
import { publicOrigin } from './public-origin'

const KV_BINDING = 'REGISTRY'
const D1_BINDING = 'DB'

const { values: options } = parseArgs({
  options: {
    data: { type: 'string', default: 'data' },
    config: { type: 'string', default: 'wrangler.toml' },
    'persist-to': { type: 'string' },
    remote: { type: 'boolean', default: false },
    'via-wrangler': { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
    'signing-key': { type: 'string' },
    'rotate-from': { type: 'string' },
    // The verifier key of the Worker's RECEIPT_SIGNING_KEY, for data whose receiptKey is null.
    'receipt-key': { type: 'string' },
    // Where readers fetch the registry; feeds link absolutely from it. Default: locally npm start's, remotely PUBLIC_ORIGIN.
    origin: { type: 'string' },
  },
})

// workerd boots for the local stores while the publisher's own modules load.
const opening =
  options.remote || options['via-wrangler']
    ? null
    : openLocalStores(options.config, { kv: KV_BINDING, d1: D1_BINDING }, options['persist-to'])
opening?.catch(() => {})
const [
  { parseSignerKey },
  { NoticeViolations },
  { LogRefused, withReceiptKey, withVerifierKey },
  { latestVersion, pendingObjections, planRelease, readLatest, writePlan },
  {
    commitValues,
    d1Versions,
    HOLDER_SQL,
    INSERT_SQL,
    insertValues,
    LATEST_SQL,
    LEAVES_SQL,
    leavesOf,
    ObjectionsTaken,
    parseClaimed,
    VersionTaken,
  },
  { COMMIT_OBJECTION_SQL, PENDING_OBJECTIONS_SQL },
  { bindingAccess },
  { loadDataOrExit },
  { loadSigningKey },
  { d1Cosignatures, INSERT_COSIGNATURE_SQL, COSIGNATURES_OF_SQL, LAST_COSIGNED_SQL, toStored },
  { collectCosignatures },
  { MerkleTree },
  { fromBase64 },
  { cosignedCheckpointKey },
] = await Promise.all([
  import('../domain/signed-note'),
  import('../publish/input/changes'),
  import('../publish/evidence'),
  import('../publish/publish'),
  import('../storage/arbiter'),
  import('../storage/objections'),
  import('../storage/writer'),
  import('./load-data'),
  import('./signing-key'),
  import('../storage/cosignatures'),
  import('../witnessing/collect'),
  import('../domain/merkle'),
  import('../../client/src/bytes'),
  import('../storage/keys'),
])

const OFFLINE = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' }
const where = options.remote ? '--remote' : '--local'
const persistence = !options.remote && options['persist-to'] ? ['--persist-to', options['persist-to']] : []

function wrangler(...args: string[]) {
  return promisify(execFile)(
    process.execPath,
    [join('node_modules', 'wrangler', 'bin', 'wrangler.js'), ...args, '--config', options.config],
    { maxBuffer: 64 * 1024 * 1024, env: OFFLINE },
  )
}

// Node's zlib on its thread pool: bundles compress side by side, without web streams' cost per chunk.
const gzipAsync = promisify(gzip)
// A copy of its own: a Buffer may be a view into a shared pool, which Miniflare's proxy refuses to send.
const nodeGzip = async (parts: Uint8Array[]) => new Uint8Array(await gzipAsync(Buffer.concat(parts)))

interface Target extends PublishTarget {
  /** Where witnesses' cosignatures are recorded. */
  cosignatures: CosignatureTable
  describe: string
  dispose(): Promise<void>
}

/**
 * Local KV and D1: the same stores `wrangler dev` serves from, with any pending D1 migration
 * applied first, recorded in the table `wrangler d1 migrations apply` keeps.
 */
async function localTarget(): Promise<Target> {
  const persistTo = options['persist-to']
  const stores = await opening!
  const applied = await stores.applyMigrations()
  if (applied.length) console.log(`Applied the D1 migrations ${applied.join(', ')}.`)
  return {
    describe: `local KV and D1 (${persistTo ?? '.wrangler/state'})`,
    ...bindingAccess(stores.kv),
    compress: nodeGzip,
    versions: d1Versions(stores.db),
    cosignatures: d1Cosignatures(stores.db),
    signing,
    origin,
    dispose: () => stores.dispose(),
  }
}

/** An SQL literal, for statements sent through `wrangler d1 execute`, which takes no parameters. */
function literal(value: string | number | null): string {
  if (value === null) return 'NULL'
  return typeof value === 'number' ? String(value) : `'${value.replaceAll("'", "''")}'`
}

/** Runs `use` with a file holding `contents`, in a folder of its own that is removed afterwards. */
async function withTempFile<T>(
  name: string,
  contents: string | Uint8Array,
  use: (file: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'registry-publish-'))
  try {
    const file = join(dir, name)
    await writeFile(file, contents)
    return await use(file)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

const wranglerKv = (...args: string[]) => wrangler('kv', ...args, '--binding', KV_BINDING, where, ...persistence)

async function wranglerSql(statement: string) {
  const { stdout } = await withTempFile('statement.sql', statement, (file) =>
    wrangler('d1', 'execute', D1_BINDING, where, ...persistence, '--file', file, '--json', '--yes'),
  )
  return JSON.parse(stdout) as { results: Record<string, unknown>[] }[]
}

const wranglerBulk = (verb: 'put' | 'delete', entries: unknown[]) =>
  withTempFile('bulk.json', JSON.stringify(entries), (file) =>
    wranglerKv('bulk', verb, file, ...(verb === 'delete' ? ['--force'] : [])),
  )

/** The version table through `wrangler d1 execute`, which takes no parameters: values go in as literals. */
const wranglerVersions: PublishTarget['versions'] = {
  async latest() {
    const [result] = await wranglerSql(LATEST_SQL)
    const row = result?.results[0] as { release?: string } | undefined
    return row?.release ? parseClaimed(row.release) : null
  },
  async insert(release, objections = []) {
    const bind = (statement: string, values: readonly (string | number | null)[]) =>
      statement.replace(/\?(\d)/g, (_, n: string) => literal(values[Number(n) - 1]!))
    const values = insertValues(release)
    const statements = [
      bind(INSERT_SQL, values),
      bind(HOLDER_SQL, values),
      ...objections.map((objection) => bind(COMMIT_OBJECTION_SQL, commitValues(release, objection))),
    ]
    const [, holder] = await wranglerSql(`${statements.join(';\n')};`)
    return (holder?.results[0] as { prefix?: string } | undefined)?.prefix === release.prefix
  },
  async leaves() {
    const [result] = await wranglerSql(LEAVES_SQL)
    return leavesOf(result?.results ?? [])
  },
  async pendingObjections() {
    const [result] = await wranglerSql(PENDING_OBJECTIONS_SQL)
    return (result?.results ?? []).map((row) => String(row.digest))
  },
}

/** The cosignature table through `wrangler d1 execute`, values as literals. */
const wranglerCosignatures: CosignatureTable = {
  async add(size, cosignatures) {
    const bind = (statement: string, values: (string | number)[]) =>
      statement.replace(/\?(\d)/g, (_, n: string) => literal(values[Number(n) - 1]!))
    const statements = [
      ...cosignatures.map(({ witness, line, time }) => bind(INSERT_COSIGNATURE_SQL, [size, witness, line, time])),
      bind(COSIGNATURES_OF_SQL, [size]),
    ]
    const results = await wranglerSql(`${statements.join(';\n')};`)
    return toStored(results.at(-1)?.results ?? [])
  },
  async lastCosigned() {
    const [result] = await wranglerSql(LAST_COSIGNED_SQL)
    return new Map((result?.results ?? []).map((row) => [String(row.witness), Number(row.size)]))
  },
}

/** KV and D1 through the wrangler CLI: `--remote` for the real account, or local storage to try the same path offline. */
async function wranglerTarget(): Promise<Target> {
  await wrangler('d1', 'migrations', 'apply', D1_BINDING, where, ...persistence)
  const BATCH = 1000
  // Local storage is one SQLite file per store: two wrangler processes at once find it locked.
  let queue: Promise<unknown> = Promise.resolve()
  const oneAtATime = <T>(run: () => Promise<T>): Promise<T> => {
    const next = queue.then(run, run)
    queue = next.catch(() => {})
    return next
  }
  return {
    describe: options.remote
      ? 'the Cloudflare KV namespace and D1 database bound as REGISTRY and DB'
      : 'local KV and D1, through the wrangler CLI',
    signing,
    origin,
    compress: nodeGzip,
    read: (key) =>
      oneAtATime(async () => {
        try {
          const { stdout } = await wranglerKv('key', 'get', key, '--text')
          return stdout
        } catch (error) {
          if (/not found/i.test(String((error as { stderr?: string }).stderr ?? error))) return null
          throw error
        }
      }),
    async write(all: KvRecord[], progress) {
      // Wrangler's local bulk put decodes base64 into UTF-8 text, which corrupts a gzip bundle: those go one by one, from a file.
      const binary = options.remote ? [] : all.filter(({ metadata }) => metadata && 'bundle' in metadata)
      for (const { key, value, metadata } of binary)
        await withTempFile('value', value, (file) =>
          wranglerKv('key', 'put', key, '--path', file, '--metadata', JSON.stringify(metadata)),
        )
      const records = all.filter((record) => !binary.includes(record))
      for (let i = 0; i < records.length; i += BATCH) {
        const entries = records.slice(i, i + BATCH).map(({ key, value, metadata }) => ({
          key,
          value: Buffer.from(value).toString('base64'),
          base64: true,
          ...(metadata ? { metadata } : {}),
        }))
        await wranglerBulk('put', entries)
        progress?.(binary.length + Math.min(i + BATCH, records.length), all.length)
      }
    },
    async remove(keys) {
      for (let i = 0; i < keys.length; i += BATCH) await wranglerBulk('delete', keys.slice(i, i + BATCH))
    },
    versions: wranglerVersions,
    cosignatures: wranglerCosignatures,
    dispose: async () => {},
  }
}

function formatBytes(bytes: number): string {
  return bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${(bytes / 1024 / 1024).toFixed(2)} MiB`
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
const day = (iso: string) => iso.slice(0, 10)

/** One line per change: what, which entry, and when, with the objection deadline where there is one. */
/**
 * A record as it will be signed: its kind, entry, dates and id, then its summary in the source
 * language and in English (or the default language), the ones a privacy team reads before it publishes.
 */
function describeChange(change: ChangeRecord, version: number, languages: string[]): string {
  const name = change.name ?? '(no name in the source)'
  const said = languages
    .filter((lang, i) => languages.indexOf(lang) === i && change.summary[lang])
    .map((lang) => `\n              ${lang}: ${change.summary[lang]}`)
    .join('')
  const id = `\n              id: ${change.id}`
  if (change.withdrawnIn === version)
    return `  withdrawn ${change.type.padEnd(9)} ${change.entry.padEnd(24)} ${name}, announced in version ${change.announcedIn} for ${day(change.effectiveAt)}${id}`
  const fields = change.fields.length ? ` [${change.fields.map(({ field }) => field).join(', ')}]` : ''
  const when =
    change.effectiveAt === change.announcedAt
      ? `takes effect now (${day(change.effectiveAt)})`
      : `takes effect ${day(change.effectiveAt)}`
  const objections = change.objectionDeadline ? `, objections until ${day(change.objectionDeadline)}` : ''
  const shortNotice = change.shortNotice ? `, shorter notice (${change.shortNotice.kind})` : ''
  const amendment = change.amendments.find((a) => a.version === version)
  if (amendment)
    return `  amended   ${change.entry.padEnd(24)} ${name}, the ${change.type === 'added' ? 'addition' : change.type === 'removed' ? 'removal' : 'change'} announced in version ${change.announcedIn}: ${amendment.changed.join(', ')}${amendment.material ? ' (needs the full notice from now)' : ''}; ${when}${objections}${id}${said}`
  return `  ${change.type.padEnd(9)} ${change.entry.padEnd(24)} ${name}${fields}: ${when}${objections}${shortNotice}${id}${said}`
}

/**
 * Submits the current checkpoint to the witnesses the release names, and says who cosigned. A
 * witness that does not answer never fails the publish: the Worker's cron asks again.
 */
async function askWitnesses(release: Release | undefined): Promise<void> {
  const evidence = release?.evidence
  if (!evidence?.witnesses) return
  const leaves = (await target.versions.leaves()).map((leaf) => fromBase64(leaf) ?? new Uint8Array(32))
  const tree = await MerkleTree.fromLeafHashes(leaves)
  const report = await collectCosignatures(evidence, {
    cosignatures: target.cosignatures,
    write: target.write,
    fetch,
    proof: (old) => tree.consistencyProof(old, tree.size),
    served: async () => (await target.read(cosignedCheckpointKey(tree.size))) ?? '',
  })
  if (!report) return
  const when = (time: number) => new Date(time * 1000).toISOString()
  console.log(
    `Witnesses of checkpoint ${report.size}: ${report.cosigned.length ? report.cosigned.map((c) => `${c.name} cosigned at ${when(c.time)}`).join(', ') : 'none has cosigned yet'}.`,
  )
  for (const { name, reason } of report.failed) console.log(`  ${name} did not cosign: ${reason}`)
  console.log(
    report.met
      ? `  The witness policy's quorum is met.`
      : `  The witness policy's quorum is not met yet: the version is published, and the Worker's cron submits the checkpoint again every minute until it is.`,
  )
}

const started = performance.now()
const loaded = await loadDataOrExit(options.data)
// Before the key: what a remote publish would sign in for good is checked first.
const origin = await publicOrigin(options.origin, options.config, {
  remote: options.remote,
  logName: loaded.registry.evidence.origin,
})
const signing: LogSigning = {
  signer: await loadSigningKey({
    file: options['signing-key'],
    remote: options.remote,
    origin: loaded.registry.evidence.origin,
  }),
  ...(options['rotate-from']
    ? { rotatingFrom: await parseSignerKey(await readFile(options['rotate-from'], 'utf8')) }
    : {}),
}
const pinned = withVerifierKey(loaded, signing, options.remote)
if (pinned.warning) console.log(pinned.warning)
// Data that leaves its receipt key to the deployment: the one given, else, for the local store `npm start`
// serves (.wrangler/state), the one it put in .dev.vars.
const givenReceiptKey =
  options['receipt-key'] ??
  (process.env.RECEIPT_VERIFIER_KEY || undefined) ??
  (pinned.data.registry.evidence.receiptKey === null && !options.remote && !options['persist-to']
    ? await localReceiptKey()
    : undefined)
const receipts = (() => {
  try {
    return withReceiptKey(pinned.data, givenReceiptKey, options.remote)
  } catch (error) {
    console.error((error as Error).message)
    process.exit(1)
  }
})()
if (receipts.warning) console.log(receipts.warning)
const { data } = receipts
// The version table's schema, as `wrangler d1 migrations apply` keeps it: nothing to set up by hand.
const chosen = options.remote || options['via-wrangler'] ? await wranglerTarget() : await localTarget()
// What a publish costs the account: each KV value written counts against the plan's daily writes.
const written = { values: 0, bytes: 0 }
const target: typeof chosen = {
  ...chosen,
  write: (records, onProgress) => {
    written.values += records.length
    for (const { value } of records)
      written.bytes += typeof value === 'string' ? Buffer.byteLength(value) : value.byteLength
    return chosen.write(records, onProgress)
  },
}
try {
  // A dry run writes nothing, not even the pointer of a publish that stopped short.
  const previous = options['dry-run'] ? await readLatest(target) : await latestVersion(target)
  const pending = await pendingObjections(target, data)
  const plan = await planRelease(previous, data, new Date(), target.origin, progress('rendered', 1000), pending)
  console.log(`Rendered and hashed in ${seconds(started)}.`)
  const { release, representations } = plan
  if (!plan.changed) {
    console.log(
      `Unchanged: version ${release.version} in ${target.describe} already holds these bytes. Nothing written.`,
    )
  } else {
    const groups = new Map<string, { count: number; bytes: number; formats: Map<string, number> }>()
    for (const { path, body } of representations) {
      const kind =
        {
          list: 'lists',
          scheduled: 'lists',
          entry: 'entries',
          doc: 'documents',
          changes: 'changes',
          changelog: 'changes',
          versions: 'documents',
        }[path.slice(0, path.indexOf('/'))] ?? 'other'
      const format = path.slice(path.lastIndexOf('.') + 1)
      const group = groups.get(kind) ?? { count: 0, bytes: 0, formats: new Map() }
      group.count++
      group.bytes += body.byteLength
      group.formats.set(format, (group.formats.get(format) ?? 0) + body.byteLength)
      groups.set(kind, group)
    }
    console.log(
      `Version ${release.version} (previous: ${previous ? previous.release.version : 'none'}), published at ${release.publishedAt}`,
    )
    if (pending)
      console.log(
        `  commits to the ${pending} objection${pending === 1 ? '' : 's'} received since the version before${plan.newChanges.length ? '' : ', with no change to the list'}`,
      )
    if (release.states.length > 1)
      console.log(
        `  ${release.states.length} states: from ${release.states.map((start) => new Date(start).toISOString()).join(', ')}`,
      )
    console.log(`  ${release.representationCount} representations, ${formatBytes(release.totalBytes)} in all`)
    for (const [kind, { count, bytes, formats }] of groups) {
      const split = [...formats].map(([format, size]) => `${format} ${formatBytes(size)}`).join(', ')
      console.log(`  ${kind.padEnd(10)} ${String(count).padStart(6)}  ${formatBytes(bytes).padStart(10)}  (${split})`)
    }
    const stored = new Set(plan.storedLogChunks)
    const fresh = [...plan.logChunks].filter(([key]) => !stored.has(key))
    if (plan.logChunks.size)
      console.log(
        `  log chunks ${String(plan.logChunks.size).padStart(4)}  ${fresh.length} new, ${formatBytes(fresh.reduce((sum, [, value]) => sum + value.byteLength, 0))}${previous ? `; the rest shared with version ${previous.release.version}` : ''}`,
      )
  }
  if (plan.newChanges.length) {
    console.log(
      `Changes in version ${plan.changed ? release.version : release.version + 1}${previous ? ` against version ${previous.release.version}` : ''}:`,
    )
    const { source, defaultLanguage, languages } = data.registry
    const english = languages.includes('en') ? 'en' : defaultLanguage
    for (const change of plan.newChanges)
      console.log(
        describeChange(change, plan.changed ? release.version : release.version + 1, [source.language, english]),
      )
  } else if (previous) {
    console.log('No changes to the list of sub-processors.')
  }
  if (plan.changed) {
    if (options['dry-run']) {
      console.log('Dry run: nothing written.')
    } else {
      const writing = performance.now()
      // Asked before the pointer moves, so that readers never meet the new checkpoint without its witnesses.
      await writePlan(target, plan, progress('written', 1000), askWitnesses)
      console.log(`Written in ${seconds(writing)}: ${written.values} KV values, ${formatBytes(written.bytes)}.`)
      console.log(`Published version ${release.version} to ${target.describe}; the current pointer now names it.`)
    }
  }
  // A version published while its witnesses were down: asking again is all a publish of the same data does.
  if (!options['dry-run'] && !plan.changed) await askWitnesses(previous?.release)
  console.log(`Done in ${seconds(started)}.`)
} catch (error) {
  if (
    error instanceof NoticeViolations ||
    error instanceof VersionTaken ||
    error instanceof ObjectionsTaken ||
    error instanceof LogRefused
  ) {
    console.error(error.message)
    process.exitCode = 1
  } else {
    throw error
  }
} finally {
  await target.dispose()
}
