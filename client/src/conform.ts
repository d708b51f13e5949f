/**
 * `conform`: every MUST of docs/format.md that a reader can observe, run against a live
 * registry, level by level, and a list of those it cannot observe, with why. A level passes when
 * all of its checks and those of the levels below it pass. Nothing is written to the registry:
 * Push is probed with a request it must refuse, never redirected, and every answer is bounded.
 */
import { fromUtf8, sha256Base64, toBase64 } from './bytes.js'
import { WatchError } from './errors.js'
import {
  type Discovery,
  FORMAT,
  LEVELS,
  type Level,
  pick,
  readChangeLog,
  readDiscovery,
  readList,
  readVersions,
} from './format.js'
import {
  allowedUrl,
  asWatchError,
  DEFAULT_LIMITS,
  type Fetch,
  get,
  type HttpLimits,
  type Network,
  readBounded,
} from './http.js'
import { parseJson } from './json.js'
import { EMPTY_RANGE, extend, rootOf } from './log/compact.js'
import { leafHash } from './log/merkle.js'
import { openNote, parseCheckpoint, parseVerifierKey } from './log/signed-note.js'
import { listingsOf, readManifest, type Wanted } from './manifest.js'
import { discoveryUrl } from './watcher.js'
import { readLeaves } from './witness.js'

export interface Check {
  level: Level
  must: string
  ok: boolean
  detail?: string
}

/** A MUST a reader cannot observe from outside, and why. */
export interface Unobservable {
  level: Level
  must: string
  why: string
}

export interface ConformanceReport {
  url: string
  declared: Level[]
  checks: Check[]
  unobservable: Unobservable[]
  /** Each level: whether it and every level below it pass. */
  levels: Record<Level, 'pass' | 'fail' | 'not-declared'>
}

export const UNOBSERVABLE: Unobservable[] = [
  {
    level: 'core',
    must: 'wording the source gives vaguely is kept as the source gives it',
    why: 'only the source document shows it',
  },
  {
    level: 'core',
    must: 'an inferred country or date is not presented as a fact',
    why: 'only the source document shows it',
  },
  {
    level: 'history',
    must: 'versions are never rewritten',
    why: 'seen only across time: a watcher, or the Evidence level, catches it',
  },
  {
    level: 'evidence',
    must: 'a key changes only by a rotation in the log',
    why: 'seen only across time: a watcher that pinned the key catches it',
  },
  {
    level: 'push',
    must: 'an endpoint is verified before any event is sent to it',
    why: 'needs a subscription, which conform never makes',
  },
  {
    level: 'push',
    must: 'no delivery goes to a private or loopback address',
    why: 'needs a subscription, which conform never makes',
  },
  {
    level: 'push',
    must: 'deliveries are signed as Standard Webhooks specifies',
    why: 'needs a subscription; `subprocessor-watch receive` checks each delivery',
  },
  {
    level: 'objections',
    must: "a registered customer's objection is answered with a receipt signed by the receipt key",
    why: 'needs a registered customer key; `subprocessor-watch object` checks each receipt',
  },
  {
    level: 'objections',
    must: 'every objection received is committed to once, by the next version',
    why: 'needs an objection; `subprocessor-watch receipts` proves each inclusion',
  },
]

/** The cells of an RFC 4180 CSV text, by row. */
function csvCells(text: string): string[][] {
  const rows: string[][] = [[]]
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"'
        i++
      } else if (c === '"') quoted = false
      else cell += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      rows.at(-1)!.push(cell)
      cell = ''
    } else if (c === '\r' && text[i + 1] === '\n') {
      rows.at(-1)!.push(cell)
      cell = ''
      rows.push([])
      i++
    } else cell += c
  }
  if (cell !== '' || rows.at(-1)!.length) rows.at(-1)!.push(cell)
  return rows.filter((row) => row.length > 0)
}

