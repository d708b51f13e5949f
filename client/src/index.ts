/**
 * subprocessor-watch: read and watch registries that serve Sub-processor Registry Format 1.0.
 * No Node-only API here: it runs on Node 20+, in Workers and in browsers. The JSON file store,
 * the fetch that refuses private addresses, and the command line are in `subprocessor-watch/node`.
 */
export { FORMAT, type Discovery, type Level, type ListDocument, type Change, readDiscovery } from './format.js'
export { DEFAULT_LIMITS, type Fetch, type HttpLimits } from './http.js'
export { WatchError } from './errors.js'
export { parseVerifierKey, openNote, parseCheckpoint } from './log/signed-note.js'
export {
  emptyState,
  type EvidenceStatus,
  type KnownEntry,
  MemoryStore,
  type RegistryState,
  type StateStore,
  type WatchState,
} from './state.js'
export { type ChangeEvent, classify, describeChange, type EventKind, eventLine } from './events.js'
export { diffLists, discoveryUrl, type RegistryReport, type WatchOptions, Watcher } from './watcher.js'
export { DEFAULT_LOG_LIMITS, type LogLimits, type WitnessedLog } from './witness.js'
export { type Delivery, verifyDelivery, WebhookVerificationError } from './webhook.js'
export { conform, type ConformanceReport } from './conform.js'
export { explain, VERIFY_EXIT, verifyFile } from './verify.js'
