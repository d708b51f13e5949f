import { countries } from 'countries-list'
import type { ChangeRecord } from '../domain/change'
import { base64, base64url, strongEtag } from '../domain/etag'
import {
  ALL_REGIONS,
  CHANGE_FORMATS,
  FORMATS,
  type Release,
  VERSION_FORMATS,
  type View,
  viewPath,
  type HistoryEntry,
} from '../domain/representation'
import { entryPack, entryPackCount, versionPrefix } from '../storage/keys'
import { chunkList } from '../storage/lists'
import { type LogParts, storeLog, wholeLog } from '../storage/log'
import type { RenderedRepresentation, VersionInputs } from '../storage/writer'
import { boundariesAfter, entriesAt } from './input/changes'
import { discoveryDocument } from './contract/discovery'
import { openApiDocument } from './contract/openapi'
import type { ManifestedView } from './manifest'
import { type ListState, listRegions, type ReleaseStamp, toEntryDocument, toListDocument } from './render/model'
import { LATEST_CHANGES, type RegionLog } from './render/change-log'
import { renderChangeLog, renderVersionsLog, versionsDocument } from './render/changes'
import { ENTRY_RENDERERS, jsonText, LIST_RENDERERS } from './render/formats'
import { ENTRY_PAGE_STYLE, LIST_PAGE_STYLE, PAGE_SCRIPT } from './render/html'
import type { RegistryData, SubprocessorEntry } from './input/schema'
import { registryJsonSchema, type VersionsDocument } from './contract/schema'

const encoder = new TextEncoder()

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
}

/** How many of these ids land in each of the packs. */
function entryPackSizes(ids: string[], packs: number): number[] {
  const sizes = new Array<number>(packs).fill(0)
  for (const id of ids) sizes[entryPack(id, sizes.length)]!++
  return sizes
}

/** ISO 3166-1 country → region: the operator's continent defaults, then its country overrides. */
function expandCountryRegions(data: RegistryData): Record<string, string> {
  const { continentDefaults, countryOverrides } = data.regions
  const mapping: Record<string, string> = {}
  for (const [code, country] of Object.entries(countries)) {
    const region = countryOverrides[code] ?? continentDefaults[country.continent as keyof typeof continentDefaults]
    if (region) mapping[code] = region
  }
  return mapping
}

/** One state of a version, as the renderers need it. */
interface StateModel extends ListState {
  byId: Map<string, SubprocessorEntry>
}

/** A renderer for one version of the data: call it with any view and state of the release. */
export function renderer(
  data: RegistryData,
  stamp: ReleaseStamp,
  changes: ChangeRecord[],
  history: HistoryEntry[],
  states: StateModel[],
) {
  const rendered = new Map<string, Uint8Array>()
  const regionLogs = new Map<string, RegionLog>()
  // The version index is one document per language, whatever its format.
  const versionIndexes = new Map<string, VersionsDocument>()
  return (view: View, state: number): string | Uint8Array | LogParts => {
    const model = states[state]!
    switch (view.kind) {
      case 'list': {
        const state = { ...model, scheduled: view.scheduled === true }
        const doc = toListDocument(data, stamp, { region: view.region, lang: view.lang }, state)
        return LIST_RENDERERS[view.format](data, doc, state)
      }
      case 'entry': {
        const entry = model.byId.get(view.id)
        if (!entry) throw new Error(`no entry ${view.id}`)
        return ENTRY_RENDERERS[view.format](data, toEntryDocument(data, stamp, entry, view.lang))
      }
      case 'changes': {
        const parts = renderChangeLog(
          { data, stamp, changes, at: model.from, rendered, regionLogs },
          view.region,
          view.lang,
          view.format,
          view.complete ? undefined : LATEST_CHANGES,
        )
        return view.complete ? parts : wholeLog(parts)
      }
      case 'versions': {
        let index = versionIndexes.get(view.lang)
        if (!index) versionIndexes.set(view.lang, (index = versionsDocument(history, changes, view.lang)))
        return renderVersionsLog(data, index, view.format)
      }
      case 'manifest':
        throw new Error('a manifest is built from the other representations, not rendered')
      case 'document':
        if (view.name === 'schema') return jsonText(registryJsonSchema(data.registry.languages))
        return jsonText(view.name === 'openapi' ? openApiDocument(data, stamp) : discoveryDocument(data, stamp))
    }
  }
}

