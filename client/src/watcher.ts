/**
 * Watches any number of registries. A registry whose discovery answers 304 has published nothing
 * since the last check (format §4.2): that costs one request, and only announced changes coming
 * into force are new. Otherwise the client reads discovery, the list and the whole change log,
 * and, where the registry keeps a signed log, checks every one of them byte for byte against
 * the manifest the log holds for that version, as the representation of the link it came from.
 * Events come only from bytes so checked. A registry that fails keeps its last good state.
 */
import { fromBase64, sha256Base64, toBase64Url } from './bytes.js'
import { SplitView, WatchError } from './errors.js'
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
import { announcedBetween, type ChangeEvent, classify, toEvent } from './events.js'
import {
  allowedUrl,
  asWatchError,
  checkHost,
  DEFAULT_LIMITS,
  type Fetch,
  get,
  type HttpLimits,
  type Network,
  readBounded,
} from './http.js'
import { parseJson } from './json.js'
import { limiter } from './limiter.js'
import { NoteError, parseVerifierKey } from './log/signed-note.js'
import { describeWanted, listingsOf, type Manifest, type Wanted } from './manifest.js'
import type { EvidenceStatus, KnownEntry, LastCheck, Outcome, RegistryState, StateStore, WatchState } from './state.js'
import {
  DEFAULT_LOG_LIMITS,
  evidenceFailure,
  type LogLimits,
  leafOf,
  loggedManifest,
  logLinks,
  versionIndex,
  type Witnessed,
  type WitnessedBy,
  witness,
} from './witness.js'
import { type Policy, PolicyError, parsePolicy } from './cosign/policy.js'
import { checkInclusion, readInclusion } from './objections/commitment.js'

/** A witness policy, or a usage-level error naming what is wrong with it. */
async function readPolicy(text: string): Promise<Policy> {
  try {
    return await parsePolicy(text)
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error
    throw new WatchError(
      'error',
      `the witness policy is not one: ${error.message}`,
      'Fix the policy file (C2SP tlog-policy).',
    )
  }
}

export type { ChangeEvent, EventKind } from './events.js'

export interface RegistryReport {
  url: string
  vendor: string
  outcome: Outcome
  version: number | null
  evidence: EvidenceStatus
  events: ChangeEvent[]
  /** Who cosigned the checkpoint read, where a witness policy applies. */
  witnessed?: WitnessedBy | null
  /** The two signed checkpoints that prove a split view, when a check found one. */
  splitView?: { seen: string; served: string }
  message?: string
  hint?: string
}

export interface WatchOptions {
  /** Any WHATWG fetch; by default the platform's. On Node, `guardedFetch` from `subprocessor-watch/node` also checks addresses. */
  fetch?: Fetch
  /** The fetch for a registry whose user allowed private hosts, when it differs from `fetch`. */
  privateFetch?: Fetch
  limits?: Partial<HttpLimits>
  log?: Partial<LogLimits>
  /** Private, loopback and link-local hosts, and plain HTTP, for every registry (tests, intranets). */
  allowPrivate?: boolean
  /** Registries checked at once, and at once on any one host. */
  concurrency?: number
  perHost?: number
  /** How long a version may be served before its signed log holds it; then it is an evidence failure. */
  waitingGraceMs?: number
  /** The witness policy (C2SP tlog-policy text) for every registry added without one of its own. */
  policy?: string
  now?: () => number
  onProgress?: (done: number, total: number, report: RegistryReport) => void
}

export const WELL_KNOWN = '/.well-known/subprocessors'

/** A version ahead of its log is waited for an hour: longer than any cache of a checkpoint should hold it. */
export const DEFAULT_WAITING_GRACE_MS = 60 * 60 * 1000

