import {
  CHANGE_FORMATS,
  DOCUMENTS,
  ENTRY_SCHEMA_URL,
  FORMATS,
  LOG_CHECKPOINT_URL,
  LOG_TILES_URL,
  MEDIA_TYPES,
  REGISTRY_FORMAT,
  SCHEMA_URL,
  VERSION_FORMATS,
  viewUrl,
} from '../../domain/representation'
import { CHANGE_EVENTS } from '../../webhooks/events'
import { type ReleaseStamp, listRegions, regionName } from '../render/model'
import type { RegistryData } from '../input/schema'

/** The levels of docs/format.md this registry meets: all of them, Objections when it has a receipt key. */
export const CONFORMANCE = ['core', 'history', 'evidence', 'push', 'objections'] as const

/**
 * `/.well-known/subprocessors`: everything a tool needs to find the registry and its contract,
 * as links (docs/format.md), so that a reader never builds a URL. `templates` are this
 * registry's own extras, which a reader may use and must not need.
 */
export function discoveryDocument(data: RegistryData, stamp: ReleaseStamp) {
  const { company, lastUpdated, languages, defaultLanguage } = data.registry
  const regions = listRegions(data)
  const each = <T>(make: (region: string, lang: string) => T[]) =>
    regions.flatMap((region) => languages.flatMap((lang) => make(region, lang)))
  return {
    format: REGISTRY_FORMAT,
    conformance: CONFORMANCE.filter((level) => level !== 'objections' || data.registry.evidence.receiptKey),
    description: `${company.service} sub-processors, published by ${company.name}`,
    company,
    version: stamp.version,
    publishedAt: stamp.publishedAt,
    lastUpdated,
    schema: SCHEMA_URL,
    entrySchema: ENTRY_SCHEMA_URL,
    openapi: DOCUMENTS.openapi.url,
    languages: [...languages],
    defaultLanguage,
    regions: regions.map((id) => ({
      id,
      name: Object.fromEntries(languages.map((lang) => [lang, regionName(data, id, lang)])),
    })),
    formats: FORMATS.map((format) => ({ format, type: MEDIA_TYPES[format] })),
    lists: each((region, lang) =>
      FORMATS.map((format) => ({
        region,
        lang,
        format,
        type: MEDIA_TYPES[format],
        href: viewUrl({ kind: 'list', region, lang, format }),
      })),
    ),
    history: {
      versions: languages.flatMap((lang) =>
        VERSION_FORMATS.map((format) => ({
          lang,
          format,
          type: MEDIA_TYPES[format],
          href: viewUrl({ kind: 'versions', lang, format }),
        })),
      ),
      changes: each((region, lang) =>
        CHANGE_FORMATS.map((format) => ({
          region,
          lang,
          format,
          type: MEDIA_TYPES[format],
          href: viewUrl({ kind: 'changes', region, lang, format }),
        })),
      ),
      changeLogs: each((region, lang) => [
        {
          region,
          lang,
          format: 'json',
          type: MEDIA_TYPES.json,
          href: viewUrl({ kind: 'changes', region, lang, format: 'json', complete: true }),
        },
      ]),
    },
    notice: { periodDays: data.registry.notice.periodDays, objectionsTo: data.registry.notice.objectionsTo },
    evidence: {
      origin: data.registry.evidence.origin,
      verifierKey: data.registry.evidence.verifierKey,
      checkpoint: LOG_CHECKPOINT_URL,
      tiles: LOG_TILES_URL,
    },
    push: { subscribe: '/webhooks', events: [...CHANGE_EVENTS], signatures: 'standard-webhooks' },
    ...(data.registry.evidence.receiptKey
      ? {
          objections: {
            submit: '/objections',
            inclusion: '/objections/{digest}/inclusion',
            receiptKey: data.registry.evidence.receiptKey,
          },
        }
      : {}),
    templates: {
      entry: '/subprocessors/{id}.{format}?lang={lang}',
      version: '/subprocessors.{format}?region={region}&lang={lang}&version={version}',
      at: '/subprocessors.{format}?region={region}&lang={lang}&at={date-or-instant}',
      since: '/changes.json?region={region}&lang={lang}&since={version}',
      manifest: '/versions/{version}/manifest',
      evidence: '/versions/{version}/evidence',
    },
  }
}
