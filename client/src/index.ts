/**
 * subprocessor-watch: read and watch registries that serve Sub-processor Registry Format 1.0.
 * No Node-only API here: it runs on Node 20+, in Workers and in browsers. The JSON file store
 * is in `subprocessor-watch/node`.
 */
export { FORMAT, type Discovery, type Level, type ListDocument, type Change, readDiscovery } from './format.js'
export { DEFAULT_LIMITS, type Fetch, type HttpLimits, WatchError } from './http.js'
export { parseVerifierKey, openNote, parseCheckpoint } from './signed-note.js'
export {
  emptyState,
  type EvidenceStatus,
  type KnownEntry,
  MemoryStore,
  type RegistryState,
  type StateStore,
  type WatchState,
} from './state.js'
export {
  type ChangeEvent,
  diffLists,
  discoveryUrl,
  type EventKind,
  type RegistryReport,
  type WatchOptions,
  Watcher,
} from './watcher.js'
export { type Delivery, verifyDelivery, WebhookVerificationError } from './webhook.js'
export { conform, type ConformanceReport } from './conform.js'