/** Every representation of one state: lists (and their scheduled twins), entries, and the change logs. */
function stateViews(data: RegistryData, entries: SubprocessorEntry[]): View[] {
  const regions = listRegions(data)
  const views: View[] = []
  for (const lang of data.registry.languages) {
    for (const region of regions) {
      for (const format of FORMATS) views.push({ kind: 'list', region, lang, format })
      // A CSV has no place to say "scheduled", so a future state's CSV is the state's own.
      for (const format of ['json', 'html'] as const)
        views.push({ kind: 'list', region, lang, format, scheduled: true })
      for (const format of CHANGE_FORMATS) views.push({ kind: 'changes', region, lang, format })
      // The whole log, for `?since=`, in the pollers' format only: every format of it grows with history.
      views.push({ kind: 'changes', region, lang, format: 'json', complete: true })
    }
    for (const entry of entries) for (const format of FORMATS) views.push({ kind: 'entry', id: entry.id, lang, format })
  }
  return views
}

/** The version's own representations: the contract documents and the version index. */
function versionViews(data: RegistryData): View[] {
  return [
    { kind: 'document', name: 'schema' },
    { kind: 'document', name: 'openapi' },
    { kind: 'document', name: 'discovery' },
    ...data.registry.languages.flatMap((lang) =>
      VERSION_FORMATS.map((format): View => ({ kind: 'versions', lang, format })),
    ),
  ]
}

export interface RenderedRelease {
  release: Release
  representations: RenderedRepresentation[]
  /** Every representation's view, state and ETag: what the version's manifest lists. */
  views: ManifestedView[]
  /** The change-log chunks its logs refer to, by key: shared with other versions, so some may be stored already. */
  logChunks: Map<string, Uint8Array>
  /** What the next version is computed from. */
  inputs: VersionInputs<RegistryData>
}

/** The states of a version: one from the publish, and one from each instant an announced change takes effect. */
function stateModels(data: RegistryData, changes: ChangeRecord[], publishedAt: number): StateModel[] {
  const starts = [publishedAt, ...boundariesAfter(data, publishedAt)]
  return starts.map((from, i) => {
    const entries = entriesAt(data, from, publishedAt)
    return {
      entries,
      byId: new Map(entries.map((entry) => [entry.id, entry])),
      changes,
      from,
      until: starts[i + 1] ?? null,
      scheduled: false,
    }
  })
}

interface Rendered {
  representations: RenderedRepresentation[]
  views: ManifestedView[]
  logChunks: Map<string, Uint8Array>
}

/** Renders each view, hashes its bytes for its ETag, and cuts each log into its own value and shared chunks. */
async function renderAll(
  work: { view: View; state: number | null }[],
  render: ReturnType<typeof renderer>,
  version: number,
  onProgress?: (done: number, total: number) => void,
): Promise<Rendered> {
  const rendered: Rendered = { representations: [], views: [], logChunks: new Map() }
  // Hashing a batch at once lets the runtime spread the digests over its threads.
  const BATCH = 500
  for (let start = 0; start < work.length; start += BATCH) {
    const batch = work.slice(start, start + BATCH).map(({ view, state }) => {
      const output = render(view, state ?? 0)
      if (typeof output === 'string') return { view, state, body: encoder.encode(output) }
      return output instanceof Uint8Array
        ? { view, state, body: output }
        : { view, state, body: wholeLog(output), log: output }
    })
    const etags = await Promise.all(batch.map(({ body }) => strongEtag(body)))
    for (const [i, { view, state, body, log }] of batch.entries()) {
      const etag = etags[i]!
      let stored = body
      if (log) {
        const { value, chunks } = await storeLog(log, etag, version)
        stored = value
        for (const chunk of chunks) rendered.logChunks.set(chunk.key, chunk.value)
      }
      rendered.representations.push({
        path: viewPath(view),
        state,
        etag,
        body: stored,
        ...(log ? { log: true } : {}),
        ...(view.kind === 'entry' ? { entryId: view.id } : {}),
      })
      rendered.views.push({ view, state, etag })
    }
    onProgress?.(rendered.representations.length, work.length)
  }
  return rendered
}

