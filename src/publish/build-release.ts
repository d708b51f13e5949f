import { countries } from 'countries-list'
import { ALL_REGIONS, FORMATS, type Release, type View, viewPath } from '../domain/representation'
import { base64, base64url, strongEtag } from '../domain/etag'
import { entryPack, entryPackCount } from '../storage/keys'
import type { RenderedRepresentation } from '../storage/writer'
import { discoveryDocument, openApiDocument } from './documents'
import { type ReleaseStamp, listRegions, toEntryDocument, toListDocument } from './model'
import { renderCsv } from './render-csv'
import { PAGE_STYLE, renderEntryHtml, renderListHtml } from './render-html'
import { type Language, LANGUAGES, type RegistryData, registryJsonSchema } from './schema'

const encoder = new TextEncoder()

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
}

/** How many of these ids land in each pack. */
function entryPackSizes(ids: string[]): number[] {
  const sizes = new Array<number>(entryPackCount(ids.length)).fill(0)
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

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`

/** A renderer for one stamp of the data: call it with any view of the release. */
export function renderer(data: RegistryData, stamp: ReleaseStamp): (view: View) => string {
  const entries = new Map(data.subprocessors.subprocessors.map((entry) => [entry.id, entry]))
  return (view) => {
    switch (view.kind) {
      case 'list': {
        const doc = toListDocument(data, stamp, { region: view.region, lang: view.lang as Language })
        if (view.format === 'json') return json(doc)
        return view.format === 'csv' ? renderCsv(doc.language, doc.subprocessors) : renderListHtml(data, doc)
      }
      case 'entry': {
        const entry = entries.get(view.id)
        if (!entry) throw new Error(`no entry ${view.id}`)
        const doc = toEntryDocument(data, stamp, entry, view.lang as Language)
        if (view.format === 'json') return json(doc)
        return view.format === 'csv' ? renderCsv(doc.language, [doc]) : renderEntryHtml(data, doc)
      }
      case 'document':
        if (view.name === 'schema') return json(registryJsonSchema())
        return json(view.name === 'openapi' ? openApiDocument(data, stamp) : discoveryDocument(data, stamp))
    }
  }
}

/** Every representation a release has: lists by region, entries, and the contract documents. */
function releaseViews(data: RegistryData): View[] {
  const languagesAndFormats = LANGUAGES.flatMap((lang) => FORMATS.map((format) => ({ lang, format })))
  return [
    ...listRegions(data).flatMap((region) => languagesAndFormats.map((lf): View => ({ kind: 'list', region, ...lf }))),
    ...data.subprocessors.subprocessors.flatMap((entry) => languagesAndFormats.map((lf): View => ({ kind: 'entry', id: entry.id, ...lf }))),
    { kind: 'document', name: 'schema' },
    { kind: 'document', name: 'openapi' },
    { kind: 'document', name: 'discovery' },
  ]
}

export interface RenderedRelease {
  release: Release
  representations: RenderedRepresentation[]
}

/** Renders every representation of the data and gives each its ETag. */
export async function buildRelease(data: RegistryData, stamp: ReleaseStamp, onProgress?: (done: number, total: number) => void): Promise<RenderedRelease> {
  const views = releaseViews(data)
  const render = renderer(data, stamp)
  const representations: RenderedRepresentation[] = []
  // Hashing a batch at once lets the runtime spread the digests over its threads.
  const BATCH = 500
  for (let start = 0; start < views.length; start += BATCH) {
    const batch = views.slice(start, start + BATCH).map((view) => ({ view, body: encoder.encode(render(view)) }))
    const etags = await Promise.all(batch.map(({ body }) => strongEtag(body)))
    batch.forEach(({ view, body }, i) => {
      representations.push({ path: viewPath(view), body, etag: etags[i]!, ...(view.kind === 'entry' ? { entryId: view.id } : {}) })
    })
    onProgress?.(representations.length, views.length)
  }
  const styleHash = base64(await sha256(encoder.encode(PAGE_STYLE)))
  const facts = {
    regions: listRegions(data).filter((region) => region !== ALL_REGIONS),
    languages: [...LANGUAGES],
    defaultLanguage: data.registry.defaultLanguage,
    countryRegions: expandCountryRegions(data),
    fileStem: `${data.registry.company.service.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-subprocessors`,
    htmlContentSecurityPolicy: `default-src 'none'; style-src 'sha256-${styleHash}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    entryPackSizes: entryPackSizes(data.subprocessors.subprocessors.map((entry) => entry.id)),
  }
  // Everything a reader can observe, bytes and release facts alike, goes into the digest.
  const fingerprint = JSON.stringify(facts) + representations.map(({ path, etag }) => `\n${path} ${etag}`).sort().join('')
  const release: Release = {
    version: stamp.version,
    publishedAt: stamp.publishedAt,
    digest: base64url(await sha256(encoder.encode(fingerprint))),
    ...facts,
    representationCount: representations.length,
    totalBytes: representations.reduce((sum, { body }) => sum + body.byteLength, 0),
  }
  return { release, representations }
}