/** A registry's discovery URL: an origin alone means its well-known path. */
export function discoveryUrl(given: string): string {
  let url: URL
  try {
    url = new URL(given)
  } catch {
    throw new WatchError('error', `"${given}" is not a URL`, 'Give the registry as https://host or its discovery URL.')
  }
  if (!/^https?:$/.test(url.protocol))
    throw new WatchError('error', `${url.protocol}//${url.host} is not http(s)`, 'Give the registry as https://host.')
  if (url.username || url.password)
    throw new WatchError('error', `${url.origin} carries a user name or password`, 'Give the registry without them.')
  url.hash = ''
  if (url.pathname === '/' && !url.search) return `${url.origin}${WELL_KNOWN}`
  return url.href
}

const textOf = (value: unknown): string | null =>
  typeof value === 'string'
    ? value
    : typeof (value as { text?: unknown })?.text === 'string'
      ? (value as { text: string }).text
      : null

const MAX_TEXT = 4096
const bounded = (text: string | null) => (text === null ? null : text.slice(0, MAX_TEXT))

function known(list: ListDocument): KnownEntry[] {
  return list.subprocessors.map((entry) => ({
    id: entry.id,
    name: entry.name,
    purpose: bounded(textOf(entry.purpose)),
    location: bounded(textOf(entry.location)),
    regions: Array.isArray(entry.regions)
      ? entry.regions.filter((r): r is string => typeof r === 'string' && r.length <= 64).slice(0, 64)
      : [],
  }))
}

/** What one registry's check read: its new state and its events. */
interface Read {
  state: RegistryState
  events: ChangeEvent[]
  witnessed?: WitnessedBy | null
}

export class Watcher {
  private readonly limits: HttpLimits
  private readonly logLimits: LogLimits
  private readonly now: () => number

