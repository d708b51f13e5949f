/**
 * What the client reads of Sub-processor Registry Format 1.0 (docs/format.md): the fields a
 * reader relies on, checked as they arrive and copied into shapes of the client's own. Anything
 * else a registry serves is an extension: ignored, and never stored. Strings and arrays are
 * bounded, so that what is kept stays small whatever a registry sends. A document of another
 * major version is refused, not guessed at.
 */
import { WatchError, quoted } from './errors.js'

export const FORMAT = 'subprocessor-registry/1.0'
const MAJOR = 'subprocessor-registry/1.'

export const LEVELS = ['core', 'history', 'evidence', 'push', 'objections'] as const
export type Level = (typeof LEVELS)[number]

/** Longer strings are refused: no name, purpose or link needs more. */
export const MAX_STRING = 4096
/** Longer arrays are refused: links, languages, entries and changes alike. */
export const MAX_ITEMS = 100_000

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
  publishedAt?: string
  languages: string[]
  defaultLanguage: string
  lists: Link[]
  history?: { versions: Link[]; changes?: Link[]; changeLogs: Link[] }
  evidence?: { origin: string; verifierKey: string | null; checkpoint: string; tiles: string }
  /** Where objections go, and the key that signs their receipts: only a registry that takes them says so. */
  objections?: { submit: string; inclusion?: string; receiptKey: string }
  push?: { subscribe: string; events: string[]; signatures: string }
  /** The registry's notice period, where it states one. */
  notice?: { periodDays: number }
  templates?: { since?: string }
}

export interface Subprocessor {
  id: string
  name: string | null
  purpose?: unknown
  location?: unknown
  regions?: string[]
  href?: string
  [field: string]: unknown
}

export interface ListDocument {
  format: string
  version: number
  publishedAt: string
  language?: string
  subprocessors: Subprocessor[]
}

export const CHANGE_TYPES = ['added', 'removed', 'modified'] as const
export type ChangeType = (typeof CHANGE_TYPES)[number]

