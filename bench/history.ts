/**
 * A registry with a long synthetic history, for the benchmark: version 1 is data/ as it is, and
 * every later version, published a simulated week after the one before, makes one change of the
 * kinds the registry logs. One in ten announces a plainly synthetic addition 31 days ahead, one
 * in ten removes the oldest one in force, and the rest reword one's purpose; once an announcement
 * takes effect, it moves into subprocessors.json, as an operator would move it. The list in force
 * stays about the same size however long the history, so that only the history differs from a
 * registry with one version.
 *
 * Every version is published by the real planner and writer into local KV and D1, as `npm run
 * publish-data` would, with the simulated day as its publish time. Building 1,000 versions takes
 * minutes, so the result is kept under .wrangler/bench-history/ and reused while the storage code,
 * data/ and the history's own rules are the same.
 *
 * `tsx bench/history.ts <versions>` builds (or finds) one and prints where it is.
 */
import { createHash } from 'node:crypto'
import type { VersionWrites } from './cases'
import { existsSync } from 'node:fs'
import { copyFile, cp, link, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { getPlatformProxy } from 'wrangler'
import { loadData } from '../src/cli/load-data'
import { parseSignerKey } from '../src/domain/signed-note'
import { withVerifierKey } from '../src/publish/evidence'
import { planRelease, type PublishTarget, readLatest, writePlan } from '../src/publish/publish'
import type { Announcement, RegistryData, SubprocessorEntry } from '../src/publish/input/schema'
import { d1Versions } from '../src/storage/arbiter'
import { bindingAccess } from '../src/storage/writer'
import { applyMigrations, ROOT } from '../test/support/harness'
import { TEST_SIGNER_KEY } from '../test/support/keys'

/** Where the bench's wrangler dev serves: the feeds link from it. */
const ORIGIN = 'http://127.0.0.1:8787'
const DAY_MS = 24 * 60 * 60 * 1000
const NOTICE_DAYS = 31
// A week apart, with an addition announced 31 days ahead every tenth version: one pending about
// half the time, each a state of its own.
const STEP_MS = 7 * DAY_MS

/** Plainly synthetic: never a fact about the real list. */
function historyEntry(version: number, languages: readonly string[]): SubprocessorEntry {
  const text = (lv: string, en: string) => Object.fromEntries(languages.map((lang) => [lang, lang === 'lv' ? lv : en]))
  return {
    id: `history-${version}`,
    name: `Synthetic History Processor ${version}, s.r.o.`,
    category: 'service',
    purpose: text(
      `Sintētisks apakšapstrādātājs ${version} vēstures testiem.`,
      `Synthetic sub-processor ${version} for history tests.`,
    ),
    location: { countries: ['DE'], text: text('Vācija', 'Germany') },
    regions: version % 2 === 0 ? ['eu', 'uk'] : ['us'],
    assurances: [],
  }
}

/** The list in force and the announcements still to come: an operator folds every announced addition that has taken effect into the list. */
function folded(data: RegistryData, now: number): { entries: SubprocessorEntry[]; announcements: Announcement[] } {
  let entries = data.subprocessors.subprocessors
  const announcements: Announcement[] = []
  for (const announcement of data.announcements) {
    if (announcement.add && (announcement.effective === undefined || Date.parse(announcement.effective) <= now))
      entries = [...entries, announcement.add]
    else announcements.push(announcement)
  }
  return { entries, announcements }
}

/** The data of version `version`, given the data of the version before it, published at `now`. */
export function nextData(previous: RegistryData, version: number, now: number): RegistryData {
  const languages = previous.registry.languages
  const text = (lv: string, en: string) => Object.fromEntries(languages.map((lang) => [lang, lang === 'lv' ? lv : en]))
  let { entries, announcements } = folded(previous, now)
  const inForce = entries.filter((entry) => entry.id.startsWith('history-'))
  if (inForce.length === 0) {
    // The first synthetic entry, at once: an addition without notice needs its reason.
    const shortNotice = {
      kind: 'urgent' as const,
      reason: text('Sintētiska vēsture slodzes testiem.', 'A synthetic history for load tests.'),
    }
    announcements = [...announcements, { add: historyEntry(version, languages), shortNotice }]
  } else if (version % 10 === 2) {
    const effective = new Date(now + NOTICE_DAYS * DAY_MS).toISOString().slice(0, 10)
    announcements = [...announcements, { add: historyEntry(version, languages), effective }]
  } else if (version % 10 === 7 && inForce.length > 1) {
    entries = entries.filter((entry) => entry.id !== inForce[0]!.id)
  } else {
    const target = inForce[inForce.length - 1]!
    const purpose = Object.fromEntries(
      Object.entries(target.purpose).map(([lang, text]) => [
        lang,
        `${text.replace(/ \(rev\. \d+\)$/, '')} (rev. ${version})`,
      ]),
    )
    entries = entries.map((entry) => (entry.id === target.id ? { ...entry, purpose } : entry))
  }
  return { ...previous, subprocessors: { ...previous.subprocessors, subprocessors: entries }, announcements }
}

/**
 * A digest of what decides whether a built history can still be served: the storage layout and
 * the release record (src/storage and src/domain, apart from the request-side modules that only
 * read them), data/, and the functions here that make each version's data. Whitespace is left
 * out, so that formatting the tree keeps a history; a change to a renderer alone leaves the old
 * bytes a valid history to measure.
 */
const REQUEST_SIDE = new Set([
  'src/storage/reader.ts',
  'src/storage/blob-cache.ts',
  'src/domain/negotiation.ts',
  'src/domain/selection.ts',
  'src/domain/conditional.ts',
  'src/domain/caching.ts',
  'src/domain/errors.ts',
])

async function sourceDigest(): Promise<string> {
  const hash = createHash('sha256')
  const walk = async (dir: string) => {
    for (const item of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, item.name)
      const name = relative(ROOT, path)
      if (item.isDirectory()) await walk(path)
      else if (!REQUEST_SIDE.has(name)) hash.update(name).update((await readFile(path, 'utf8')).replace(/\s+/g, ''))
    }
  }
  for (const dir of ['src/storage', 'src/domain', 'data']) await walk(join(ROOT, dir))
  hash.update(JSON.stringify({ NOTICE_DAYS, STEP_MS }))
  for (const rule of [historyEntry, folded, nextData]) hash.update(String(rule).replace(/\s+/g, ''))
  return hash.digest('hex').slice(0, 12)
}