/** What the Worker needs besides the bytes: the states, regions, languages, CSP, pack layout. */
async function releaseFacts(data: RegistryData, states: StateModel[]) {
  const [listStyle, entryStyle, script] = await Promise.all(
    [LIST_PAGE_STYLE, ENTRY_PAGE_STYLE, PAGE_SCRIPT].map(
      async (text) => `'sha256-${base64(await sha256(encoder.encode(text)))}'`,
    ),
  )
  const packs = entryPackCount(Math.max(...states.map((state) => state.entries.length)))
  return {
    states: states.map((state) => state.from),
    regions: listRegions(data).filter((region) => region !== ALL_REGIONS),
    languages: [...data.registry.languages],
    defaultLanguage: data.registry.defaultLanguage,
    countryRegions: expandCountryRegions(data),
    fileStem: `${data.registry.company.service.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-subprocessors`,
    htmlContentSecurityPolicy: `default-src 'none'; style-src ${listStyle} ${entryStyle}; script-src ${script}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    entryPackSizes: states.map((state) =>
      entryPackSizes(
        state.entries.map((entry) => entry.id),
        packs,
      ),
    ),
  }
}

/** Everything a reader can observe, bytes and release facts alike, goes into the digest. */
async function releaseDigest(facts: object, representations: RenderedRepresentation[]): Promise<string> {
  const fingerprint =
    JSON.stringify(facts) +
    representations
      .map(({ state, path, etag }) => `\n${state ?? '-'} ${path} ${etag}`)
      .sort()
      .join('')
  return base64url(await sha256(encoder.encode(fingerprint)))
}

/**
 * Renders every representation of every state of a version and gives each its ETag. A state
 * begins at the publish instant and at each instant an announced change takes effect.
 */
export async function buildRelease(
  data: RegistryData,
  stamp: ReleaseStamp,
  changes: ChangeRecord[],
  history: HistoryEntry[],
  onProgress?: (done: number, total: number) => void,
): Promise<RenderedRelease> {
  const states = stateModels(data, changes, Date.parse(stamp.publishedAt))
  const work = [
    ...states.flatMap((state, i) =>
      stateViews(data, state.entries).map((view) => ({ view, state: i as number | null })),
    ),
    ...versionViews(data).map((view) => ({ view, state: null })),
  ]
  const render = renderer(data, stamp, changes, history, states)
  const { representations, views, logChunks } = await renderAll(work, render, stamp.version, onProgress)
  const facts = await releaseFacts(data, states)
  const digest = await releaseDigest(facts, representations)
  const release: Release = {
    version: stamp.version,
    parent: stamp.version > 1 ? stamp.version - 1 : null,
    publishedAt: stamp.publishedAt,
    prefix: versionPrefix(stamp.version, digest),
    digest,
    ...facts,
    representationCount: representations.length,
    totalBytes: representations.reduce((sum, { body }) => sum + body.byteLength, 0),
  }
  // The lists that grow with history, in blocks shared across versions, like the logs' chunks.
  const [changeList, historyList] = await Promise.all([
    chunkList('records', changes, (change) => change.announcedIn),
    chunkList('history', history, ([version]) => version),
  ])
  for (const chunk of [...changeList.chunks, ...historyList.chunks]) logChunks.set(chunk.key, chunk.value)
  const lists = { changes: changeList.index, history: historyList.index }
  return {
    release,
    representations,
    views,
    logChunks,
    inputs: { data, changes, history, logChunks: [...logChunks.keys()], lists },
  }
}