export async function conform(
  given: string,
  options: { fetch?: Fetch; limits?: Partial<HttpLimits>; key?: string; allowPrivate?: boolean } = {},
): Promise<ConformanceReport> {
  const url = discoveryUrl(given)
  const net: Network = {
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    origin: new URL(url).origin,
    allowPrivate: options.allowPrivate ?? false,
  }
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
    const res = await get(net, at, undefined, accept)
    if (res.status !== 200) throw new Error(`${at} answered 304 without a condition`)
    if (!res.etag) throw new Error(`${at} carries no ETag`)
    return { ...res, etag: res.etag }
  }
  const revalidates = async (at: string, etag: string, accept?: string) => {
    const again = await get(net, at, etag, accept)
    if (again.status !== 304) throw new Error(`${at} answered ${again.status}, not 304, to If-None-Match: ${etag}`)
  }
  const json = async (at: string) => parseJson((await fetched(at)).bytes, at)
  const link = (href: string, base = url) => allowedUrl(net, href, base).href

  let discovery: Discovery | null = null
  let discoveryBytes: Uint8Array = new Uint8Array(0)
  await record(
    'core',
    `discovery is served at ${new URL(url).pathname} as JSON, with an ETag, and revalidates`,
    async () => {
      const res = await fetched(url)
      discoveryBytes = res.bytes
      discovery = readDiscovery(url, parseJson(res.bytes, url))
      await revalidates(url, res.etag)
      return `${discovery.format}, declares ${discovery.conformance.join(', ')}`
    },
  )
  const d = discovery as Discovery | null
  const declared = d?.conformance ?? []
  if (d) {
    const c: Conformance = { d, url, net, record, fetched, revalidates, json, link, discoveryBytes }
    await coreChecks(c)
    if (declared.includes('history')) await historyChecks(c)
    if (declared.includes('evidence')) await evidenceChecks(c, options.key)
    if (declared.includes('push')) await pushChecks(c)
    if (declared.includes('objections')) await objectionsChecks(c)
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
  const unobservable = UNOBSERVABLE.filter((u) => u.level === 'core' || declared.includes(u.level))
  return { url, declared, checks, unobservable, levels }
}

type Recorder = (level: Level, must: string, test: () => Promise<unknown>) => Promise<boolean>

interface Conformance {
  d: Discovery
  url: string
  net: Network
  record: Recorder
  fetched: (at: string, accept?: string) => Promise<{ bytes: Uint8Array; etag: string }>
  revalidates: (at: string, etag: string, accept?: string) => Promise<void>
  json: (at: string) => Promise<unknown>
  link: (href: string, base?: string) => string
  discoveryBytes: Uint8Array
}

async function coreChecks({ d, url, record, fetched, revalidates, link }: Conformance) {
  await record('core', 'the registry is served over HTTPS (plain HTTP only on loopback)', async () => {
    const { protocol, hostname } = new URL(url)
    const loopback = hostname === 'localhost' || hostname === '[::1]' || hostname.startsWith('127.')
    if (protocol !== 'https:' && !loopback) throw new Error(`${url} is ${protocol.slice(0, -1)}`)
  })
  await record('core', `every JSON document states "format": "${FORMAT}" (or a later 1.x)`, async () => {
    if (!d.format.startsWith('subprocessor-registry/1.')) throw new Error(`discovery states ${d.format}`)
  })
  await record('core', 'discovery links a JSON list of region "all" in every language it declares', async () => {
    const missing = d.languages.filter((lang) => !pick(d.lists, lang))
    if (missing.length) throw new Error(`none in ${missing.join(', ')}`)
    if (!d.languages.includes(d.defaultLanguage))
      throw new Error(`the default language ${d.defaultLanguage} is not declared`)
  })
  await record('core', "every link stays on the registry's origin", async () => {
    const hrefs = [
      ...d.lists.map((l) => l.href),
      ...(d.history
        ? [...d.history.versions, ...d.history.changeLogs, ...(d.history.changes ?? [])].map((l) => l.href)
        : []),
      ...(d.evidence ? [d.evidence.checkpoint, d.evidence.tiles] : []),
      ...(d.push ? [d.push.subscribe] : []),
    ]
    for (const href of hrefs) link(href)
    return `${hrefs.length} links`
  })
  await record('core', 'every linked list answers 200 with an ETag, and 304 to If-None-Match', async () => {
    for (const l of d.lists) {
      const at = link(l.href)
      const res = await fetched(at, l.type)
      await revalidates(at, res.etag, l.type)
      if ((l.format ?? 'json') === 'json') readList(at, parseJson(res.bytes, at))
    }
    return `${d.lists.length} lists`
  })
  await record(
    'core',
    'every CSV list is UTF-8 with a byte order mark and a header row, and no cell begins a formula',
    async () => {
      const csvs = d.lists.filter((l) => l.format === 'csv')
      for (const l of csvs) {
        const at = link(l.href)
        const bytes = (await fetched(at, l.type)).bytes
        if (bytes[0] !== 0xef || bytes[1] !== 0xbb || bytes[2] !== 0xbf) throw new Error(`${at} has no byte order mark`)
        const rows = csvCells(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes.slice(3)))
        if (rows.length === 0) throw new Error(`${at} has no header row`)
        for (const [r, row] of rows.entries())
          for (const [c, cell] of row.entries())
            if (/^[=+\-@\t\r]/.test(cell))
              throw new Error(`${at} row ${r + 1}, column ${c + 1} begins with ${JSON.stringify(cell[0])}`)
      }
      return `${csvs.length} CSV lists`
    },
  )
  await record('core', "every JSON list's entries that link an entry document link one that answers", async () => {
    const at = link(pick(d.lists, d.defaultLanguage)!.href)
    const list = readList(at, parseJson((await fetched(at)).bytes, at))
    for (const entry of list.subprocessors.filter((e) => typeof e.href === 'string').slice(0, 20)) {
      const entryUrl = link(entry.href!, at)
      const doc = parseJson((await fetched(entryUrl)).bytes, entryUrl) as { id?: unknown; format?: unknown }
      if (doc.id !== entry.id) throw new Error(`${entryUrl} is not the entry ${entry.id}`)
      if (typeof doc.format !== 'string') throw new Error(`${entryUrl} states no format`)
    }
  })
}

