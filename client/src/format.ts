/**
 * What the client reads of Sub-processor Registry Format 1.0 (docs/format.md): the fields a
 * reader relies on, checked as they arrive. Anything else a registry serves is an extension and
 * is ignored. A document of another major version is refused, not guessed at.
 */
import { WatchError } from './http.js'

export const FORMAT = 'subprocessor-registry/1.0'
const MAJOR = 'subprocessor-registry/1.'

export type Level = 'core' | 'history' | 'evidence' | 'push'

export interface Link {
  region?: string
  lang?: string
  format?: string
  type?: string
  href: string
}

export interface Discovery {
  format: string
  conformance: Level[]
  company: { name: string; service?: string }
  version: number
  languages: string[]
  defaultLanguage: string
  lists: Link[]
  history?: { versions: Link[]; changes?: Link[]; changeLogs: Link[] }
  evidence?: { origin: string; verifierKey: string | null; checkpoint: string; tiles: string }
  push?: { subscribe: string; events: string[]; signatures: string }
  templates?: Record<string, string>
}

export interface Subprocessor {
  id: string
  name: string | null
  purpose?: unknown
  location?: { text?: string; countries?: string[] } | unknown
  regions?: string[]
  href?: string
  [field: string]: unknown
}

export interface ListDocument {
  format: string
  version: number
  publishedAt: string
  language: string
  subprocessors: Subprocessor[]
}

export interface Change {
  id: string
  type: 'added' | 'removed' | 'modified'
  status: 'upcoming' | 'effective' | 'withdrawn'
  entry: { id: string; name: string | null }
  summary?: string
  regions: string[]
  version: number
  announcedAt: string
  effectiveAt: string
  objectionDeadline: string | null
  withdrawn: { version: number; at: string } | null
}

export interface ChangeLogDocument {
  format: string
  version: number
  changes: Change[]
}

export interface VersionsDocument {
  format: string
  versions: { version: number; publishedAt: string; links: { list: string; manifest?: string } }[]
}

/** A document that lacks what the format requires, named by URL and field. */
const invalid = (url: string, field: string, what: string) =>
  new WatchError('error', `${url}: ${field} ${what}`, 'The registry does not follow the format here; tell the vendor.')

type Check = (value: unknown) => boolean
const isString: Check = (v) => typeof v === 'string'
const isVersion: Check = (v) => Number.isInteger(v) && (v as number) >= 1
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function need(url: string, doc: unknown, path: string, check: Check, what: string): void {
  let value: unknown = doc
  for (const key of path.split('.')) value = isObject(value) ? value[key] : undefined
  if (!check(value)) throw invalid(url, path, what)
}

function needFormat(url: string, doc: unknown): void {
  const format = isObject(doc) ? doc.format : undefined
  if (typeof format !== 'string')
    throw invalid(url, 'format', 'is missing: this is not a Sub-processor Registry document')
  if (!format.startsWith(MAJOR))
    throw new WatchError(
      'error',
      `${url} follows ${format}, which this client does not read (it reads ${FORMAT})`,
      'Update subprocessor-watch.',
    )
}

const isLinks: Check = (v) => Array.isArray(v) && v.every((link) => isObject(link) && isString(link.href))

export function readDiscovery(url: string, doc: unknown): Discovery {
  needFormat(url, doc)
  need(url, doc, 'conformance', (v) => Array.isArray(v) && v.includes('core'), 'must list "core"')
  need(url, doc, 'company.name', isString, 'must be a string')
  need(url, doc, 'version', isVersion, 'must be a version number')
  need(url, doc, 'languages', (v) => Array.isArray(v) && v.length > 0 && v.every(isString), 'must list languages')
  need(url, doc, 'defaultLanguage', isString, 'must be a string')
  need(url, doc, 'lists', (v) => isLinks(v) && (v as unknown[]).length > 0, 'must link at least one list')
  const d = doc as Discovery
  if (d.conformance.includes('history')) {
    need(url, doc, 'history.versions', isLinks, 'must link the version index')
    need(url, doc, 'history.changeLogs', isLinks, 'must link the change logs')
  }
  if (d.conformance.includes('evidence')) {
    need(url, doc, 'evidence.origin', isString, 'must name the log')
    need(url, doc, 'evidence.checkpoint', isString, 'must link the checkpoint')
    need(url, doc, 'evidence.tiles', isString, 'must link the tiles')
  }
  if (d.conformance.includes('push')) need(url, doc, 'push.subscribe', isString, 'must link the subscriptions')
  return d
}

export function readList(url: string, doc: unknown): ListDocument {
  needFormat(url, doc)
  need(url, doc, 'version', isVersion, 'must be a version number')
  need(url, doc, 'publishedAt', isString, 'must be an instant')
  need(url, doc, 'subprocessors', Array.isArray, 'must be an array')
  for (const [i, entry] of (doc as ListDocument).subprocessors.entries()) {
    need(url, entry, 'id', isString, `(subprocessors[${i}]) must be a string`)
    need(url, entry, 'name', (v) => v === null || isString(v), `(subprocessors[${i}]) must be a string or null`)
  }
  return doc as ListDocument
}

export function readChangeLog(url: string, doc: unknown): ChangeLogDocument {
  needFormat(url, doc)
  need(url, doc, 'version', isVersion, 'must be a version number')
  need(url, doc, 'changes', Array.isArray, 'must be an array')
  for (const [i, change] of (doc as ChangeLogDocument).changes.entries()) {
    const at = `(changes[${i}])`
    need(url, change, 'id', isString, `${at} must be a string`)
    need(
      url,
      change,
      'type',
      (v) => ['added', 'removed', 'modified'].includes(v as string),
      `${at} is not a change type`,
    )
    need(url, change, 'entry.id', isString, `${at} must be a string`)
    need(url, change, 'version', isVersion, `${at} must be a version number`)
    need(
      url,
      change,
      'effectiveAt',
      (v) => isString(v) && !Number.isNaN(Date.parse(v as string)),
      `${at} must be an instant`,
    )
    need(url, change, 'regions', Array.isArray, `${at} must be an array`)
  }
  return doc as ChangeLogDocument
}

export function readVersions(url: string, doc: unknown): VersionsDocument {
  needFormat(url, doc)
  need(url, doc, 'versions', Array.isArray, 'must be an array')
  for (const [i, version] of (doc as VersionsDocument).versions.entries()) {
    need(url, version, 'version', isVersion, `(versions[${i}]) must be a version number`)
    need(url, version, 'links.list', isString, `(versions[${i}]) must link the list`)
  }
  return doc as VersionsDocument
}

/** The link for one language and, where it matters, one region: the region `all` by default. */
export function pick(links: Link[] | undefined, lang: string, region = 'all', format = 'json'): Link | undefined {
  return links?.find(
    (link) => (link.lang ?? lang) === lang && (link.region ?? region) === region && (link.format ?? format) === format,
  )
}
