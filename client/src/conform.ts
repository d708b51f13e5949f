/**
 * `conform`: every MUST of docs/format.md that a reader can observe, run against a live
 * registry, level by level. A level passes when all of its checks and those of the levels
 * below it pass. Nothing is written to the registry: Push is probed with a request it must refuse.
 */
import {
  type Discovery,
  FORMAT,
  type Level,
  pick,
  readChangeLog,
  readDiscovery,
  readList,
  readVersions,
} from './format.js'
import { DEFAULT_LIMITS, type Fetch, get, type HttpLimits, parseJson } from './http.js'
import { leafHash, MerkleTree } from './merkle.js'
import { openNote, parseCheckpoint, parseVerifierKey } from './signed-note.js'
import { discoveryUrl } from './watcher.js'
import { listIsLogged, readLeaves, toBase64, type Witnessing } from './witness.js'

export interface Check {
  level: Level
  must: string
  ok: boolean
  detail?: string
}

export interface ConformanceReport {
  url: string
  declared: Level[]
  checks: Check[]
  /** Each level: whether it and every level below it pass. */
  levels: Record<Level, 'pass' | 'fail' | 'not-declared'>
}

const LEVELS: Level[] = ['core', 'history', 'evidence', 'push']

export async function conform(
  given: string,
  options: { fetch?: Fetch; limits?: Partial<HttpLimits>; key?: string } = {},
): Promise<ConformanceReport> {
  const fetcher = options.fetch ?? ((input, init) => fetch(input, init))
  const limits = { ...DEFAULT_LIMITS, ...options.limits }
  const url = discoveryUrl(given)
  const checks: Check[] = []
  const record = async (level: Level, must: string, test: () => Promise<unknown>) => {
    try {
      const detail = await test()
      checks.push({ level, must, ok: true, ...(typeof detail === 'string' ? { detail } : {}) })
      return true
    } catch (error) {
      checks.push({ level, must, ok: false, detail: (error as Error).message })
      return false
    }
  }
  const fetched = async (at: string, accept?: string) => {
    const res = await get(fetcher, at, undefined, limits, accept)
    if (res.status !== 200) throw new Error(`${at} answered 304 without a condition`)
    if (!res.etag) throw new Error(`${at} carries no ETag`)
    return { ...res, etag: res.etag }
  }
  const revalidates = async (at: string, etag: string, accept?: string) => {
    const again = await get(fetcher, at, etag, limits, accept)
    if (again.status !== 304) throw new Error(`${at} answered ${again.status}, not 304, to If-None-Match: ${etag}`)
  }
  const json = async (at: string) => parseJson((await fetched(at)).bytes, at)

  let discovery: Discovery | null = null
  await record(
    'core',
    `discovery is served at ${new URL(url).pathname} as JSON, with an ETag, and revalidates`,
    async () => {
      const res = await fetched(url)
      discovery = readDiscovery(url, parseJson(res.bytes, url))
      await revalidates(url, res.etag)
      return `${discovery.format}, declares ${discovery.conformance.join(', ')}`
    },
  )
  const declared = ((discovery as Discovery | null)?.conformance ?? []).filter((level): level is Level =>
    LEVELS.includes(level),
  )
  const d = discovery as Discovery | null
  if (d) {
    await coreChecks(d, url, record, fetched, revalidates)
    if (declared.includes('history')) await historyChecks(d, url, record, fetched, json)
    if (declared.includes('evidence'))
      await evidenceChecks(d, url, record, { fetcher, limits, discovery: d, base: url }, json, fetched, options.key)
    if (declared.includes('push')) await pushChecks(d, url, record, fetcher, limits)
  }
  const levels = {} as ConformanceReport['levels']
  let below = true
  for (const level of LEVELS) {
    if (level !== 'core' && !declared.includes(level)) {
      levels[level] = 'not-declared'
      continue
    }
    below = below && checks.filter((check) => check.level === level).every((check) => check.ok)
    levels[level] = below ? 'pass' : 'fail'
  }
  return { url, declared, checks, levels }
}

type Recorder = (level: Level, must: string, test: () => Promise<unknown>) => Promise<boolean>
type Fetched = (at: string, accept?: string) => Promise<{ bytes: Uint8Array; etag: string }>