async function historyChecks({ d, record, fetched, json, link }: Conformance) {
  await record('history', 'the version index of each language lists every version, each linking its list', async () => {
    for (const lang of d.languages) {
      const l = pick(d.history?.versions, lang, undefined)
      if (!l) throw new Error(`no version index in ${lang}`)
      const at = link(l.href)
      const versions = readVersions(at, await json(at))
      const listed = versions.versions.map((v) => v.version)
      const numbers = [...listed].sort((a, b) => a - b)
      if (numbers.at(-1) !== d.version || numbers.some((n, i) => n !== i + 1))
        throw new Error(`${at} lists versions ${numbers.join(', ')}, not 1 to ${d.version}`)
      if (listed.some((n, i) => i > 0 && n > listed[i - 1]!)) throw new Error(`${at} is not newest first`)
    }
  })
  await record('history', "every version's list answers with an ETag and states its own version", async () => {
    const at = link(pick(d.history?.versions, d.defaultLanguage, undefined)!.href)
    for (const version of readVersions(at, await json(at)).versions) {
      const listUrl = link(version.links.list, at)
      const list = readList(listUrl, parseJson((await fetched(listUrl)).bytes, listUrl))
      if (list.version !== version.version) throw new Error(`${listUrl} states version ${list.version}`)
    }
  })
  await record(
    'history',
    'discovery links a whole JSON change log of region "all" in every language, newest version first',
    async () => {
      for (const lang of d.languages) {
        const l = pick(d.history?.changeLogs, lang)
        if (!l) throw new Error(`none in ${lang}`)
        const at = link(l.href)
        const log = readChangeLog(at, await json(at))
        for (const [i, change] of log.changes.entries()) {
          if (change.version > d.version)
            throw new Error(`${change.id} names version ${change.version}, after ${d.version}`)
          if (change.version === 1)
            throw new Error(`${change.id} is a change of version 1, whose entries are the baseline`)
          if (change.regions.includes('all')) throw new Error(`${change.id} names the region all among its regions`)
          if (i > 0 && change.version > log.changes[i - 1]!.version)
            throw new Error(`${at} is not newest first at ${change.id}`)
          if (!change.announcedAt || Number.isNaN(Date.parse(change.announcedAt)))
            throw new Error(`${change.id} has no announcedAt`)
          if (Date.parse(change.effectiveAt) < Date.parse(change.announcedAt))
            throw new Error(`${change.id} takes effect before it was announced`)
        }
      }
    },
  )
  await record(
    'history',
    'discovery states its notice period, and every change that needs notice is announced at least that far ahead',
    async () => {
      const period = d.notice?.periodDays
      if (period === undefined) throw new Error('discovery states no notice.periodDays')
      const l = pick(d.history?.changeLogs, d.defaultLanguage)!
      const at = link(l.href)
      const raw = (await json(at)) as { changes?: { id?: unknown; shortNotice?: unknown }[] }
      const short = new Set((raw.changes ?? []).filter((c) => c.shortNotice).map((c) => c.id))
      for (const change of readChangeLog(at, raw).changes) {
        if (change.objectionDeadline === null || short.has(change.id)) continue
        const days = (Date.parse(change.effectiveAt) - Date.parse(change.announcedAt)) / 86_400_000
        if (days < period)
          throw new Error(
            `${change.id} was announced ${days.toFixed(1)} days ahead, under the ${period} days discovery states`,
          )
      }
      return `${period} days`
    },
  )
  await record('history', 'every linked feed links absolutely (a feed has no base URL)', async () => {
    const feeds = (d.history?.changes ?? []).filter((l) => l.format === 'atom' || l.format === 'jsonfeed')
    for (const l of feeds.slice(0, 6)) {
      const at = link(l.href)
      const text = fromUtf8((await fetched(at, l.type)).bytes)
      const hrefs =
        l.format === 'jsonfeed'
          ? (() => {
              const feed = parseJson(new TextEncoder().encode(text), at) as {
                feed_url?: string
                home_page_url?: string
                items?: { url?: string }[]
              }
              return [feed.feed_url, feed.home_page_url, ...(feed.items ?? []).map((item) => item.url)]
            })()
          : [...text.matchAll(/<link\b[^>]*\bhref="([^"]*)"/g)].map((match) => match[1])
      const relative = hrefs.filter((href) => href !== undefined && !/^https?:\/\//.test(href))
      if (relative.length) throw new Error(`${at} links ${JSON.stringify(String(relative[0]).slice(0, 80))} relatively`)
    }
    return `${Math.min(feeds.length, 6)} of ${feeds.length} feeds read`
  })
}

async function evidenceChecks(c: Conformance, key: string | undefined) {
  const { d, url, net, record, fetched, json, link } = c
  const tiles = { base: url, checkpoint: d.evidence!.checkpoint, tiles: d.evidence!.tiles, versions: undefined }
  let leaves: Uint8Array[] = []
  await record(
    'evidence',
    'the checkpoint is a C2SP signed note by the published key, for the named log, and the tiles hash to its root',
    async () => {
      const pinned = key ?? d.evidence?.verifierKey
      if (!pinned) throw new Error('no verifier key is published, and none was given')
      const at = link(d.evidence!.checkpoint)
      const note = fromUtf8((await fetched(at, 'text/plain')).bytes)
      const checkpoint = parseCheckpoint((await openNote(note, [await parseVerifierKey(pinned)])).text)
      if (checkpoint.origin !== d.evidence!.origin)
        throw new Error(`it names the log ${JSON.stringify(checkpoint.origin.slice(0, 80))}`)
      if (checkpoint.size > 65_536)
        throw new Error(`the log claims ${checkpoint.size} versions; conform reads at most 65536`)
      leaves = await readLeaves(net, tiles, 0, checkpoint.size)
      if (toBase64(await rootOf(await extend(EMPTY_RANGE, leaves))) !== toBase64(checkpoint.root))
        throw new Error('the tiles do not hash to the signed root')
      return `size ${checkpoint.size}`
    },
  )
  const index = pick(d.history?.versions, d.defaultLanguage, undefined)
  await record('evidence', "every version's manifest is the leaf the log holds for it", async () => {
    if (!index) throw new Error('no version index links the manifests')
    const at = link(index.href)
    for (const version of readVersions(at, await json(at)).versions) {
      if (!version.links.manifest) throw new Error(`version ${version.version} links no manifest`)
      const manifestUrl = link(version.links.manifest, at)
      const bytes = (await fetched(manifestUrl)).bytes
      const leaf = leaves[version.version - 1]
      if (!leaf || toBase64(await leafHash(bytes)) !== toBase64(leaf))
        throw new Error(`${manifestUrl} is not leaf ${version.version - 1}`)
    }
  })
  await record(
    'evidence',
    "discovery, and every version index, list and whole change log of region all, are byte for byte the current manifest's representations for their links",
    async () => {
      if (!index) throw new Error('no version index links the manifests')
      const indexUrl = link(index.href)
      const indexBytes = (await fetched(indexUrl)).bytes
      const manifestHref = readVersions(indexUrl, parseJson(indexBytes, indexUrl)).versions.find(
        (v) => v.version === d.version,
      )?.links.manifest
      if (!manifestHref) throw new Error(`no manifest for version ${d.version}`)
      const manifestUrl = link(manifestHref, indexUrl)
      const manifest = readManifest((await fetched(manifestUrl)).bytes, manifestUrl)
      const wanted: [Wanted, Uint8Array][] = [[{ kind: 'document', name: 'discovery', url }, c.discoveryBytes]]
      for (const lang of d.languages) {
        const versionsLink = pick(d.history?.versions, lang, undefined)
        if (versionsLink) {
          const at = link(versionsLink.href)
          const bytes = at === indexUrl ? indexBytes : (await fetched(at)).bytes
          wanted.push([{ kind: 'versions', lang, format: 'json', url: at }, bytes])
        }
        const listUrl = link(pick(d.lists, lang)!.href)
        wanted.push([
          { kind: 'list', region: 'all', lang, format: 'json', url: listUrl },
          (await fetched(listUrl)).bytes,
        ])
        const logLink = pick(d.history?.changeLogs, lang)
        if (logLink) {
          const logUrl = link(logLink.href)
          const log: Wanted = { kind: 'changes', region: 'all', lang, format: 'json', complete: true, url: logUrl }
          wanted.push([log, (await fetched(logUrl)).bytes])
        }
      }
      for (const [w, bytes] of wanted) {
        const digest = await sha256Base64(bytes)
        if (!listingsOf(manifest, w).some((r) => r.sha256 === digest))
          throw new Error(
            `${w.url} is not the ${w.kind === 'document' ? w.name : w.kind} version ${d.version}'s manifest lists for that link`,
          )
      }
      return `${wanted.length} documents`
    },
  )
}

async function pushChecks({ d, url, net, record, link }: Conformance) {
  await record(
    'push',
    'discovery links the subscription endpoint, its events, and Standard Webhooks signatures',
    async () => {
      if (!d.push?.subscribe) throw new Error('no push.subscribe link')
      if (d.push.signatures !== 'standard-webhooks')
        throw new Error(`signatures: ${JSON.stringify(d.push.signatures.slice(0, 40))}`)
      if (!d.push.events?.length) throw new Error('no events listed')
    },
  )
  await record(
    'push',
    'a subscription request without an endpoint is refused with a 4xx error document, not redirected',
    async () => {
      return refusal(net, link(d.push!.subscribe, url), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      })
    },
  )
}