  constructor(
    readonly store: StateStore,
    private readonly options: WatchOptions = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits }
    this.logLimits = { ...DEFAULT_LOG_LIMITS, ...options.log }
    this.now = options.now ?? Date.now
  }

  private network(url: string, allowPrivate: boolean): Network {
    const allowed = allowPrivate || (this.options.allowPrivate ?? false)
    const base = this.options.fetch ?? ((input: string, init?: RequestInit) => fetch(input, init))
    return {
      fetch: allowed ? (this.options.privateFetch ?? base) : base,
      limits: this.limits,
      origin: new URL(url).origin,
      allowPrivate: allowed,
    }
  }

  /** A registry's discovery document, read once: what `add` will pin, shown before it does. */
  async discover(given: string, { allowPrivate = false } = {}): Promise<{ url: string; discovery: Discovery }> {
    const url = discoveryUrl(given)
    const net = this.network(url, allowPrivate)
    checkHost(new URL(url), net.allowPrivate)
    const fetched = await get(net, url)
    if (fetched.status !== 200)
      throw new WatchError('error', `${url} answered 304 to an unconditional request`, 'Tell the vendor.')
    return { url, discovery: readDiscovery(url, parseJson(fetched.bytes, url)) }
  }

  /**
   * Adds a registry: reads it once as the baseline (no events), and pins its log's key: `key` when
   * given, else the key its discovery publishes, which the caller shows for confirmation. A key
   * given is a key enforced: a registry that keeps no log it signs is refused. Adding a
   * registry already watched changes nothing.
   */
  async add(
    given: string,
    {
      key,
      lang,
      allowPrivate = false,
      policy,
    }: { key?: string; lang?: string; allowPrivate?: boolean; policy?: string } = {},
  ) {
    const url = discoveryUrl(given)
    const watched = (await this.store.load()).registries[url]
    if (watched) return { registry: watched, key: watched.log?.keys.at(-1) ?? null, keySource: 'watched' as const }
    const { discovery } = await this.discover(url, { allowPrivate })
    const language = lang ?? discovery.defaultLanguage
    if (!discovery.languages.includes(language))
      throw new WatchError(
        'error',
        `${url} does not serve the language "${language}"`,
        `Choose one of ${discovery.languages.join(', ')}.`,
      )
    if (policy !== undefined) await readPolicy(policy)
    if ((key || policy) && !discovery.evidence)
      throw evidenceFailure(
        `${url} keeps no signed log, so the key you gave cannot be checked`,
        'Ask the vendor for its registry at the Evidence level, or add it without --key to watch changes only.',
      )
    const pinned = key ?? discovery.evidence?.verifierKey ?? null
    if (pinned && discovery.evidence) {
      try {
        const parsed = await parseVerifierKey(pinned)
        if (parsed.name !== discovery.evidence.origin)
          throw new NoteError(`the key is for the log "${parsed.name}", not "${discovery.evidence.origin}"`)
      } catch (error) {
        throw new WatchError(
          key ? 'evidence' : 'error',
          `${url}: ${(error as Error).message}`,
          'Check the key with the vendor.',
        )
      }
    }
    const blank: RegistryState = {
      url,
      addedAt: new Date(this.now()).toISOString(),
      vendor: discovery.company.service ?? discovery.company.name,
      lang: language,
      allowPrivate,
      discovery,
      discoveryEtag: null,
      version: 0,
      publishedAt: '',
      entries: [],
      pending: [],
      log:
        pinned && discovery.evidence
          ? { origin: discovery.evidence.origin, keys: [pinned], size: 0, root: '', edge: [] }
          : null,
      evidence: 'not-offered',
      waiting: null,
      ...(policy !== undefined ? { policy } : {}),
      revision: 0,
    }
    const { next, report, check } = await this.checkOne(blank, true)
    if (!next) throw new WatchError(report.outcome === 'evidence' ? 'evidence' : 'error', report.message!, report.hint!)
    if (next.evidence === 'pending')
      throw evidenceFailure(
        `${url} serves version ${next.waiting?.version} before its signed log holds it`,
        'Add it again in a few minutes, once the log has caught up.',
      )
    let added = next
    await this.store.update((state) => {
      // Another run may have added it meanwhile: theirs stands.
      if (state.registries[url]) added = state.registries[url]
      else {
        state.registries[url] = next
        state.checks[url] = check
      }
    })
    return {
      registry: added,
      key: pinned,
      keySource: key ? ('given' as const) : pinned ? ('discovery' as const) : null,
    }
  }

  /** Whether the registry is watched already. */
  async has(given: string): Promise<boolean> {
    return discoveryUrl(given) in (await this.store.load()).registries
  }

  async remove(given: string): Promise<boolean> {
    const url = discoveryUrl(given)
    let removed = false
    await this.store.update((state) => {
      removed = url in state.registries
      delete state.registries[url]
      delete state.checks[url]
    })
    return removed
  }

  /** One pass over every registry; each registry's new state is saved over the state it started from. */
  async check(): Promise<{ reports: RegistryReport[]; events: ChangeEvent[] }> {
    const state = await this.store.load()
    const run = limiter(this.options.concurrency ?? 16, this.options.perHost ?? 4)
    const registries = Object.values(state.registries)
    const results: { previous: RegistryState; next: RegistryState | null; report: RegistryReport; check: LastCheck }[] =
      []
    let done = 0
    await Promise.all(
      registries.map((registry) =>
        run(new URL(registry.url).host, async () => {
          const result = await this.checkOne(registry, false)
          results.push({ previous: registry, ...result })
          this.options.onProgress?.(++done, registries.length, result.report)
        }),
      ),
    )
    const unsaved = new Set<string>()
    await this.store.update(
      (stored) => {
        for (const { previous, next, check } of results) {
          const now = stored.registries[previous.url]
          // Removed meanwhile, or saved by another run since this one read it: that stands.
          if (!now || now.revision !== previous.revision) continue
          stored.checks[previous.url] = check
          // A failed check leaves the registry's state exactly as it was.
          if (next) stored.registries[previous.url] = { ...next, revision: previous.revision + 1 }
        }
      },
      (url) => unsaved.add(url),
    )
    const reports = registries.map((registry) => results.find((r) => r.previous === registry)!.report)
    for (const report of reports.filter((r) => unsaved.has(r.url)))
      Object.assign(report, {
        outcome: 'error',
        events: [],
        message: `${report.url}: what was read could not be saved`,
        hint: 'This is a fault of subprocessor-watch itself: report it, with this message.',
      })
    return { reports, events: reports.flatMap((report) => report.events) }
  }

  /** One registry's check: its new state (null when it failed: the old one stands), its report, and the record of the check. */
  private async checkOne(
    previous: RegistryState,
    baseline: boolean,
  ): Promise<{ next: RegistryState | null; report: RegistryReport; check: LastCheck }> {
    const at = new Date(this.now()).toISOString()
    try {
      const { state, events, witnessed } = await this.read(previous, baseline)
      const outcome = events.length > 0 ? 'changed' : 'unchanged'
      return {
        next: state,
        check: { at, outcome },
        report: {
          url: previous.url,
          vendor: state.vendor,
          outcome,
          version: state.version,
          evidence: state.evidence,
          events,
          ...(witnessed !== undefined ? { witnessed } : {}),
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
        next: null,
        check: {
          at,
          outcome,
          message,
          ...(failure instanceof SplitView ? { splitView: { seen: failure.seen, served: failure.served } } : {}),
        },
        report: {
          url: previous.url,
          vendor: previous.vendor,
          outcome,
          version: previous.version || null,
          evidence: outcome === 'evidence' ? 'failed' : previous.evidence,
          events: [],
          ...(failure instanceof SplitView ? { splitView: { seen: failure.seen, served: failure.served } } : {}),
          message,
          hint: failure.hint,
        },
      }
    }
  }

  private async read(previous: RegistryState, baseline: boolean): Promise<Read> {
    const net = this.network(previous.url, previous.allowPrivate)
    const url = previous.url
    const found = await get(net, url, previous.waiting ? undefined : (previous.discoveryEtag ?? undefined))
    if (found.status === 304) return this.unchanged(previous, net)
    const discovery = readDiscovery(url, parseJson(found.bytes, url))
    if (previous.log && !discovery.evidence)
      throw evidenceFailure(
        `${url} no longer offers its signed log, which it kept when it was added`,
        'Keep the last good state; a registry does not give up its evidence: ask the vendor why.',
      )
    if (previous.log && discovery.evidence?.origin !== previous.log.origin)
      throw evidenceFailure(`${url} now names another log than "${previous.log.origin}"`)
    if (discovery.version < previous.version) return this.rolledBack(previous, discovery, net)
    const { lang } = previous
    const listLink = pick(discovery.lists, lang)
    if (!listLink)
      throw new WatchError(
        'error',
        `${url} links no JSON list of region "all" in ${lang}`,
        'Tell the vendor: the format requires it.',
      )
    const listUrl = allowedUrl(net, listLink.href, url).href
    const listBytes = await this.body(net, listUrl)
    const list = readList(listUrl, parseJson(listBytes, listUrl))
    if (list.version < previous.version)
      throw new WatchError(
        'error',
        `${listUrl} serves version ${list.version}, older than version ${previous.version} read before`,
        'A cache may be stale; try again later, and tell the vendor if it persists.',
      )
    const logLink = discovery.history ? pick(discovery.history.changeLogs, lang) : undefined
    const signed = previous.log !== null
    // Without a log to check it against, the change log after the last version is enough; with one, the whole log the manifest lists.
    const logUrl = logLink
      ? signed || !discovery.templates?.since || previous.version === 0
        ? allowedUrl(net, logLink.href, url).href
        : allowedUrl(net, expand(discovery.templates.since, { region: 'all', lang, version: previous.version }), url)
            .href
      : null
    const logBytes = logUrl ? await this.body(net, logUrl) : null
    const changeLog = logUrl && logBytes ? readChangeLog(logUrl, parseJson(logBytes, logUrl)) : null

    let log = previous.log
    let witnessedBy: WitnessedBy | null | undefined
    let evidence: EvidenceStatus = discovery.evidence ? 'not-pinned' : 'not-offered'
    if (previous.log && discovery.evidence) {
      const links = logLinks(url, discovery, lang)
      const witnessed = await witness(net, links, previous.log, this.logLimits, await this.policyFor(previous))
      witnessedBy = witnessed.witnessed
      log = witnessed.log
      if (discovery.version > witnessed.log.size) return this.waitFor(previous, discovery.version, witnessed)
      const manifest = (
        await loggedManifest(
          net,
          links,
          discovery.version,
          await leafOf(net, links, witnessed, discovery.version, this.logLimits),
        )
      ).manifest
      const index = await versionIndex(net, links)
      const checks: [Wanted, Uint8Array][] = [
        [{ kind: 'document', name: 'discovery', url }, found.bytes],
        [{ kind: 'list', region: 'all', lang, format: 'json', url: listUrl }, listBytes],
        [{ kind: 'versions', lang, format: 'json', url: index.url }, index.bytes],
      ]
      if (logUrl && logBytes)
        checks.push([{ kind: 'changes', region: 'all', lang, format: 'json', complete: true, url: logUrl }, logBytes])
      for (const [wanted, bytes] of checks) await this.mustBeListed(manifest, wanted, bytes)
      if (list.version !== discovery.version)
        throw evidenceFailure(
          `${listUrl} states version ${list.version}, but version ${discovery.version}'s manifest lists it`,
        )
      evidence = 'verified'
    }

    const classified = changeLog
      ? classify(changeLog.changes, previous.version, previous.pending, this.now())
      : { events: [], pending: previous.pending }
    const vendor = discovery.company.service ?? discovery.company.name
    const events = classified.events.map((classifiedEvent) => toEvent(url, vendor, classifiedEvent))
    return {
      state: {
        ...previous,
        vendor,
        discovery,
        discoveryEtag: found.etag,
        version: list.version,
        publishedAt: list.publishedAt,
        entries: known(list),
        pending: classified.pending,
        log,
        evidence,
        waiting: null,
      },
      events: baseline ? [] : events,
      witnessed: witnessedBy,
    }
  }

  /** The registry's own witness policy, else the global one; null when neither is set. */
  private async policyFor(registry: RegistryState): Promise<Policy | null> {
    const text = registry.policy ?? this.options.policy
    return text === undefined || text === null ? null : readPolicy(text)
  }

  /**
   * Nothing published since: only announced changes whose day has come are new. Under a witness
   * policy the checkpoint is read again all the same: its cosignatures change without a publish,
   * and a view shown to this watcher alone must meet the quorum too.
   */
  private async unchanged(previous: RegistryState, net: Network): Promise<Read> {
    const { events, pending } = classify([], previous.version, previous.pending, this.now())
    const policy = previous.log ? await this.policyFor(previous) : null
    let log = previous.log
    let witnessed: WitnessedBy | null | undefined
    if (policy && previous.log) {
      const read = await witness(
        net,
        logLinks(previous.url, previous.discovery, previous.lang),
        previous.log,
        this.logLimits,
        policy,
      )
      witnessed = read.witnessed
      // A log that grew is read with the version that grew it; only the newest note of this size is kept.
      if (read.log.size === previous.log.size) log = read.log
    }
    return {
      state: { ...previous, pending, log },
      events: events.map((classifiedEvent) => toEvent(previous.url, previous.vendor, classifiedEvent)),
      witnessed,
    }
  }

  /** A version served before its log holds it: a checkpoint's cache behind; waited for, but not for ever. */
  private waitFor(previous: RegistryState, version: number, witnessed: Witnessed): Read {
    const since = previous.waiting?.version === version ? previous.waiting.since : new Date(this.now()).toISOString()
    const grace = this.options.waitingGraceMs ?? DEFAULT_WAITING_GRACE_MS
    if (this.now() - Date.parse(since) > grace)
      throw evidenceFailure(
        `${previous.url} has served version ${version} since ${since}, but its signed log still holds only ${witnessed.log.size} versions`,
        'A registry logs each version as it publishes it; ask the vendor why this one is not in its log.',
      )
    // The log's own progress is verified and kept; the unlogged version is not read until the log holds it.
    return { state: { ...previous, log: witnessed.log, evidence: 'pending', waiting: { version, since } }, events: [] }
  }

  /** A registry serving an older version than it served before: a shrunk log is a failure of evidence; else a stale cache. */
  private async rolledBack(previous: RegistryState, discovery: Discovery, net: Network): Promise<Read> {
    // A log that shrank throws here: that is a rollback, not a cache.
    if (previous.log && discovery.evidence)
      await witness(
        net,
        logLinks(previous.url, discovery, previous.lang),
        previous.log,
        this.logLimits,
        await this.policyFor(previous),
      )
    throw new WatchError(
      'error',
      `${previous.url} serves version ${discovery.version}, older than version ${previous.version} read before${previous.log ? `, while its log still holds version ${previous.version}` : ''}`,
      'A cache may be stale; try again later, and tell the vendor if it persists.',
    )
  }

  private async body(net: Network, url: string): Promise<Uint8Array> {
    const fetched = await get(net, url)
    if (fetched.status !== 200)
      throw new WatchError('error', `${url} answered 304 to an unconditional request`, 'Tell the vendor.')
    return fetched.bytes
  }

  /** The bytes must be the manifest's representation for the link they were read from. */
  private async mustBeListed(manifest: Manifest, wanted: Wanted, bytes: Uint8Array): Promise<void> {
    const listings = listingsOf(manifest, wanted)
    const digest = await sha256Base64(bytes)
    if (listings.some((r) => r.sha256 === digest)) return
    throw evidenceFailure(
      listings.length
        ? `${wanted.url} is not ${describeWanted(wanted)} that version ${manifest.version}'s logged manifest lists there`
        : `version ${manifest.version}'s logged manifest lists no ${describeWanted(wanted).slice(4)} at ${wanted.url}`,
    )
  }

  /** What changed between two versions of a registry's list (region all), with the changes announced and withdrawn between them. */
  async diff(
    given: string,
    from: number,
    to: number,
    { lang, allowPrivate = false }: { lang?: string; allowPrivate?: boolean } = {},
  ) {
    const stored = (await this.store.load()).registries[discoveryUrl(given)]
    const { url, discovery } = await this.discover(given, {
      allowPrivate: allowPrivate || (stored?.allowPrivate ?? false),
    })
    const net = this.network(url, allowPrivate || (stored?.allowPrivate ?? false))
    const language = lang ?? stored?.lang ?? discovery.defaultLanguage
    const link = pick(discovery.history?.versions, language, undefined)
    if (!discovery.history || !link)
      throw new WatchError(
        'error',
        `${url} serves no version history`,
        'Only registries at the History level have one.',
      )
    const versionsUrl = allowedUrl(net, link.href, url).href
    const versions = readVersions(versionsUrl, parseJson(await this.body(net, versionsUrl), versionsUrl))
    const listOf = async (version: number) => {
      const found = versions.versions.find((v) => v.version === version)
      if (!found)
        throw new WatchError(
          'error',
          `${url} has no version ${version}`,
          `Choose from ${versions.versions.map((v) => v.version).join(', ')}.`,
        )
      const listUrl = allowedUrl(net, found.links.list, versionsUrl).href
      return readList(listUrl, parseJson(await this.body(net, listUrl), listUrl))
    }
    const [before, after] = [await listOf(from), await listOf(to)]
    const logLink = pick(discovery.history.changeLogs, language)
    let changes: Change[] = []
    if (logLink) {
      const logUrl = allowedUrl(net, logLink.href, url).href
      changes = readChangeLog(logUrl, parseJson(await this.body(net, logUrl), logUrl)).changes
    }
    return {
      registry: url,
      from,
      to,
      ...diffLists(before.subprocessors, after.subprocessors),
      ...announcedBetween(changes, from, to),
    }
  }
  /**
   * Where the objection with `digest` sits under the commitment of a version of a watched
   * registry's log, checked from the signed checkpoint down: the version's leaf, its manifest,
   * and the inclusion proof up to the manifest's root. `pending` while no version commits to it.
   */
  async proveObjection(
    given: string,
    digest: string,
  ): Promise<
    | { status: 'committed'; version: number; index: number; size: number }
    | { status: 'pending' }
    | { status: 'unlogged'; version: number }
  > {
    const url = discoveryUrl(given)
    const state = (await this.store.load()).registries[url]
    if (!state?.log)
      throw new WatchError(
        'error',
        `${url} is not watched with its signed log, so its commitment cannot be checked`,
        'Add it with `subprocessor-watch add`, then run `receipts` again.',
      )
    const net = this.network(url, state.allowPrivate)
    const found = await get(net, url)
    if (found.status !== 200)
      throw new WatchError('error', `${url} answered 304 without a condition`, 'Tell the vendor.')
    const discovery = readDiscovery(url, parseJson(found.bytes, url))
    if (discovery.evidence?.origin !== state.log.origin)
      throw evidenceFailure(`${url} now names another log than "${state.log.origin}"`)
    const bytes = fromBase64(digest)
    if (!bytes || bytes.byteLength !== 32)
      throw new WatchError('error', 'the receipt names no SHA-256 digest', 'Keep your signed objection.')
    const template = discovery.objections?.inclusion ?? '/objections/{digest}/inclusion'
    const inclusionUrl = allowedUrl(net, template.replace('{digest}', toBase64Url(bytes)), url).href
    let res: Response
    let body: Uint8Array
    try {
      res = await net.fetch(inclusionUrl, {
        headers: { Accept: 'application/json' },
        redirect: 'manual',
        signal: AbortSignal.timeout(net.limits.timeoutMs),
      })
      body = await readBounded(res, inclusionUrl, 64 * 1024)
    } catch (error) {
      throw asWatchError(error, inclusionUrl, net.limits)
    }
    if (res.status === 404) {
      const code = (() => {
        try {
          return (parseJson(body, inclusionUrl) as { error?: { code?: unknown } }).error?.code
        } catch {
          return undefined
        }
      })()
      if (code === 'objection_not_committed') return { status: 'pending' }
      throw evidenceFailure(
        `${inclusionUrl} does not know the objection its receipt acknowledged`,
        'Keep the receipt and your signed objection: together they prove it was received. Ask the vendor.',
      )
    }
    if (res.status !== 200) throw new WatchError('error', `${inclusionUrl} answered ${res.status}`, 'Try again later.')
    const inclusion = readInclusion(parseJson(body, inclusionUrl))
    if (typeof inclusion === 'string') throw evidenceFailure(`${inclusionUrl} is not an inclusion: ${inclusion}`)
    const links = logLinks(url, discovery, state.lang)
    const witnessed = await witness(net, links, state.log, this.logLimits, await this.policyFor(state))
    // Just published, and the checkpoint read is a moment older (edge caches): nothing is proven, nothing is wrong.
    if (inclusion.version > witnessed.log.size) return { status: 'unlogged', version: inclusion.version }
    const leaf = await leafOf(net, links, witnessed, inclusion.version, this.logLimits)
    const { manifest } = await loggedManifest(net, links, inclusion.version, leaf)
    const problem = await checkInclusion(digest, inclusion, manifest.objections)
    if (problem) throw evidenceFailure(`the objection's inclusion in version ${inclusion.version} fails: ${problem}`)
    return { status: 'committed', version: inclusion.version, index: inclusion.index, size: inclusion.size }
  }
}

const expand = (template: string, values: Record<string, string | number>) =>
  template.replace(/\{([a-z-]+)\}/g, (whole, name: string) => encodeURIComponent(String(values[name] ?? whole)))

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