async function coreChecks(
  d: Discovery,
  url: string,
  record: Recorder,
  fetched: Fetched,
  revalidates: (at: string, etag: string, accept?: string) => Promise<void>,
) {
  await record('core', `every JSON document states "format": "${FORMAT}" (or a later 1.x)`, async () => {
    if (!d.format.startsWith('subprocessor-registry/1.')) throw new Error(`discovery states ${d.format}`)
  })
  await record('core', 'discovery links a JSON list of region "all" in every language it declares', async () => {
    const missing = d.languages.filter((lang) => !pick(d.lists, lang))
    if (missing.length) throw new Error(`none in ${missing.join(', ')}`)
  })
  await record('core', 'every linked list answers 200 with an ETag, and 304 to If-None-Match', async () => {
    for (const link of d.lists) {
      const at = new URL(link.href, url).href
      const res = await fetched(at, link.type)
      await revalidates(at, res.etag, link.type)
      if ((link.format ?? 'json') === 'json') readList(at, parseJson(res.bytes, at))
    }
    return `${d.lists.length} lists`
  })
  await record('core', "every JSON list's entries that link an entry document link one that answers", async () => {
    const link = pick(d.lists, d.defaultLanguage)!
    const at = new URL(link.href, url).href
    const list = readList(at, parseJson((await fetched(at)).bytes, at))
    for (const entry of list.subprocessors.filter((e) => typeof e.href === 'string').slice(0, 20)) {
      const entryUrl = new URL(entry.href!, at).href
      const doc = parseJson((await fetched(entryUrl)).bytes, entryUrl) as { id?: unknown; format?: unknown }
      if (doc.id !== entry.id) throw new Error(`${entryUrl} is not the entry ${entry.id}`)
      if (typeof doc.format !== 'string') throw new Error(`${entryUrl} states no format`)
    }
  })
}

