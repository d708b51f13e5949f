/**
 * Watches any number of registries: discovers what each serves, polls with If-None-Match,
 * follows the change log from the last version seen, turns it into typed events, and witnesses
 * each signed log. One registry's failure is reported with what to do, and changes nothing
 * that was stored about it.
 */
import {
  type Change,
  type Discovery,
  type ListDocument,
  pick,
  readChangeLog,
  readDiscovery,
  readList,
  readVersions,
} from './format.js'
import {
  DEFAULT_LIMITS,
  type Fetch,
  type Fetched,
  get,
  type HttpLimits,
  limiter,
  parseJson,
  WatchError,
} from './http.js'
import { NoteError, parseVerifierKey } from './signed-note.js'
import type { EvidenceStatus, KnownEntry, RegistryState, StateStore, WatchState } from './state.js'
import { listIsLogged, loggedManifest, readLeaves, type Witnessing, witness } from './witness.js'

export type EventKind = 'added' | 'removed' | 'modified' | 'announced' | 'withdrawn' | 'effective'

/** One thing a vendor-risk team acts on: who, what, where, from when, and until when to object. */
export interface ChangeEvent {
  kind: EventKind
  registry: string
  vendor: string
  change: string
  type: Change['type']
  subprocessor: { id: string; name: string | null }
  regions: string[]
  effectiveAt: string
  objectionDeadline: string | null
  /** The version that announced (or withdrew) the change. */
  version: number
  summary: string | null
}

export interface RegistryReport {
  url: string
  vendor: string
  outcome: 'unchanged' | 'changed' | 'evidence' | 'error'
  version: number | null
  evidence: EvidenceStatus
  events: ChangeEvent[]
  message?: string
  hint?: string
}

export interface WatchOptions {
  fetch?: Fetch
  limits?: Partial<HttpLimits>
  /** Registries checked at once, and at once on any one host. */
  concurrency?: number
  perHost?: number
  now?: () => number
  onProgress?: (done: number, total: number, report: RegistryReport) => void
}

export const WELL_KNOWN = '/.well-known/subprocessors'

/** A registry's discovery URL: an origin alone means its well-known path. */
export function discoveryUrl(given: string): string {
  let url: URL
  try {
    url = new URL(given)
  } catch {
    throw new WatchError('error', `"${given}" is not a URL`, 'Give the registry as https://host or its discovery URL.')
  }
  if (!/^https?:$/.test(url.protocol))
    throw new WatchError('error', `${given} is not http(s)`, 'Give the registry as https://host.')
  if (url.pathname === '/' && !url.search) return `${url.origin}${WELL_KNOWN}`
  return url.href
}

const expand = (template: string, values: Record<string, string | number>) =>
  template.replace(/\{([a-z-]+)\}/g, (whole, name: string) => String(values[name] ?? whole))

const textOf = (value: unknown): string | null =>
  typeof value === 'string'
    ? value
    : typeof (value as { text?: unknown })?.text === 'string'
      ? (value as { text: string }).text
      : null

function known(list: ListDocument): KnownEntry[] {
  return list.subprocessors.map((entry) => ({
    id: entry.id,
    name: entry.name,
    purpose: textOf(entry.purpose),
    location: textOf(entry.location),
    regions: Array.isArray(entry.regions) ? entry.regions.filter((r) => typeof r === 'string') : [],
  }))
}

export class Watcher {
  private readonly fetcher: Fetch
  private readonly limits: HttpLimits
  private readonly now: () => number

  constructor(
    readonly store: StateStore,
    private readonly options: WatchOptions = {},
  ) {
    this.fetcher = options.fetch ?? ((input, init) => fetch(input, init))
    this.limits = { ...DEFAULT_LIMITS, ...options.limits }
    this.now = options.now ?? Date.now
  }

  /**
   * Adds a registry: reads it once as the baseline (no events), and pins its log's key: `key` when
   * given, else the key its discovery publishes, which the caller shows for confirmation.
   */
  /** A registry's discovery document, read once: what `add` will pin, shown before it does. */
  async discover(given: string): Promise<{ url: string; discovery: Discovery }> {
    const url = discoveryUrl(given)
    return { url, discovery: readDiscovery(url, await this.json(url)) }
  }