/** Sends what a registry must refuse; checks it answers a 4xx with an error document, not a redirect. */
async function refusal(net: Network, at: string, init: RequestInit): Promise<string> {
  let res: Response
  try {
    res = await net.fetch(at, { ...init, redirect: 'manual', signal: AbortSignal.timeout(net.limits.timeoutMs) })
  } catch (error) {
    throw asWatchError(error, at, net.limits)
  }
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel()
    throw new Error(`${at} answered ${res.status}, a redirect; conform follows none`)
  }
  // An error document is small: a larger answer is refused while it is read.
  const bytes = await readBounded(res, at, 64 * 1024)
  let doc = null as { error?: { code?: unknown } } | null
  try {
    doc = parseJson(bytes, at) as typeof doc
  } catch (error) {
    if (!(error instanceof WatchError)) throw error
  }
  if (res.status < 400 || res.status >= 500) throw new Error(`${at} answered ${res.status}`)
  if (typeof doc?.error?.code !== 'string') throw new Error(`${at} answered ${res.status} without an error document`)
  return `${res.status} ${doc.error.code.slice(0, 40)}`
}

async function objectionsChecks(c: Conformance) {
  const { d, url, net, record, fetched, json, link } = c
  await record(
    'objections',
    'discovery links where objections go and where their inclusion is proven, and names the key that signs receipts',
    async () => {
      if (!d.objections) throw new Error('no objections member')
      if (!d.objections.inclusion?.includes('{digest}')) throw new Error('objections.inclusion is no {digest} template')
      link(d.objections.submit)
      await parseVerifierKey(d.objections.receiptKey)
    },
  )
  await record(
    'objections',
    "the current version's manifest records the receipt key, and commits to the objections received since the version before",
    async () => {
      const index = pick(d.history?.versions, d.defaultLanguage, undefined)
      if (!index) throw new Error('no version index links the manifests')
      const indexUrl = link(index.href)
      const manifestHref = readVersions(indexUrl, await json(indexUrl)).versions.find((v) => v.version === d.version)
        ?.links.manifest
      if (!manifestHref) throw new Error(`no manifest for version ${d.version}`)
      const manifestUrl = link(manifestHref, indexUrl)
      const manifest = readManifest((await fetched(manifestUrl)).bytes, manifestUrl)
      if (manifest.receiptKey !== d.objections?.receiptKey)
        throw new Error(`the manifest of version ${d.version} names another receipt key than discovery`)
      if (!manifest.objections) throw new Error(`the manifest of version ${d.version} holds no objections commitment`)
      return `${manifest.objections.size} committed in version ${d.version}`
    },
  )
  await record('objections', 'an objection that is not a signed note is refused with a 4xx error document', () =>
    refusal(net, link(d.objections!.submit), {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      body: 'not a signed note\n',
    }),
  )
  await record(
    'objections',
    'an inclusion asked for a digest never received is refused with a 4xx error document',
    () => refusal(net, link(d.objections!.inclusion!.replace('{digest}', 'A'.repeat(43)), url), { method: 'GET' }),
  )
}
