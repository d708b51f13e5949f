/**
 * What the client remembers between checks, per registry, behind a small storage interface: a
 * check reads the whole state, and writes it back whole only when the pass is over, so a
 * registry that fails leaves everything it had before untouched.
 */
import type { Change, Discovery } from './format.js'
import type { WitnessedLog } from './witness.js'

export const STATE_FORMAT = 'subprocessor-watch-state/1'

/** One sub-processor as the portfolio export shows it. */
export interface KnownEntry {
  id: string
  name: string | null
  purpose: string | null
  location: string | null
  regions: string[]
}

export type EvidenceStatus = 'verified' | 'not-offered' | 'not-pinned' | 'pending' | 'failed'

export interface RegistryState {
  /** The discovery document's URL: the registry's identity here. */
  url: string
  addedAt: string
  vendor: string
  /** The language the client reads the registry in. */
  lang: string
  discovery: Discovery
  /** The version of the list last read, and when it was published. */
  version: number
  publishedAt: string
  entries: KnownEntry[]
  /** Announced changes not yet in force: each gives an `effective` event when its instant passes. */
  pending: Change[]
  /** The change log URL read last: read again, conditionally, until discovery names a new version. */
  logUrl?: string
  /** ETags by URL, for the conditional requests. */
  etags: Record<string, string>
  log: WitnessedLog | null
  evidence: EvidenceStatus
  lastCheck: { at: string; outcome: 'unchanged' | 'changed' | 'evidence' | 'error'; message?: string } | null
}

export interface WatchState {
  format: typeof STATE_FORMAT
  registries: Record<string, RegistryState>
}

export const emptyState = (): WatchState => ({ format: STATE_FORMAT, registries: {} })

/** Where the state lives. `save` must replace the whole state at once, or not at all. */
export interface StateStore {
  load(): Promise<WatchState>
  save(state: WatchState): Promise<void>
}

/** In memory: for tests, and for a Worker that keeps its own storage. */
export class MemoryStore implements StateStore {
  private text = JSON.stringify(emptyState())
  async load(): Promise<WatchState> {
    return JSON.parse(this.text) as WatchState
  }
  async save(state: WatchState): Promise<void> {
    this.text = JSON.stringify(state)
  }
}
