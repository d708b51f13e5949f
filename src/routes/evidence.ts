import { bodyHeaders } from '../domain/headers'
import { type Context, Hono } from 'hono'
import { type CachingHeaders, immutableCaching, UNNEGOTIATED_CACHING } from '../domain/caching'
import { RegistryError } from '../domain/errors'
import { strongEtag } from '../domain/etag'
import { checkpointBody, evidenceDocument, tlogProof } from '../domain/evidence'
import { parseTilePath, TILE_WIDTH } from '../domain/merkle'
import {
  CONTENT_TYPES,
  LOG_CHECKPOINT_URL,
  LOG_TILES_URL,
  type Release,
  type ReleaseEvidence,
} from '../domain/representation'
import { readVersionInPath } from '../domain/selection'
import { parseCheckpoint } from '../domain/signed-note'
import {
  loadCosignedCheckpoint,
  loadLogTree,
  loadRepresentation,
  loadTile,
  NOT_IN_MEMORY,
  NOT_IN_RELEASE,
  peekRepresentation,
  type StoredRepresentation,
} from '../storage/reader'
import { alwaysPresent, type Env, responseFor, withRelease, withVersion } from './serve'

/** The signed log: its checkpoint and tiles, each version's manifest, and the evidence for a version in one document. */
export const evidence = new Hono<Env>()

const IMMUTABLE = immutableCaching({ format: 'json', lang: 'any' })
// A checkpoint changes with every publish: keep it briefly, as the pointer is rechecked.
const CHECKPOINT_CACHING: CachingHeaders = { 'Cache-Control': 'public, max-age=10' }
// A partial tile at one width never changes either, but C2SP lets a log drop it once the tile is full.
const PARTIAL_TILE_CACHING: CachingHeaders = { 'Cache-Control': 'public, max-age=60' }

function logged(release: Release): ReleaseEvidence {
  if (!release.evidence)
    throw new RegistryError(
      'not_found',
      `Version ${release.version} was published before the registry kept a signed log: it has no manifest.`,
    )
  return release.evidence
}

/** A version's manifest; the reader checks it against the digest its release names. */
async function manifestOf(c: Context<Env>, release: Release): Promise<StoredRepresentation> {
  logged(release)
  const view = { kind: 'manifest', version: release.version } as const
  const warm = peekRepresentation(release, 0, view)
  const manifest = warm === NOT_IN_MEMORY ? await loadRepresentation(c.env.REGISTRY, release, 0, view) : warm
  if (manifest === NOT_IN_RELEASE) throw alwaysPresent()
  return manifest
}

const withVersionInPath = (
  c: Context<Env>,
  serve: (release: Release, current: Release) => Response | Promise<Response>,
) =>
  withRelease(c, (current) =>
    withVersion(c, current, readVersionInPath(c.req.param('version') ?? ''), (release) => serve(release, current)),
  )

evidence.get('/versions/:version/manifest', (c) =>
  withVersionInPath(c, async (release) => responseFor(c, await manifestOf(c, release), IMMUTABLE)),
)

/** A document built from the version's manifest, the log and the current cosigned checkpoint. */
type Build = (release: Release, manifest: Uint8Array, proof: Uint8Array[], checkpoint: string) => string

// Built once per isolate per current release, checkpoint as served (its cosignatures included) and version: the proof costs hashing.
const built = new WeakMap<Release, Map<string, { checkpoint: string; documents: Map<number, StoredRepresentation> }>>()
const DOCUMENTS_KEPT = 64

