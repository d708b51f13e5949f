import { type Context, Hono } from 'hono'
import { cachingHeaders } from '../domain/caching'
import { RegistryError } from '../domain/errors'
import {
  ALL_REGIONS,
  CHANGE_FORMATS,
  type ChangesView,
  type Release,
  VERSION_FORMATS,
  type VersionsView,
} from '../domain/representation'
import { readSelection, readSince } from '../domain/selection'
import { loadChangeSlice, loadWholeLog } from '../storage/reader'
import {
  currentState,
  type Env,
  negotiateFormat,
  negotiateLanguage,
  responseFor,
  serveView,
  suffixOf,
  withRelease,
} from './serve'

/** What changed, since when, and what is coming: the change log and its feeds, and every version. */
export const history = new Hono<Env>()

function serveChanges(c: Context<Env>, release: Release) {
  const query = c.req.queries()
  const selection = readSelection(query, suffixOf(c.req.param('file')), release, CHANGE_FORMATS)
  const since = readSince(query, release)
  const view: ChangesView = {
    kind: 'changes',
    // The change log is not chosen by the visitor's location: without ?region=, every change.
    region: selection.region ?? ALL_REGIONS,
    lang: selection.lang ?? negotiateLanguage(c, release),
    format: selection.format ?? negotiateFormat(c, CHANGE_FORMATS),
  }
  const { state, caching } = currentState(release, cachingHeaders(selection, true))
  if (since === undefined) return serveView(c, { release, state, view, caching })
  if (view.format !== 'json') {
    throw new RegistryError(
      'unsupported_parameter',
      '"since" applies to the JSON change log (/changes.json?since=N); the feeds, the page and the CSV show the latest changes.',
      {
        parameter: 'since',
        allowed: ['json'],
      },
    )
  }
  return loadChangeSlice(c.env.REGISTRY, release, state, view, since).then((slice) => responseFor(c, slice, caching))
}

for (const path of ['/changes', '/:file{changes\\.[^/]*}']) {
  history.get(path, (c) => withRelease(c, (release) => serveChanges(c, release)))
}

function serveVersions(c: Context<Env>, release: Release) {
  const selection = readSelection(c.req.queries(), suffixOf(c.req.param('file')), release, VERSION_FORMATS)
  const view: VersionsView = {
    kind: 'versions',
    lang: selection.lang ?? negotiateLanguage(c, release),
    format: selection.format ?? negotiateFormat(c, VERSION_FORMATS),
  }
  // A log that grows with every version, older rows in shared chunks: served whole, joined.
  return loadWholeLog(c.env.REGISTRY, release, view).then((whole) =>
    responseFor(c, whole, cachingHeaders(selection, true)),
  )
}

for (const path of ['/versions', '/:file{versions\\.[^/]*}']) {
  history.get(path, (c) => withRelease(c, (release) => serveVersions(c, release)))
}
