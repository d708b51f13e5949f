import { type Context, Hono } from 'hono'
import { type CachingHeaders, cachingHeaders, immutableCaching } from '../domain/caching'
import { RegistryError } from '../domain/errors'
import { type EntryView, FORMATS, type ListView, type Release, stateAt, viewUrl } from '../domain/representation'
import { readEntryRequest, readListSelection, readMoment, resolveRegion } from '../domain/selection'
import { getHistory, loadRepresentation, NOT_IN_RELEASE, peekCurrentRelease } from '../storage/reader'
import {
  answerPrepared,
  currentState,
  type Env,
  firstVersionWith,
  languageNotInVersion,
  negotiateFormat,
  negotiateLanguage,
  type Prepared,
  prepare,
  serveView,
  suffixOf,
  withRelease,
  withVersion,
} from './serve'

export const subprocessors = new Hono<Env>()

// A URL that names region, language and format (and no moment) resolves the same way until the
// next release, so pollers skip query parsing; bounded, since unknown parameters make URLs unlimited.
const explicitLists = new Map<string, Resolved>()
const EXPLICIT_LISTS_KEPT = 256
/** An instant this recent may still gain a version (KV propagation, the pointer recheck): not yet immutable. */
const SETTLED_AFTER_MS = 5 * 60 * 1000

type Resolved = { release: Release; view: ListView; caching: CachingHeaders; prepared?: Prepared }

// A negotiated list resolves the same way for the same URL, Accept and Accept-Language (and
// country, when the URL names no region), so a poller that negotiates skips parsing too; Hono
// caches no such resolution. The country is read only when needed: reading `cf` parses it.
const negotiatedLists = new Map<string, Resolved | { byCountry: true; release: Release }>()

const negotiationKey = (request: Request) => {
  const headers = request.headers
  return `${request.url}\n${headers.get('Accept')}\n${headers.get('Accept-Language')}`
}
const countryKey = (request: Request, key: string) => `${key}\n${request.cf?.country}`

function negotiated(request: Request): Resolved | undefined {
  const key = negotiationKey(request)
  const found = negotiatedLists.get(key)
  if (found && 'byCountry' in found) return negotiatedLists.get(countryKey(request, key)) as Resolved | undefined
  return found
}

function keepResolved(request: Request, resolved: Resolved, regionFromQuery: boolean, explicit: boolean) {
  const kept = explicit ? explicitLists : negotiatedLists
  if (kept.size >= EXPLICIT_LISTS_KEPT) kept.clear()
  if (explicit) return explicitLists.set(request.url, resolved)
  const key = negotiationKey(request)
  if (regionFromQuery) return negotiatedLists.set(key, resolved)
  negotiatedLists.set(key, { byCountry: true, release: resolved.release })
  negotiatedLists.set(countryKey(request, key), resolved)
}

/**
 * A GET of a list this isolate has answered before, answered before Hono dispatches it: one map
 * lookup, the preconditions and the prepared bytes, the shortest request path there is. Null
 * whenever anything is not known yet (the release is due for its recheck, the answer has lapsed),
 * and the route answers.
 */
export function answerKnownList(request: Request): Response | null {
  if (request.method !== 'GET') return null
  const release = peekCurrentRelease()
  const known = release && (explicitLists.get(request.url) ?? negotiated(request))
  if (!known?.prepared || known.release !== release) return null
  return answerPrepared(request.headers, known.prepared)
}

function serveList(c: Context<Env>, release: Release) {
  const known = explicitLists.get(c.req.url) ?? negotiated(c.req.raw)
  if (known?.release === release) {
    const answered = known.prepared && answerPrepared(c.req.raw.headers, known.prepared)
    if (answered) return answered
    const { state, caching } = currentState(release, known.caching)
    known.prepared = prepare(release, state, known.view, caching) ?? undefined
    return serveView(c, { release, state, view: known.view, caching })
  }

  const query = c.req.queries()
  const selection = readListSelection(query, suffixOf(c.req.param('file')), release)
  const moment = readMoment(query)
  const view: ListView = {
    kind: 'list',
    format: selection.format ?? negotiateFormat(c, FORMATS),
    lang: selection.lang ?? negotiateLanguage(c, release),
    region: selection.region ?? resolveRegion(c.req.raw.cf?.country, release),
  }
  const shared = selection.region !== undefined
  if (moment.version !== undefined) {
    const version = moment.version
    return withVersion(c, release, version, (versioned) =>
      versioned.languages.includes(view.lang)
        ? serveView(c, {
            release: versioned,
            view,
            caching: immutableCaching(selection),
            location: `${viewUrl(view)}&version=${version}`,
          })
        : languageNotInVersion(c, release, versioned, view.lang),
    )
  }
  if (moment.at !== undefined)
    return serveListAt(c, release, view, cachingHeaders(selection, shared), immutableCaching(selection), moment.at)

  const caching = cachingHeaders(selection, shared)
  keepResolved(
    c.req.raw,
    { release, view, caching },
    shared,
    Boolean(selection.format && selection.lang && selection.region),
  )
  const current = currentState(release, caching)
  return serveView(c, { release, state: current.state, view, caching: current.caching })
}

