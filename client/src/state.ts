/**
 * What the client remembers between checks, per registry, behind a small storage interface. Only
 * what the client read and understood is kept (format.ts copies it into shapes of its own). A
 * check changes the stored state through `update`, which applies to the state as it is stored
 * then: a registry added or removed meanwhile by another run is kept as that run left it, and a
 * registry whose state cannot be saved keeps what it had while the others save theirs.
 */
import type { Change, Discovery } from './format.js'
import type { WitnessedLog } from './witness.js'

export const STATE_FORMAT = 'subprocessor-watch-state/2'
const STATE_FORMAT_1 = 'subprocessor-watch-state/1'

/** One sub-processor as the portfolio export shows it. */
export interface KnownEntry {
  id: string
  name: string | null
  purpose: string | null
  location: string | null
  regions: string[]
}

export type EvidenceStatus = 'verified' | 'not-offered' | 'not-pinned' | 'pending' | 'failed'

export type Outcome = 'unchanged' | 'changed' | 'evidence' | 'error'

export interface RegistryState {
  /** The discovery document's URL: the registry's identity here. */
  url: string
  addedAt: string
  vendor: string
  /** The language the client reads the registry in. */
  lang: string
  /** Its user allowed a private or loopback host, or plain HTTP (tests, intranets). */
  allowPrivate: boolean
  discovery: Discovery
  /** Discovery's ETag: a 304 on it means nothing was published since (format §4.2). */
  discoveryEtag: string | null
  /** The version of the list last read, and when it was published. */
  version: number
  publishedAt: string
  entries: KnownEntry[]
  /** Announced changes not yet in force: each gives an `effective` event when its instant passes. */
  pending: Change[]
  log: WitnessedLog | null
  evidence: EvidenceStatus
  /** A version served before its log holds it: since when, so that the wait is bounded. */
  waiting: { version: number; since: string } | null
  /** The witnesses that must cosign its checkpoints (C2SP tlog-policy), given when it was added; else the global one. */
  policy?: string | null
  /** Counts the saves of this registry's state: a run saves only over the state it started from. */
  revision: number
}

/** A webhook subscription `subscribe` made: the secret its deliveries are signed with, and how to manage it. */
export interface StoredSubscription {
  id: string
  /** The registry's discovery URL. */
  registry: string
  endpoint: string
  secret: string
  managementToken: string | null
  regions: string[]
  languages: string[] | null
  events: string[]
  createdAt: string
}

/** How a registry's last check went: kept apart, so that a failed check changes none of the registry's state. */
export interface LastCheck {
  at: string
  outcome: Outcome
  message?: string
  /** Two checkpoints signed by the registry's key that cannot both be true: the proof of a split view. */
  splitView?: { seen: string; served: string }
}

export interface WatchState {
  format: typeof STATE_FORMAT
  registries: Record<string, RegistryState>
  subscriptions: Record<string, StoredSubscription>
  checks: Record<string, LastCheck>
}

export const emptyState = (): WatchState => ({ format: STATE_FORMAT, registries: {}, subscriptions: {}, checks: {} })

/** Where the state lives. `update` must apply `change` to the state as stored, and store the result at once, or not at all. */
export interface StateStore {
  load(): Promise<WatchState>
  update(change: (state: WatchState) => void, onUnsaved?: (url: string) => void): Promise<WatchState>
}

/**
 * The state as text: one line per registry, so that a registry a check did not change keeps its
 * bytes; each registry alone, so that one that cannot be written keeps its stored line.
 */
export function serialize(state: WatchState, stored: WatchState | null, onFailure?: (url: string) => void): string {
  const lines = (map: Record<string, unknown>, kept: Record<string, unknown> | undefined) =>
    Object.entries(map).flatMap(([url, value]) => {
      try {
        return [`${JSON.stringify(url)}: ${JSON.stringify(value)}`]
      } catch {
        onFailure?.(url)
        return kept?.[url] ? [`${JSON.stringify(url)}: ${JSON.stringify(kept[url])}`] : []
      }
    })
  const section = (name: string, map: Record<string, unknown>, kept?: Record<string, unknown>) =>
    `${JSON.stringify(name)}: {${lines(map, kept)
      .map((line) => `\n  ${line}`)
      .join(',')}\n}`
  return `{"format": ${JSON.stringify(STATE_FORMAT)},\n${[
    section('registries', state.registries, stored?.registries),
    section('subscriptions', state.subscriptions, stored?.subscriptions),
    section('checks', state.checks, stored?.checks),
  ].join(',\n')}}\n`
}

/** A stored state read back: this format, or the one before it, brought up to date. */
export function parseState(text: string, where: string): WatchState {
  const state = JSON.parse(text) as { format?: unknown; registries?: Record<string, Record<string, unknown>> }
  if (state.format === STATE_FORMAT)
    return { ...(state as unknown as WatchState), subscriptions: (state as unknown as WatchState).subscriptions ?? {} }
  if (state.format !== STATE_FORMAT_1 || typeof state.registries !== 'object')
    throw new Error(`${where} is not a subprocessor-watch state file (${STATE_FORMAT})`)
  const registries: Record<string, RegistryState> = {}
  const checks: Record<string, LastCheck> = {}
  for (const [url, old] of Object.entries(state.registries)) {
    const {
      etags,
      logUrl: _logUrl,
      lastCheck,
      ...kept
    } = old as Record<string, unknown> & {
      etags?: Record<string, string>
      lastCheck?: LastCheck | null
    }
    if (lastCheck) checks[url] = lastCheck
    const log = old.log as (Omit<WitnessedLog, 'edge'> & { edge?: string[] }) | null
    registries[url] = {
      ...(kept as unknown as RegistryState),
      allowPrivate: false,
      discoveryEtag: etags?.[url] ?? null,
      // The log's edge is not known yet: the next growth reads the log whole, once.
      log: log ? { ...log, edge: null } : null,
      waiting: null,
      revision: 0,
    }
  }
  return { format: STATE_FORMAT, registries, subscriptions: {}, checks }
}

/** In memory: for tests, and for a Worker that keeps its own storage. */
export class MemoryStore implements StateStore {
  private text = serialize(emptyState(), null)
  async load(): Promise<WatchState> {
    return parseState(this.text, 'the memory store')
  }
  async update(change: (state: WatchState) => void, onUnsaved?: (url: string) => void): Promise<WatchState> {
    const stored = await this.load()
    const next = await this.load()
    change(next)
    this.text = serialize(next, stored, onUnsaved)
    return next
  }
}
