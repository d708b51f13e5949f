import { countries } from 'countries-list'
import { ALL_REGIONS, FORMATS, type Release, type View, viewPath } from '../domain/representation'
import { entryPackCount, type RenderedRepresentation } from '../storage'
import { discoveryDocument, openApiDocument } from './documents'
import { type Edition, listRegions, toEntryDocument, toEntryPage, toListDocument, toListPage } from './model'
import { renderCsv } from './render-csv'
import { ENTRY_PAGE_STYLE, LIST_PAGE_STYLE, PAGE_SCRIPT, renderEntryHtml, renderListHtml } from './render-html'
import { type RegistryData, registryJsonSchema } from './schema'

const encoder = new TextEncoder()

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
}

function base64(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}

function base64url(bytes: Uint8Array): string {
  return base64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** A strong ETag from the bytes alone: equal bytes share it, different bytes (in practice) never do. */
async function strongEtag(body: Uint8Array): Promise<string> {
  return `"${base64url((await sha256(body)).subarray(0, 18))}"`
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

/** A renderer for one edition of the data: call it with any view of the release. */
export function renderer(data: RegistryData, edition: Edition): (view: View) => string {
  const entries = new Map(data.subprocessors.subprocessors.map((entry) => [entry.id, entry]))
  return (view) => {
    switch (view.kind) {
      case 'list': {
        const doc = toListDocument(data, edition, { region: view.region, lang: view.lang })
        if (view.format === 'json') return json(doc)
        return view.format === 'csv' ? renderCsv(data.locales[doc.language]!.labels, doc.subprocessors) : renderListHtml(toListPage(data, doc))
      }
      case 'entry': {
        const entry = entries.get(view.id)
        if (!entry) throw new Error(`no entry ${view.id}`)
        const doc = toEntryDocument(data, edition, entry, view.lang)
        if (view.format === 'json') return json(doc)
        return view.format === 'csv' ? renderCsv(data.locales[doc.language]!.labels, [doc]) : renderEntryHtml(toEntryPage(data, doc))
      }
      case 'document':
        if (view.name === 'schema') return json(registryJsonSchema(data.registry.languages))
        return json(view.name === 'openapi' ? openApiDocument(data, edition) : discoveryDocument(data, edition))
    }
  }
}

/** Every representation a release has: lists by region, entries, and the contract documents. */
function releaseViews(data: RegistryData): View[] {
  const languagesAndFormats = data.registry.languages.flatMap((lang) => FORMATS.map((format) => ({ lang, format })))
  return [
    ...listRegions(data).flatMap((region) => languagesAndFormats.map((lf): View => ({ kind: 'list', region, ...lf }))),
    ...data.subprocessors.subprocessors.flatMap((entry) => languagesAndFormats.map((lf): View => ({ kind: 'entry', id: entry.id, ...lf }))),
    { kind: 'document', name: 'schema' },
    { kind: 'document', name: 'openapi' },
    { kind: 'document', name: 'discovery' },
  ]
}

export interface BuiltRelease {
  release: Release
  representations: RenderedRepresentation[]
}

/** Renders every representation of the data and gives each its ETag. */
export async function buildRelease(data: RegistryData, edition: Edition, onProgress?: (done: number, total: number) => void): Promise<BuiltRelease> {
  const views = releaseViews(data)
  const render = renderer(data, edition)
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
  const [listStyle, entryStyle, script] = await Promise.all(
    [LIST_PAGE_STYLE, ENTRY_PAGE_STYLE, PAGE_SCRIPT].map(async (text) => `'sha256-${base64(await sha256(encoder.encode(text)))}'`),
  )
  const facts = {
    regions: listRegions(data).filter((region) => region !== ALL_REGIONS),
    languages: [...data.registry.languages],
    defaultLanguage: data.registry.defaultLanguage,
    countryRegions: expandCountryRegions(data),
    fileStem: `${data.registry.company.service.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-subprocessors`,
    htmlContentSecurityPolicy: `default-src 'none'; style-src ${listStyle} ${entryStyle}; script-src ${script}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    entryPacks: entryPackCount(data.subprocessors.subprocessors.length),
  }
  // Everything a reader can observe, bytes and release facts alike, goes into the digest.
  const fingerprint = JSON.stringify(facts) + representations.map(({ path, etag }) => `\n${path} ${etag}`).sort().join('')
  const release: Release = {
    version: edition.version,
    publishedAt: edition.publishedAt,
    digest: base64url(await sha256(encoder.encode(fingerprint))),
    ...facts,
    representationCount: representations.length,
    totalBytes: representations.reduce((sum, { body }) => sum + body.byteLength, 0),
  }
  return { release, representations }
}
