import {
  ALL_REGIONS,
  CHANGE_FORMATS,
  DOCUMENTS,
  ENTRY_SCHEMA_URL,
  FORMATS,
  LOG_CHECKPOINT_URL,
  LOG_TILES_URL,
  MEDIA_TYPES,
  SCHEMA_URL,
  viewUrl,
} from '../../domain/representation'
import { type ReleaseStamp, listRegions, regionName } from '../render/model'
import type { RegistryData } from '../input/schema'

/** `/.well-known/subprocessors`: everything a tool needs to find the registry and its contract. */
export function discoveryDocument(data: RegistryData, stamp: ReleaseStamp) {
  const { company, lastUpdated, languages } = data.registry
  return {
    description: `${company.service} sub-processors, published by ${company.name}`,
    company,
    version: stamp.version,
    publishedAt: stamp.publishedAt,
    lastUpdated,
    schema: SCHEMA_URL,
    entrySchema: ENTRY_SCHEMA_URL,
    openapi: DOCUMENTS.openapi.url,
    languages: [...languages],
    defaultLanguage: data.registry.defaultLanguage,
    regions: listRegions(data).map((id) => ({
      id,
      name: Object.fromEntries(languages.map((lang) => [lang, regionName(data, id, lang)])),
    })),
    formats: FORMATS.map((format) => ({ format, type: MEDIA_TYPES[format] })),
    lists: listRegions(data).flatMap((region) =>
      languages.flatMap((lang) =>
        FORMATS.map((format) => ({
          region,
          lang,
          format,
          type: MEDIA_TYPES[format],
          href: viewUrl({ kind: 'list', region, lang, format }),
        })),
      ),
    ),
    entry: {
      template: '/subprocessors/{id}.{format}?lang={lang}',
      ids: viewUrl({ kind: 'list', region: ALL_REGIONS, lang: data.registry.defaultLanguage, format: 'json' }),
    },
    history: {
      versions: viewUrl({ kind: 'versions', lang: data.registry.defaultLanguage, format: 'json' }),
      version: '/subprocessors.{format}?region={region}&lang={lang}&version={version}',
      at: '/subprocessors.{format}?region={region}&lang={lang}&at={date-or-instant}',
    },
    changes: {
      template: '/changes.{format}?region={region}&lang={lang}',
      since: '/changes.json?region={region}&lang={lang}&since={version}',
      formats: CHANGE_FORMATS.map((format) => ({ format, type: MEDIA_TYPES[format] })),
      feeds: listRegions(data).flatMap((region) =>
        languages.flatMap((lang) =>
          (['atom', 'jsonfeed'] as const).map((format) => ({
            region,
            lang,
            format,
            type: MEDIA_TYPES[format],
            href: viewUrl({ kind: 'changes', region, lang, format }),
          })),
        ),
      ),
    },
    notice: { periodDays: data.registry.notice.periodDays, objectionsTo: data.registry.notice.objectionsTo },
    evidence: {
      origin: data.registry.evidence.origin,
      verifierKey: data.registry.evidence.verifierKey,
      checkpoint: LOG_CHECKPOINT_URL,
      tiles: LOG_TILES_URL,
      manifest: '/versions/{version}/manifest',
      evidence: '/versions/{version}/evidence',
    },
  }
}
