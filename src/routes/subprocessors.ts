import { Hono } from 'hono'
import { accepts } from 'hono/accepts'
import type { Context } from 'hono'
import { cachingHeaders } from '../domain/caching'
import { methodNotAllowed, RegistryError } from '../domain/errors'
import { pickLanguage, pickMediaType } from '../domain/negotiation'
import { FORMATS, type Format, MEDIA_TYPES, type Release } from '../domain/representation'
import { readListSelection, resolveRegion } from '../domain/selection'
import { getCurrentRelease, getRepresentation } from '../storage'

type Env = { Bindings: Cloudflare.Env }

const OFFERED_MEDIA_TYPES = FORMATS.map((format) => MEDIA_TYPES[format])

export const subprocessors = new Hono<Env>()

async function currentRelease(c: Context<Env>): Promise<Release> {
  const release = await getCurrentRelease(c.env.REGISTRY)
  if (!release) throw new RegistryError(503, 'not_published', 'No version of the registry has been published yet.')
  return release
}

function negotiateFormat(c: Context<Env>): Format {
  const type = accepts(c, { header: 'Accept', supports: OFFERED_MEDIA_TYPES, default: MEDIA_TYPES.json, match: pickMediaType })
  const format = FORMATS.find((f) => MEDIA_TYPES[f] === type)
  if (!format) {
    c.header('Vary', 'Accept')
    throw new RegistryError(406, 'not_acceptable', 'None of the formats this list comes in is acceptable.', { allowed: OFFERED_MEDIA_TYPES })
  }
  return format
}

async function serveList(c: Context<Env>) {
  const release = await currentRelease(c)
  const file = c.req.param('file')
  const selection = readListSelection(c.req.queries(), file?.slice(file.indexOf('.') + 1), release)
  const view = {
    format: selection.format ?? negotiateFormat(c),
    lang: selection.lang ?? accepts(c, { header: 'Accept-Language', supports: release.languages, default: release.defaultLanguage, match: pickLanguage }),
    region: selection.region ?? resolveRegion(c.req.raw.cf?.country, release),
  }
  const representation = await getRepresentation(c.env.REGISTRY, release, view)
  if (!representation) throw new RegistryError(503, 'not_published', 'This version of the registry is incomplete in storage.')
  return c.body(representation.body as Uint8Array<ArrayBuffer>, 200, { ...representation.headers, ...cachingHeaders(selection) })
}

// `/subprocessors.csv` names the format; `/subprocessors.xml` reaches the handler to get a 400 that lists the formats.
for (const path of ['/', '/subprocessors', '/:file{subprocessors\\.[^/]*}']) {
  subprocessors.get(path, serveList).all(path, methodNotAllowed)
}
