import type { Context } from 'hono'
import { RETAINED_304_HEADERS } from 'hono/etag'
import { isNotModified } from '../domain/conditional'
import { RegistryError } from '../domain/errors'
import type { Release, View } from '../domain/representation'
import { getCurrentRelease, getRepresentation } from '../storage'

export type Env = { Bindings: Cloudflare.Env }

/** CORS headers stay on a 304 so that a cross-origin revalidation can still be read. */
const NOT_MODIFIED_HEADERS = new Set([...RETAINED_304_HEADERS, 'access-control-allow-origin', 'access-control-expose-headers'])

export async function currentRelease(c: Context<Env>): Promise<Release> {
  const release = await getCurrentRelease(c.env.REGISTRY)
  if (!release) throw new RegistryError(503, 'not_published', 'No version of the registry has been published yet.')
  return release
}

/**
 * Serves a published representation. Preconditions are evaluated before a body is attached
 * (Hono's etag() only sees finished responses), so a 304 costs the same at any registry size.
 */
export async function respond(c: Context<Env>, release: Release, view: View, headers: Record<string, string>, missing: () => RegistryError) {
  const representation = await getRepresentation(c.env.REGISTRY, release, view)
  if (!representation) throw missing()
  if (isNotModified(c.req.header('If-None-Match'), c.req.header('If-Modified-Since'), representation.etag, representation.lastModified)) {
    for (const [name, value] of Object.entries({ ...representation.headers, ...headers })) {
      if (NOT_MODIFIED_HEADERS.has(name.toLowerCase())) c.header(name, value)
    }
    return c.body(null, 304)
  }
  return c.body(representation.body as Uint8Array<ArrayBuffer>, 200, { ...representation.headers, ...headers })
}