/**
 * The list in force at an instant. In the past: the state of the version current then, which
 * never changes. In the future: the state the current version announces, marked as scheduled.
 */
async function serveListAt(
  c: Context<Env>,
  current: Release,
  view: ListView,
  caching: CachingHeaders,
  immutable: CachingHeaders,
  at: number,
) {
  const instant = new Date(at).toISOString()
  const now = Date.now()
  if (at >= now) {
    // A CSV has no place to say "scheduled"; it is the state's own.
    const scheduled: ListView = view.format === 'csv' ? view : { ...view, scheduled: true }
    return serveView(c, {
      release: current,
      state: stateAt(current, at),
      view: scheduled,
      caching,
      location: `${viewUrl(view)}&at=${instant}`,
    })
  }
  const history = await getHistory(c.env.REGISTRY, current)
  let version = 0
  for (const [number, publishedAt] of history) if (publishedAt <= at) version = number
  if (version === 0) {
    throw new RegistryError(
      'unknown_version',
      `No version had been published at ${instant}; the first was published at ${new Date(history[0]![1]).toISOString()}.`,
      {
        parameter: 'at',
      },
    )
  }
  return withVersion(c, current, version, (release) => {
    if (!release.languages.includes(view.lang)) return languageNotInVersion(c, current, release, view.lang)
    const state = stateAt(release, at)
    const location = `${viewUrl(view)}&at=${new Date(release.states[state]!).toISOString()}`
    return serveView(c, { release, state, view, caching: at < now - SETTLED_AFTER_MS ? immutable : caching, location })
  })
}

for (const path of ['/', '/subprocessors', '/:file{subprocessors\\.[^/]*}']) {
  subprocessors.get(path, (c) => withRelease(c, (release) => serveList(c, release)))
}

function serveEntry(c: Context<Env>, release: Release) {
  const query = c.req.queries()
  const request = readEntryRequest(query, c.req.param('id') ?? '', release)
  if (query.at) {
    throw new RegistryError(
      'unsupported_parameter',
      '"at" applies to lists: ask /subprocessors.json?at=… for the list at an instant, or this entry with ?version=.',
      {
        parameter: 'at',
        allowed: ['version'],
      },
    )
  }
  const { version } = readMoment(query)
  const view: EntryView = {
    kind: 'entry',
    id: request.id,
    format: request.format ?? negotiateFormat(c, FORMATS),
    lang: request.lang ?? negotiateLanguage(c, release),
  }
  const unknown = () =>
    new RegistryError(
      'unknown_subprocessor',
      `No sub-processor has the id "${request.id.slice(0, 80)}"${version ? ` in version ${version}` : ''}.`,
    )
  if (version !== undefined) {
    return withVersion(c, release, version, (versioned) => {
      if (!versioned.languages.includes(view.lang)) return languageNotInVersion(c, release, versioned, view.lang)
      // Absent from this version: listed later, or never; the answer says which.
      const absent = async (): Promise<never> => {
        const listed = async (r: Release) => (await loadRepresentation(c.env.REGISTRY, r, 0, view)) !== NOT_IN_RELEASE
        const first = await firstVersionWith(c, release, versioned.version, listed)
        if (first === null) throw unknown()
        throw new RegistryError(
          'not_in_version',
          `Version ${versioned.version} does not list "${request.id.slice(0, 80)}": the registry lists it from version ${first}.`,
        )
      }
      return serveView(c, {
        release: versioned,
        view,
        caching: immutableCaching(request),
        absent,
        location: `${viewUrl(view)}&version=${version}`,
      })
    })
  }
  // An entry does not depend on the visitor's region, so every response may be shared.
  const current = currentState(release, cachingHeaders(request, true))
  return serveView(c, { release, state: current.state, view, caching: current.caching, absent: unknown })
}

subprocessors.get('/subprocessors/:id', (c) => withRelease(c, (release) => serveEntry(c, release)))
