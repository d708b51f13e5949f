import { type Context, Hono } from 'hono'
import { accepts } from 'hono/accepts'
import { type CachingHeaders, cachingHeaders } from '../domain/caching'
import { RegistryError } from '../domain/errors'
import { pickLanguage, pickMediaType } from '../domain/negotiation'
import { type EntryView, FORMATS, type Format, type ListView, MEDIA_TYPES, type Release } from '../domain/representation'
import { readEntryRequest, readListSelection, resolveRegion } from '../domain/selection'
import { alwaysPresent, type Env, serveView, withRelease } from './serve'

const OFFERED_MEDIA_TYPES = FORMATS.map((format) => MEDIA_TYPES[format])

function negotiateFormat(c: Context<Env>): Format {
  const type = accepts(c, { header: 'Accept', supports: OFFERED_MEDIA_TYPES, default: MEDIA_TYPES.json, match: pickMediaType })
  const format = FORMATS.find((f) => MEDIA_TYPES[f] === type)
  if (!format) {
    c.header('Vary', 'Accept')
    throw new RegistryError('not_acceptable', 'Accept allows none of the formats this resource comes in.', { allowed: OFFERED_MEDIA_TYPES })
  }
  return format
}

function negotiateLanguage(c: Context<Env>, release: Release): string {
  return accepts(c, { header: 'Accept-Language', supports: release.languages, default: release.defaultLanguage, match: pickLanguage })
}

/** `/subprocessors.csv` names its format; `/subprocessors.xml` reaches the handler to get a 400 listing the formats. */
const suffixOf = (file: string | undefined) => file?.slice(file.indexOf('.') + 1)

export const subprocessors = new Hono<Env>()

// A URL that names region, language and format resolves the same way until the next release,
// so pollers skip query parsing; bounded, since unknown parameters make URLs unlimited.
const explicitLists = new Map<string, { version: number; view: ListView; caching: CachingHeaders }>()
const EXPLICIT_LISTS_KEPT = 256

function serveList(c: Context<Env>, release: Release) {
  const known = explicitLists.get(c.req.url)
  if (known?.version === release.version) return serveView(c, release, known.view, known.caching, alwaysPresent)

  const selection = readListSelection(c.req.queries(), suffixOf(c.req.param('file')), release)
  const view: ListView = {
    kind: 'list',
    format: selection.format ?? negotiateFormat(c),
    lang: selection.lang ?? negotiateLanguage(c, release),
    region: selection.region ?? resolveRegion(c.req.raw.cf?.country, release),
  }
  const caching = cachingHeaders(selection, selection.region !== undefined)
  if (selection.format && selection.lang && selection.region) {
    if (explicitLists.size >= EXPLICIT_LISTS_KEPT) explicitLists.clear()
    explicitLists.set(c.req.url, { version: release.version, view, caching })
  }
  return serveView(c, release, view, caching, alwaysPresent)
}

for (const path of ['/', '/subprocessors', '/:file{subprocessors\\.[^/]*}']) {
  subprocessors.get(path, (c) => withRelease(c, (release) => serveList(c, release)))
}

function serveEntry(c: Context<Env>, release: Release) {
  const request = readEntryRequest(c.req.queries(), c.req.param('id') ?? '', release)
  const view: EntryView = {
    kind: 'entry',
    id: request.id,
    format: request.format ?? negotiateFormat(c),
    lang: request.lang ?? negotiateLanguage(c, release),
  }
  const unknown = () => new RegistryError('unknown_subprocessor', `No sub-processor has the id "${request.id.slice(0, 80)}".`)
  // An entry does not depend on the visitor's region, so every response may be shared.
  return serveView(c, release, view, cachingHeaders(request, true), unknown)
}

subprocessors.get('/subprocessors/:id', (c) => withRelease(c, (release) => serveEntry(c, release)))
