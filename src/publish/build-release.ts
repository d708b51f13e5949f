import { countries } from 'countries-list'
import { FORMATS, type ListView, listPath, type Release } from '../domain/representation'
import type { RenderedRepresentation } from '../storage'
import { type Edition, listRegions, toListDocument } from './model'
import { renderListCsv } from './render-csv'
import { PAGE_STYLE, renderListHtml } from './render-html'
import { LANGUAGES, type RegistryData } from './schema'

const encoder = new TextEncoder()

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** A strong ETag from the bytes alone: equal bytes share it, different bytes (in practice) never do. */
export async function strongEtag(body: Uint8Array): Promise<string> {
  return `"${base64url((await sha256(body)).subarray(0, 18))}"`
}

/** ISO 3166-1 country → region: the operator's continent defaults, then its country overrides. */
export function expandCountryRegions(data: RegistryData): Record<string, string> {
  const { continentDefaults, countryOverrides } = data.regions
  const mapping: Record<string, string> = {}
  for (const [code, country] of Object.entries(countries)) {
    const region = countryOverrides[code] ?? continentDefaults[country.continent as keyof typeof continentDefaults]
    if (region) mapping[code] = region
  }
  return mapping
}

export function render(data: RegistryData, edition: Edition, view: ListView): string {
  const doc = toListDocument(data, edition, view)
  switch (view.format) {
    case 'json':
      return `${JSON.stringify(doc, null, 2)}\n`
    case 'csv':
      return renderListCsv(doc)
    case 'html':
      return renderListHtml(data, doc)
  }
}

export interface BuiltRelease {
  release: Release
  representations: RenderedRepresentation[]
}

/** Renders every representation of the data (region × language × format) and gives each its ETag. */
export async function buildRelease(data: RegistryData, edition: Edition): Promise<BuiltRelease> {
  const views = listRegions(data).flatMap((region) =>
    LANGUAGES.flatMap((lang) => FORMATS.map((format): ListView => ({ region, lang, format }))),
  )
  const representations = await Promise.all(
    views.map(async (view) => {
      const body = encoder.encode(render(data, edition, view))
      return { path: listPath(view), body, etag: await strongEtag(body) }
    }),
  )
  const styleHash = btoa(String.fromCharCode(...(await sha256(encoder.encode(PAGE_STYLE)))))
  const facts = {
    regions: data.regions.regions.map((region) => region.id),
    languages: [...LANGUAGES],
    defaultLanguage: data.registry.defaultLanguage,
    countryRegions: expandCountryRegions(data),
    fileStem: `${data.registry.company.service.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-subprocessors`,
    htmlContentSecurityPolicy: `default-src 'none'; style-src 'sha256-${styleHash}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
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