  async add(given: string, { key, lang }: { key?: string; lang?: string } = {}) {
    const state = await this.store.load()
    if (state.registries[discoveryUrl(given)])
      throw new WatchError('error', `${discoveryUrl(given)} is already watched`, 'Run `check` to read it.')
    const { url, discovery } = await this.discover(given)
    const language = lang ?? discovery.defaultLanguage
    if (!discovery.languages.includes(language))
      throw new WatchError(
        'error',
        `${url} does not serve the language "${language}"`,
        `Choose one of ${discovery.languages.join(', ')}.`,
      )
    const offered = discovery.conformance.includes('evidence') ? (discovery.evidence?.verifierKey ?? null) : null
    const pinned = key ?? offered
    if (pinned) {
      try {
        const parsed = await parseVerifierKey(pinned)
        if (discovery.evidence && parsed.name !== discovery.evidence.origin)
          throw new NoteError(`the key is for the log "${parsed.name}", not "${discovery.evidence.origin}"`)
      } catch (error) {
        throw new WatchError('error', `${url}: ${(error as Error).message}`, 'Check the key with the vendor.')
      }
    }
    const blank: RegistryState = {
      url,
      addedAt: new Date(this.now()).toISOString(),
      vendor: discovery.company.service ?? discovery.company.name,
      lang: language,
      discovery,
      version: 0,
      publishedAt: '',
      entries: [],
      pending: [],
      etags: {},
      log:
        pinned && discovery.evidence ? { origin: discovery.evidence.origin, keys: [pinned], size: 0, root: '' } : null,
      evidence: 'not-offered',
      lastCheck: null,
    }
    const { next, report } = await this.checkOne(blank, true)
    if (report.outcome === 'error' || report.outcome === 'evidence')
      throw new WatchError(report.outcome, report.message!, report.hint!)
    state.registries[url] = next
    await this.store.save(state)
    return { registry: next, key: pinned, keySource: key ? ('given' as const) : pinned ? ('discovery' as const) : null }
  }

  /** Whether the registry is watched already. */
  async has(given: string): Promise<boolean> {
    return discoveryUrl(given) in (await this.store.load()).registries
  }

  async remove(given: string): Promise<boolean> {
    const url = discoveryUrl(given)
    const state = await this.store.load()
    if (!state.registries[url]) return false
    delete state.registries[url]
    await this.store.save(state)
    return true
  }

  /** One pass over every registry; the state is written once, at the end. */
  async check(): Promise<{ reports: RegistryReport[]; events: ChangeEvent[] }> {
    const state = await this.store.load()
    const run = limiter(this.options.concurrency ?? 16, this.options.perHost ?? 4)
    const registries = Object.values(state.registries)
    let done = 0
    const reports = await Promise.all(
      registries.map((registry) =>
        run(new URL(registry.url).host, async () => {
          const { next, report } = await this.checkOne(registry, false)
          state.registries[registry.url] = next
          this.options.onProgress?.(++done, registries.length, report)
          return report
        }),
      ),
    )
    await this.store.save(state)
    return { reports, events: reports.flatMap((report) => report.events) }
  }

  private async checkOne(
    previous: RegistryState,
    baseline: boolean,
  ): Promise<{ next: RegistryState; report: RegistryReport }> {
    const at = new Date(this.now()).toISOString()
    try {
      const next = await this.read(previous, baseline)
      const outcome = next.events.length > 0 ? 'changed' : 'unchanged'
      return {
        next: { ...next.state, lastCheck: { at, outcome } },
        report: {
          url: previous.url,
          vendor: next.state.vendor,
          outcome,
          version: next.state.version,
          evidence: next.state.evidence,
          events: next.events,
        },
      }
    } catch (error) {
      const failure =
        error instanceof WatchError
          ? error
          : new WatchError(
              'error',
              `${previous.url}: ${(error as Error).message}`,
              'This is a fault of subprocessor-watch itself: report it, with this message.',
            )
      const outcome = failure.kind === 'evidence' ? 'evidence' : 'error'
      const message = failure.message.includes(previous.url) ? failure.message : `${previous.url}: ${failure.message}`
      return {
        // The last good state stays; only the record of this check is new.
        next: { ...previous, lastCheck: { at, outcome, message } },
        report: {
          url: previous.url,
          vendor: previous.vendor,
          outcome,
          version: previous.version || null,
          evidence: outcome === 'evidence' ? 'failed' : previous.evidence,
          events: [],
          message,
          hint: failure.hint,
        },
      }
    }
  }