async function proofDocument(
  c: Context<Env>,
  kind: 'evidence' | 'proof',
  release: Release,
  current: Release,
  contentType: string,
  build: Build,
): Promise<StoredRepresentation> {
  const head = logged(current)
  const note = await loadCosignedCheckpoint(c.env.REGISTRY, head)
  let kinds = built.get(current)
  if (!kinds) built.set(current, (kinds = new Map()))
  let cache = kinds.get(kind)
  if (cache?.checkpoint !== note) kinds.set(kind, (cache = { checkpoint: note, documents: new Map() }))
  let stored = cache.documents.get(release.version)
  if (!stored) {
    const checkpoint = parseCheckpoint(checkpointBody(head.checkpoint))
    const manifest = await manifestOf(c, release)
    const tree = await loadLogTree(c.env.REGISTRY, checkpoint.size, checkpoint.root)
    const proof = await tree.inclusionProof(release.version - 1, checkpoint.size)
    const body = new TextEncoder().encode(build(release, manifest.body, proof, note))
    const etag = await strongEtag(body)
    stored = {
      body,
      etag,
      lastModified: Date.parse(current.publishedAt),
      headers: bodyHeaders(contentType, body.byteLength, etag, Date.parse(current.publishedAt)),
    }
    if (cache.documents.size >= DOCUMENTS_KEPT) cache.documents.clear()
    cache.documents.set(release.version, stored)
  }
  return stored
}

const buildEvidence: Build = (release, manifest, proof, checkpoint) => {
  const size = Number(checkpoint.split('\n', 2)[1])
  const document = evidenceDocument(release.version, size, new TextDecoder().decode(manifest), proof, checkpoint)
  return `${JSON.stringify(document, null, 2)}\n`
}

evidence.get('/versions/:version/evidence', (c) =>
  withVersionInPath(c, async (release, current) =>
    responseFor(
      c,
      await proofDocument(c, 'evidence', release, current, CONTENT_TYPES.json, buildEvidence),
      UNNEGOTIATED_CACHING,
    ),
  ),
)

evidence.get('/versions/:version/proof', (c) =>
  withVersionInPath(c, async (release, current) => {
    const stored = await proofDocument(c, 'proof', release, current, 'text/plain; charset=utf-8', (r, m, p, note) =>
      tlogProof(r.version, m, p, note),
    )
    const response = responseFor(c, stored, UNNEGOTIATED_CACHING)
    response.headers.set(
      'Content-Disposition',
      `attachment; filename="${current.fileStem}-v${release.version}.tlog-proof"`,
    )
    return response
  }),
)

const checkpoints = new Map<string, Promise<StoredRepresentation>>()

async function checkpointOf(note: string, release: Release): Promise<StoredRepresentation> {
  const body = new TextEncoder().encode(note)
  const etag = await strongEtag(body)
  return {
    body,
    etag,
    lastModified: Date.parse(release.publishedAt),
    headers: bodyHeaders('text/plain; charset=utf-8', body.byteLength, etag, Date.parse(release.publishedAt)),
  }
}

evidence.get(LOG_CHECKPOINT_URL, (c) =>
  withRelease(c, async (release) => {
    const note = await loadCosignedCheckpoint(c.env.REGISTRY, logged(release))
    let checkpoint = checkpoints.get(note)
    if (!checkpoint) {
      if (checkpoints.size >= 4) checkpoints.clear()
      checkpoints.set(note, (checkpoint = checkpointOf(note, release)))
    }
    return responseFor(c, await checkpoint, CHECKPOINT_CACHING)
  }),
)

evidence.get(`${LOG_TILES_URL}*`, (c) =>
  withRelease(c, async (release) => {
    const path = c.req.path.slice(LOG_TILES_URL.length)
    const tile = parseTilePath(path)
    const size = parseCheckpoint(checkpointBody(logged(release).checkpoint)).size
    // The tree of `size` leaves holds size / 256^level hashes at a level: a tile past them does not exist yet.
    if (!tile || tile.index * TILE_WIDTH + tile.width > Math.floor(size / TILE_WIDTH ** tile.level)) {
      throw new RegistryError('not_found', `There is no tile ${path.slice(0, 80)} in the log of ${size} versions.`)
    }
    const { body, etag } = await loadTile(c.env.REGISTRY, path)
    const headers = bodyHeaders('application/octet-stream', body.byteLength, etag)
    const stored = { body, etag, lastModified: 0, headers }
    return responseFor(c, stored, tile.width === TILE_WIDTH ? IMMUTABLE : PARTIAL_TILE_CACHING)
  }),
)