export interface Change {
  id: string
  type: ChangeType
  status?: 'upcoming' | 'effective' | 'withdrawn'
  entry: { id: string; name: string | null }
  summary?: string
  /** The fields a modification changes, by name. */
  fields?: string[]
  regions: string[]
  version: number
  announcedAt: string
  effectiveAt: string
  objectionDeadline: string | null
  withdrawn: { version: number; at: string } | null
  /** Each later version that amended the announcement, oldest first. */
  amended: { version: number; at: string; changed: string[]; material: boolean }[]
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

type Obj = Record<string, unknown>
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const isString = (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_STRING
const isVersion = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 1
const isInstant = (v: unknown): v is string => isString(v) && !Number.isNaN(Date.parse(v))

function at(doc: unknown, path: string): unknown {
  let value: unknown = doc
  for (const key of path.split('.')) value = isObject(value) ? value[key] : undefined
  return value
}

function need<T>(url: string, doc: unknown, path: string, check: (v: unknown) => v is T, what: string): T {
  const value = at(doc, path)
  if (!check(value)) throw invalid(url, path, what)
  return value
}

function items(url: string, doc: unknown, path: string, what = 'must be an array'): unknown[] {
  const value = at(doc, path)
  if (!Array.isArray(value)) throw invalid(url, path, what)
  if (value.length > MAX_ITEMS) throw invalid(url, path, `has more than ${MAX_ITEMS} items`)
  return value
}

const strings = (url: string, doc: unknown, path: string) =>
  items(url, doc, path).map((v, i) => {
    if (!isString(v)) throw invalid(url, `${path}[${i}]`, 'must be a string')
    return v
  })

const optional = (v: unknown) => (isString(v) ? v : undefined)

function needFormat(url: string, doc: unknown): string {
  const format = isObject(doc) ? doc.format : undefined
  if (typeof format !== 'string')
    throw invalid(url, 'format', 'is missing: this is not a Sub-processor Registry document')
  if (!format.startsWith(MAJOR))
    throw new WatchError(
      'error',
      `${url} follows ${quoted(format, 40)}, which this client does not read (it reads ${FORMAT})`,
      'Update subprocessor-watch.',
    )
  return format.slice(0, 40)
}

function links(url: string, doc: unknown, path: string): Link[] {
  return items(url, doc, path).map((value, i) => {
    if (!isObject(value) || !isString(value.href)) throw invalid(url, `${path}[${i}].href`, 'must be a link')
    const link: Link = { href: value.href }
    for (const key of ['region', 'lang', 'format', 'type'] as const) {
      const v = optional(value[key])
      if (v !== undefined) link[key] = v
    }
    return link
  })
}

/** The discovery document, as the client keeps it: only the members it reads. */
export function readDiscovery(url: string, doc: unknown): Discovery {
  const format = needFormat(url, doc)
  const conformance = strings(url, doc, 'conformance')
  if (!conformance.includes('core')) throw invalid(url, 'conformance', 'must list "core"')
  const declared = LEVELS.filter((level) => conformance.includes(level))
  const name = need(url, doc, 'company.name', isString, 'must be a string')
  const service = optional(at(doc, 'company.service'))
  const languages = strings(url, doc, 'languages')
  if (languages.length === 0) throw invalid(url, 'languages', 'must list languages')
  const lists = links(url, doc, 'lists')
  if (lists.length === 0) throw invalid(url, 'lists', 'must link at least one list')
  const discovery: Discovery = {
    format,
    conformance: declared,
    company: service === undefined ? { name } : { name, service },
    version: need(url, doc, 'version', isVersion, 'must be a version number'),
    languages,
    defaultLanguage: need(url, doc, 'defaultLanguage', isString, 'must be a string'),
    lists,
  }
  const publishedAt = at(doc, 'publishedAt')
  if (isInstant(publishedAt)) discovery.publishedAt = publishedAt
  if (declared.includes('history')) {
    const versions = links(url, doc, 'history.versions')
    const changeLogs = links(url, doc, 'history.changeLogs')
    const changes = Array.isArray(at(doc, 'history.changes')) ? links(url, doc, 'history.changes') : undefined
    discovery.history = { versions, changeLogs, ...(changes ? { changes } : {}) }
  }
  if (declared.includes('evidence')) {
    const key = at(doc, 'evidence.verifierKey')
    discovery.evidence = {
      origin: need(url, doc, 'evidence.origin', isString, 'must name the log'),
      verifierKey: isString(key) ? key : null,
      checkpoint: need(url, doc, 'evidence.checkpoint', isString, 'must link the checkpoint'),
      tiles: need(url, doc, 'evidence.tiles', isString, 'must link the tiles'),
    }
  }
  const submit = at(doc, 'objections.submit')
  const receiptKey = at(doc, 'objections.receiptKey')
  const inclusion = at(doc, 'objections.inclusion')
  if (isString(submit) && isString(receiptKey))
    discovery.objections = { submit, receiptKey, ...(isString(inclusion) ? { inclusion } : {}) }
  if (declared.includes('push'))
    discovery.push = {
      subscribe: need(url, doc, 'push.subscribe', isString, 'must link the subscriptions'),
      events: Array.isArray(at(doc, 'push.events')) ? strings(url, doc, 'push.events') : [],
      signatures: optional(at(doc, 'push.signatures')) ?? '',
    }
  const period = at(doc, 'notice.periodDays')
  if (Number.isSafeInteger(period) && (period as number) >= 0) discovery.notice = { periodDays: period as number }
  const since = at(doc, 'templates.since')
  if (isString(since)) discovery.templates = { since }
  return discovery
}

/** A list document; its entries keep their members, for `diff`, but only `known()` of them is stored. */
export function readList(url: string, doc: unknown): ListDocument {
  const format = needFormat(url, doc)
  const entries = items(url, doc, 'subprocessors').map((entry, i) => {
    need(url, entry, 'id', isString, `(subprocessors[${i}]) must be a string`)
    need(
      url,
      entry,
      'name',
      (v): v is string | null => v === null || isString(v),
      `(subprocessors[${i}]) must be a string or null`,
    )
    return entry as Subprocessor
  })
  const language = optional(at(doc, 'language'))
  return {
    format,
    version: need(url, doc, 'version', isVersion, 'must be a version number'),
    publishedAt: need(url, doc, 'publishedAt', isString, 'must be an instant'),
    ...(language === undefined ? {} : { language }),
    subprocessors: entries,
  }
}

function readChange(url: string, value: unknown, i: number): Change | null {
  const where = `(changes[${i}])`
  const type = at(value, 'type')
  // A correction of a translation is no change in the facts, and a type of a later minor version is
  // one this reader does not understand (§8): neither is an event.
  if (!CHANGE_TYPES.includes(type as ChangeType)) return null
  const name = at(value, 'entry.name')
  const withdrawn = at(value, 'withdrawn')
  const deadline = at(value, 'objectionDeadline')
  const summary = at(value, 'summary')
  const fields = at(value, 'fields')
  const change: Change = {
    id: need(url, value, 'id', isString, `${where} must be a string`),
    type: type as ChangeType,
    entry: {
      id: need(url, value, 'entry.id', isString, `${where} must be a string`),
      name: isString(name) ? name : null,
    },
    regions: strings(url, value, 'regions'),
    version: need(url, value, 'version', isVersion, `${where} must be a version number`),
    announcedAt: optional(at(value, 'announcedAt')) ?? '',
    effectiveAt: need(url, value, 'effectiveAt', isInstant, `${where} must be an instant`),
    objectionDeadline: isInstant(deadline) ? deadline : null,
    withdrawn:
      isObject(withdrawn) && isVersion(withdrawn.version) && isString(withdrawn.at)
        ? { version: withdrawn.version, at: withdrawn.at }
        : null,
    amended: [],
  }
  const amended = at(value, 'amended')
  if (Array.isArray(amended) && amended.length <= 64)
    change.amended = amended.flatMap((a) =>
      isObject(a) && isVersion(a.version) && isInstant(a.at)
        ? [
            {
              version: a.version,
              at: a.at,
              changed: Array.isArray(a.changed)
                ? a.changed.filter((c): c is string => isString(c) && c.length <= 64).slice(0, 64)
                : [],
              material: a.material === true,
            },
          ]
        : [],
    )
  const status = at(value, 'status')
  if (status === 'upcoming' || status === 'effective' || status === 'withdrawn') change.status = status
  if (isString(summary)) change.summary = summary
  if (Array.isArray(fields) && fields.length <= 64)
    change.fields = fields.map((f) => at(f, 'field')).filter((f): f is string => isString(f) && f.length <= 64)
  return change
}

export function readChangeLog(url: string, doc: unknown): ChangeLogDocument {
  const format = needFormat(url, doc)
  return {
    format,
    version: need(url, doc, 'version', isVersion, 'must be a version number'),
    changes: items(url, doc, 'changes')
      .map((change, i) => readChange(url, change, i))
      .filter((change): change is Change => change !== null),
  }
}

export function readVersions(url: string, doc: unknown): VersionsDocument {
  const format = needFormat(url, doc)
  return {
    format,
    versions: items(url, doc, 'versions').map((version, i) => {
      const manifest = at(version, 'links.manifest')
      return {
        version: need(url, version, 'version', isVersion, `(versions[${i}]) must be a version number`),
        publishedAt: optional(at(version, 'publishedAt')) ?? '',
        links: {
          list: need(url, version, 'links.list', isString, `(versions[${i}]) must link the list`),
          ...(isString(manifest) ? { manifest } : {}),
        },
      }
    }),
  }
}

/** The link for one language and, where it matters, one region: the region `all` by default. */
export function pick(links: Link[] | undefined, lang: string, region = 'all', format = 'json'): Link | undefined {
  return links?.find(
    (link) => (link.lang ?? lang) === lang && (link.region ?? region) === region && (link.format ?? format) === format,
  )
}