async function writeDataDir(data: RegistryData, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  await cp(join(ROOT, 'data'), dir, { recursive: true })
  await writeFile(join(dir, 'subprocessors.json'), JSON.stringify(data.subprocessors, null, 2))
  await writeFile(join(dir, 'announcements.json'), JSON.stringify({ announcements: data.announcements }, null, 2))
}

/** Where a history of this length, made by the code as it is, is kept. */
export async function historyDir(versions: number): Promise<string> {
  return join(ROOT, '.wrangler', 'bench-history', `${versions}-${await sourceDigest()}`)
}

export interface BuiltHistory {
  /** Local state (KV and D1) with every version, the last current. */
  persistTo: string
  /** The last version's data/, which a one-version registry can be published from to compare. */
  dataDir: string
  /** The simulated publish time of the last version, in ms. */
  lastPublishedAt: number
  /** Seconds it took to build, or 0 when it was found already built. */
  buildSeconds: number
  /** Bytes of local storage (KV values and the SQLite files) after versions 99, 100, 499, 500 and the last two. */
  storageBytes: Record<number, number>
  /** What each version's publish wrote to KV, by version: values put, and their bytes. */
  writes: Record<number, VersionWrites>
}

export type { VersionWrites } from './cases'

/** The bytes of every file under a folder: what local storage holds. */
export async function folderBytes(dir: string): Promise<number> {
  let total = 0
  for (const item of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, item.name)
    total += item.isDirectory() ? await folderBytes(path) : (await stat(path)).size
  }
  return total
}