async function historyChecks(
  d: Discovery,
  url: string,
  record: Recorder,
  fetched: Fetched,
  json: (at: string) => Promise<unknown>,
) {
  await record('history', 'the version index of each language lists every version, each linking its list', async () => {
    for (const lang of d.languages) {
      const link = pick(d.history?.versions, lang, undefined)
      if (!link) throw new Error(`no version index in ${lang}`)
      const at = new URL(link.href, url).href
      const versions = readVersions(at, await json(at))
      const numbers = versions.versions.map((v) => v.version).sort((a, b) => a - b)
      if (numbers.at(-1) !== d.version || numbers.some((n, i) => n !== i + 1))
        throw new Error(`${at} lists versions ${numbers.join(', ')}, not 1 to ${d.version}`)
    }
  })
  await record('history', "every version's list answers with an ETag and states its own version", async () => {
    const link = pick(d.history?.versions, d.defaultLanguage, undefined)!
    const at = new URL(link.href, url).href
    for (const version of readVersions(at, await json(at)).versions) {
      const listUrl = new URL(version.links.list, at).href
      const list = readList(listUrl, parseJson((await fetched(listUrl)).bytes, listUrl))
      if (list.version !== version.version) throw new Error(`${listUrl} states version ${list.version}`)
    }
  })
  await record('history', 'discovery links a whole JSON change log of region "all" in every language', async () => {
    for (const lang of d.languages) {
      const link = pick(d.history?.changeLogs, lang)
      if (!link) throw new Error(`none in ${lang}`)
      const at = new URL(link.href, url).href
      const log = readChangeLog(at, await json(at))
      for (const change of log.changes) {
        if (change.version > d.version)
          throw new Error(`${change.id} names version ${change.version}, after ${d.version}`)
        if (Date.parse(change.effectiveAt) < Date.parse(change.announcedAt))
          throw new Error(`${change.id} takes effect before it was announced`)
      }
    }
  })
  await record('history', 'every linked feed links absolutely (a feed has no base URL)', async () => {
    const feeds = (d.history?.changes ?? []).filter((link) => link.format === 'atom' || link.format === 'jsonfeed')
    for (const link of feeds.slice(0, 6)) {
      const at = new URL(link.href, url).href
      const text = new TextDecoder().decode((await fetched(at, link.type)).bytes)
      const hrefs =
        link.format === 'jsonfeed'
          ? (() => {
              const feed = JSON.parse(text) as { feed_url?: string; home_page_url?: string; items?: { url?: string }[] }
              return [feed.feed_url, feed.home_page_url, ...(feed.items ?? []).map((item) => item.url)]
            })()
          : [...text.matchAll(/<link\b[^>]*\bhref="([^"]*)"/g)].map((match) => match[1])
      const relative = hrefs.filter((href) => href !== undefined && !/^https?:\/\//.test(href))
      if (relative.length) throw new Error(`${at} links ${relative[0]} relatively`)
    }
    return `${Math.min(feeds.length, 6)} of ${feeds.length} feeds read`
  })
}

async function evidenceChecks(
  d: Discovery,
  url: string,
  record: Recorder,
  w: Witnessing,
  json: (at: string) => Promise<unknown>,
  fetched: Fetched,
  key: string | undefined,
) {
  let leaves: Uint8Array[] = []
  let size = 0
  await record('evidence', 'the checkpoint is a C2SP signed note by the published key, for the named log', async () => {
    const pinned = key ?? d.evidence?.verifierKey
    if (!pinned) throw new Error('no verifier key is published, and none was given')
    const at = new URL(d.evidence!.checkpoint, url).href
    const note = new TextDecoder().decode((await fetched(at, 'text/plain')).bytes)
    const opened = await openNote(note, [await parseVerifierKey(pinned)])
    const checkpoint = parseCheckpoint(opened.text)
    if (checkpoint.origin !== d.evidence!.origin) throw new Error(`it names the log ${checkpoint.origin}`)
    size = checkpoint.size
    leaves = await readLeaves(w, size)
    const root = await (await MerkleTree.fromLeafHashes(leaves)).root()
    if (toBase64(root) !== toBase64(checkpoint.root)) throw new Error('the tiles do not hash to the signed root')
    return `size ${size}`
  })
  await record('evidence', "every version's manifest is the leaf the log holds for it", async () => {
    const link = pick(d.history?.versions, d.defaultLanguage, undefined)
    if (!link) throw new Error('no version index links the manifests')
    const at = new URL(link.href, url).href
    for (const version of readVersions(at, await json(at)).versions) {
      if (!version.links.manifest) throw new Error(`version ${version.version} links no manifest`)
      const manifestUrl = new URL(version.links.manifest, at).href
      const bytes = (await fetched(manifestUrl)).bytes
      const leaf = leaves[version.version - 1]
      if (!leaf || toBase64(await leafHash(bytes)) !== toBase64(leaf))
        throw new Error(`${manifestUrl} is not leaf ${version.version - 1}`)
    }
  })
  await record('evidence', 'the current list is, byte for byte, a representation its manifest lists', async () => {
    const link = pick(d.lists, d.defaultLanguage)!
    const at = new URL(link.href, url).href
    const res = await fetched(at)
    const list = readList(at, parseJson(res.bytes, at))
    const versions = pick(d.history?.versions, d.defaultLanguage, undefined)!
    const index = readVersions(versions.href, await json(new URL(versions.href, url).href))
    const manifestHref = index.versions.find((v) => v.version === list.version)?.links.manifest
    if (!manifestHref) throw new Error(`no manifest for version ${list.version}`)
    const manifest = await json(new URL(manifestHref, new URL(versions.href, url)).href)
    if (!(await listIsLogged(manifest as Record<string, unknown>, res.bytes)))
      throw new Error(`${at} is not among the representations of version ${list.version}`)
  })
}

async function pushChecks(d: Discovery, url: string, record: Recorder, fetcher: Fetch, limits: HttpLimits) {
  await record(
    'push',
    'discovery links the subscription endpoint, its events, and Standard Webhooks signatures',
    async () => {
      if (!d.push?.subscribe) throw new Error('no push.subscribe link')
      if (d.push.signatures !== 'standard-webhooks') throw new Error(`signatures: ${d.push.signatures}`)
      if (!d.push.events?.length) throw new Error('no events listed')
    },
  )
  await record('push', 'a subscription request without an endpoint is refused with a 4xx error document', async () => {
    const at = new URL(d.push!.subscribe, url).href
    const res = await fetcher(at, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(limits.timeoutMs),
    })
    const body = (await res.json().catch(() => null)) as { error?: { code?: unknown } } | null
    if (res.status < 400 || res.status >= 500) throw new Error(`${at} answered ${res.status}`)
    if (typeof body?.error?.code !== 'string') throw new Error(`${at} answered ${res.status} without an error document`)
    return `${res.status} ${body.error.code}`
  })
}