  private async read(previous: RegistryState, baseline: boolean) {
    const etags: Record<string, string> = {}
    const fetchFor = async (url: string, conditional = true): Promise<Fetched> => {
      const fetched = await get(this.fetcher, url, conditional ? previous.etags[url] : undefined, this.limits)
      if (fetched.etag) etags[url] = fetched.etag
      return fetched
    }
    const url = previous.url
    const found = await fetchFor(url)
    const discovery = found.status === 304 ? previous.discovery : readDiscovery(url, parseJson(found.bytes, url))
    const { lang } = previous
    const listLink = pick(discovery.lists, lang)
    if (!listLink)
      throw new WatchError(
        'error',
        `${url} links no JSON list of region "all" in ${lang}`,
        'Tell the vendor: the format requires it.',
      )
    const listUrl = new URL(listLink.href, url).href
    // A list whose evidence is pending is read whole again, to be checked against the log once it has caught up.
    const listFetched = await fetchFor(listUrl, previous.evidence !== 'pending')
    let list: { version: number; publishedAt: string; entries: KnownEntry[]; bytes: Uint8Array | null } = {
      version: previous.version,
      publishedAt: previous.publishedAt,
      entries: previous.entries,
      bytes: null,
    }
    if (listFetched.status === 200) {
      const doc = readList(listUrl, parseJson(listFetched.bytes, listUrl))
      list = { version: doc.version, publishedAt: doc.publishedAt, entries: known(doc), bytes: listFetched.bytes }
    }
    if (list.version < previous.version)
      throw new WatchError(
        'error',
        `${listUrl} serves version ${list.version}, older than version ${previous.version} read before`,
        'A cache may be stale; try again later, and tell the vendor if it persists.',
      )
    const { events, pending, logUrl } = await this.changes(previous, discovery, fetchFor, baseline)
    const { log, evidence } = await this.evidence(previous, discovery, list, etags)
    const next: RegistryState = {
      ...previous,
      vendor: discovery.company.service ?? discovery.company.name,
      discovery,
      version: list.version,
      publishedAt: list.publishedAt,
      entries: list.entries,
      pending,
      ...(logUrl ? { logUrl } : {}),
      etags,
      log,
      evidence,
    }
    return { state: next, events }
  }

  /** The events since the last version seen, from the change log, and the announced changes still to come. */
  private async changes(
    previous: RegistryState,
    discovery: Discovery,
    fetchFor: (url: string) => Promise<Fetched>,
    baseline: boolean,
  ): Promise<{ events: ChangeEvent[]; pending: Change[]; logUrl?: string }> {
    const now = this.now()
    const link = pick(discovery.history?.changeLogs, previous.lang)
    if (!discovery.conformance.includes('history') || !link) return { events: [], pending: [] }
    const since = discovery.templates?.since
    // The same URL as last time while the version stands, so that an unchanged log costs a 304.
    const url =
      previous.logUrl && discovery.version === previous.version
        ? previous.logUrl
        : since && previous.version > 0
          ? new URL(expand(since, { region: 'all', lang: previous.lang, version: previous.version }), previous.url).href
          : new URL(link.href, previous.url).href
    const fetched = await fetchFor(url)
    const fresh =
      fetched.status === 304
        ? []
        : readChangeLog(url, parseJson(fetched.bytes, url)).changes.filter(
            (change) => change.version > previous.version || (change.withdrawn?.version ?? 0) > previous.version,
          )
    const event = (kind: EventKind, change: Change): ChangeEvent => ({
      kind,
      registry: previous.url,
      vendor: discovery.company.service ?? discovery.company.name,
      change: change.id,
      type: change.type,
      subprocessor: { id: change.entry.id, name: change.entry.name },
      regions: change.regions,
      effectiveAt: change.effectiveAt,
      objectionDeadline: change.objectionDeadline,
      version: change.withdrawn?.version ?? change.version,
      summary: change.summary ?? null,
    })
    const events: ChangeEvent[] = []
    const withdrawn = new Set<string>()
    let pending = [...previous.pending]
    for (const change of [...fresh].reverse()) {
      if (change.withdrawn) {
        withdrawn.add(change.id)
        pending = pending.filter((p) => p.id !== change.id)
        events.push(event('withdrawn', change))
      } else if (Date.parse(change.effectiveAt) > now) {
        if (!pending.some((p) => p.id === change.id)) pending.push(change)
        events.push(event('announced', change))
      } else events.push(event(change.type, change))
    }
    for (const change of pending.filter((p) => Date.parse(p.effectiveAt) <= now && !withdrawn.has(p.id)))
      events.push(event('effective', change))
    pending = pending.filter((p) => Date.parse(p.effectiveAt) > now)
    return { events: baseline ? [] : events, pending, logUrl: url }
  }