/** Builds (or finds) a registry with `versions` versions, the last published a week ago. */
export async function historyRegistry(
  versions: number,
  onProgress?: (version: number, seconds: number) => void,
): Promise<BuiltHistory> {
  const base = await historyDir(versions)
  const persistTo = join(base, 'state')
  const dataDir = join(base, 'data')
  const done = join(base, 'built.json')
  if (existsSync(done))
    return {
      ...(JSON.parse(await readFile(done, 'utf8')) as {
        lastPublishedAt: number
        storageBytes: Record<number, number>
        writes: Record<number, VersionWrites>
      }),
      persistTo,
      dataDir,
      buildSeconds: 0,
    }

  // What an unfinished or outdated build of this length left.
  const kept = join(ROOT, '.wrangler', 'bench-history')
  for (const name of await readdir(kept).catch(() => []))
    if (name.startsWith(`${versions}-`)) await rm(join(kept, name), { recursive: true, force: true })
  const loaded = await loadData(join(ROOT, 'data'))
  if (!loaded.ok) throw new Error('data/ does not validate; run npm run validate')
  await applyMigrations(persistTo)
  const proxy = await getPlatformProxy<Cloudflare.Env>({
    configPath: join(ROOT, 'wrangler.toml'),
    persist: { path: join(persistTo, 'v3') },
    remoteBindings: false,
  })
  const started = performance.now()
  // The last version a week ago, so that the history is all in the past.
  const first = Math.floor((Date.now() - versions * STEP_MS) / 1000) * 1000
  let data = loaded.data
  let lastPublishedAt = first
  const storageBytes: Record<number, number> = {}
  const writes: Record<number, VersionWrites> = {}
  let tally: VersionWrites = { values: 0, bytes: 0 }
  try {
    const signing = { signer: await parseSignerKey(TEST_SIGNER_KEY) }
    const access = bindingAccess(proxy.env.REGISTRY)
    const target: PublishTarget = {
      ...access,
      // Every put the publish makes, counted as the Workers plans count writes.
      write: (records, onProgress) => {
        tally.values += records.length
        for (const { value } of records)
          tally.bytes += typeof value === 'string' ? Buffer.byteLength(value) : value.byteLength
        return access.write(records, onProgress)
      },
      versions: d1Versions(proxy.env.DB),
      signing,
      origin: ORIGIN,
    }
    data = withVerifierKey(data, signing, false).data
    for (let version = 1; version <= versions; version++) {
      const now = first + (version - 1) * STEP_MS
      if (version > 1) data = nextData(data, version, now)
      const previous = await readLatest(target)
      const versionStarted = performance.now()
      tally = { values: 0, bytes: 0 }
      const plan = await planRelease(previous, data, new Date(now), ORIGIN)
      if (!plan.changed || plan.release.version !== version)
        throw new Error(`version ${version} published as ${plan.release.version}, changed: ${plan.changed}`)
      await writePlan(target, plan)
      writes[version] = tally
      lastPublishedAt = now
      onProgress?.(version, (performance.now() - versionStarted) / 1000)
      // Storage in all, and what one version adds to it: measured either side of versions 100, 500 and the last.
      if ([99, 100, 499, 500, versions - 1, versions].includes(version))
        storageBytes[version] = await folderBytes(persistTo)
    }
  } finally {
    await proxy.dispose()
  }
  await writeDataDir(data, dataDir)
  const check = await loadData(dataDir)
  if (!check.ok)
    throw new Error(`the last version's data does not validate: ${JSON.stringify(check.problems.slice(0, 3))}`)
  await writeFile(done, JSON.stringify({ lastPublishedAt, storageBytes, writes }))
  return {
    persistTo,
    dataDir,
    lastPublishedAt,
    buildSeconds: (performance.now() - started) / 1000,
    storageBytes,
    writes,
  }
}

async function loadBuilt(dataDir: string): Promise<RegistryData> {
  const loaded = await loadData(dataDir)
  if (!loaded.ok) throw new Error(`${dataDir} does not validate`)
  return loaded.data
}

/**
 * The list the built history has in force now, as the data of a registry's first version: every
 * announcement that has taken effect folded in, the ones still to come left out (a first version
 * cannot announce with less notice than promised).
 */
export async function writeOneVersionData(built: BuiltHistory, dir: string): Promise<void> {
  const data = await loadBuilt(built.dataDir)
  const { entries } = folded(data, Date.now())
  await writeDataDir(
    { ...data, subprocessors: { ...data.subprocessors, subprocessors: entries }, announcements: [] },
    dir,
  )
}

/** The data of the version after the built history's last, as its next publish would bring it. */
export async function writeNextData(built: BuiltHistory, versions: number, dir: string): Promise<void> {
  await writeDataDir(nextData(await loadBuilt(built.dataDir), versions + 1, Date.now()), dir)
}

/**
 * A copy of a built history's local state to publish on, leaving the built one as it is. Stored
 * values never change once written, so they are hard links; the SQLite files are copied.
 */
export async function copyState(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true })
  for (const item of await readdir(from, { withFileTypes: true })) {
    const source = join(from, item.name)
    const target = join(to, item.name)
    if (item.isDirectory()) await copyState(source, target)
    else if (/\.sqlite(-wal|-shm)?$/.test(item.name)) await copyFile(source, target)
    else await link(source, target)
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const versions = Number(process.argv[2] ?? 1000)
  const built = await historyRegistry(versions, (version, seconds) => {
    if (version % 50 === 0 || version === versions) console.log(`  version ${version}: ${seconds.toFixed(2)} s`)
  })
  console.log(
    `${versions} versions in ${built.persistTo}${built.buildSeconds ? `, built in ${built.buildSeconds.toFixed(0)} s` : ' (already built)'}`,
  )
  for (const version of [1, 2, 10, 100, 1000].filter((version) => version <= versions)) {
    const wrote = built.writes?.[version]
    if (wrote)
      console.log(`  version ${version} wrote ${wrote.values} KV values, ${(wrote.bytes / 2 ** 20).toFixed(2)} MiB`)
  }
  const storage = built.storageBytes ?? {}
  for (const version of [100, 500, versions]) {
    const [all, before] = [storage[version], storage[version - 1]]
    if (all !== undefined && before !== undefined)
      console.log(
        `  after ${version} versions: ${(all / 2 ** 20).toFixed(1)} MiB of storage; version ${version} added ${((all - before) / 1024).toFixed(0)} KiB`,
      )
  }
}