  /** The witness's pass: the checkpoint, its consistency, and that the list read is in the log. */
  private async evidence(
    previous: RegistryState,
    discovery: Discovery,
    list: { version: number; bytes: Uint8Array | null },
    etags: Record<string, string>,
  ): Promise<{ log: RegistryState['log']; evidence: EvidenceStatus }> {
    if (!discovery.conformance.includes('evidence') || !discovery.evidence)
      return { log: previous.log, evidence: 'not-offered' }
    if (!previous.log) return { log: null, evidence: 'not-pinned' }
    const w: Witnessing = { fetcher: this.fetcher, limits: this.limits, discovery, base: previous.url }
    const checkpointUrl = new URL(discovery.evidence.checkpoint, previous.url).href
    const witnessed = await witness(w, previous.log, previous.etags[checkpointUrl])
    if (witnessed?.etag) etags[checkpointUrl] = witnessed.etag
    else if (!witnessed && previous.etags[checkpointUrl]) etags[checkpointUrl] = previous.etags[checkpointUrl]!
    const log = witnessed?.log ?? previous.log
    if (!list.bytes) return { log, evidence: previous.evidence }
    // A list newer than the checkpoint read: the checkpoint's cache has not caught up; read again next time.
    if (list.version > log.size) return { log, evidence: 'pending' }
    const leaves = witnessed?.leaves ?? (await readLeaves(w, log.size))
    const manifest = await loggedManifest(w, list.version, leaves)
    if (!(await listIsLogged(manifest, list.bytes)))
      throw new WatchError(
        'evidence',
        `the list served as version ${list.version} is not among the representations its logged manifest lists`,
        'Keep the last good state; ask the vendor why the served list differs from the logged one.',
      )
    return { log, evidence: 'verified' }
  }

  /** What changed between two versions of a registry's list (region all), read from its version index. */
  async diff(given: string, from: number, to: number, lang?: string) {
    const { url, discovery } = await this.discover(given)
    const language = lang ?? discovery.defaultLanguage
    const link = pick(discovery.history?.versions, language, undefined)
    if (!discovery.conformance.includes('history') || !link)
      throw new WatchError(
        'error',
        `${url} serves no version history`,
        'Only registries at the History level have one.',
      )
    const versionsUrl = new URL(link.href, url).href
    const versions = readVersions(versionsUrl, await this.json(versionsUrl))
    const listOf = async (version: number) => {
      const found = versions.versions.find((v) => v.version === version)
      if (!found)
        throw new WatchError(
          'error',
          `${url} has no version ${version}`,
          `Choose from ${versions.versions.map((v) => v.version).join(', ')}.`,
        )
      const listUrl = new URL(found.links.list, versionsUrl).href
      return readList(listUrl, await this.json(listUrl))
    }
    const [before, after] = [await listOf(from), await listOf(to)]
    return { registry: url, from, to, ...diffLists(before.subprocessors, after.subprocessors) }
  }

  private async json(url: string): Promise<unknown> {
    const fetched = await get(this.fetcher, url, undefined, this.limits)
    if (fetched.status !== 200)
      throw new WatchError('error', `${url} answered 304 to an unconditional request`, 'Tell the vendor.')
    return parseJson(fetched.bytes, url)
  }
}

type Entry = ListDocument['subprocessors'][number]

/** Added, removed and modified entries by id; a modification names every field that differs. */
export function diffLists(before: Entry[], after: Entry[]) {
  const old = new Map(before.map((entry) => [entry.id, entry]))
  const now = new Map(after.map((entry) => [entry.id, entry]))
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)
  return {
    added: after.filter((entry) => !old.has(entry.id)).map(({ id, name }) => ({ id, name })),
    removed: before.filter((entry) => !now.has(entry.id)).map(({ id, name }) => ({ id, name })),
    modified: after
      .filter((entry) => old.has(entry.id))
      .map((entry) => {
        const was = old.get(entry.id)!
        const fields = [...new Set([...Object.keys(was), ...Object.keys(entry)])].filter(
          (field) => field !== 'href' && !same(was[field], entry[field]),
        )
        return {
          id: entry.id,
          name: entry.name,
          fields: fields.map((field) => ({ field, before: was[field], after: entry[field] })),
        }
      })
      .filter((entry) => entry.fields.length > 0),
  }
}

export type { WatchState }
