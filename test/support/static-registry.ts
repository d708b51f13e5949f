/**
 * A registry that is only files: what a company without this codebase would put on any static
 * host to serve Sub-processor Registry Format 1.0. Written from the format alone (docs/format.md),
 * with the client's signed-note and Merkle modules for the Evidence level: nothing from src/.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { dirname, join, normalize } from 'node:path'
import { readFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { leafHash, MerkleTree } from '../../client/src/log/merkle'
import { TILE_WIDTH, tilePath } from '../../client/src/log/tiles'
import { formatCheckpoint, type SignerKey, signNote } from '../../client/src/log/signed-note'

export interface StaticEntry {
  id: string
  name: string
  purpose: string
  location: string
  regions: string[]
}

export interface StaticChange {
  type: 'added' | 'removed' | 'modified'
  entry: { id: string; name: string }
  regions: string[]
  /** The version that announced it. */
  version: number
  announcedAt: string
  effectiveAt: string
  objectionDeadline: string | null
  withdrawn?: { version: number; at: string }
}

export interface StaticVersion {
  publishedAt: string
  entries: StaticEntry[]
  /** Changes this version announced or withdrew. */
  changes: StaticChange[]
}

export interface StaticRegistry {
  vendor: string
  /** Where on its host the registry lives, e.g. `/r1`: every link starts with it. Default: the root. */
  prefix?: string
  versions: StaticVersion[]
  /** Regions served as lists of their own besides `all` (`lists/{region}.en.json`). */
  regionLists?: string[]
  /** Signs a log of the versions' manifests: the Evidence level. */
  evidence?: { origin: string; signer: SignerKey; rotatingFrom?: SignerKey; rotateAt?: number }
}

const FORMAT = 'subprocessor-registry/1.0'
const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`
const sha256 = (bytes: string | Uint8Array) => createHash('sha256').update(bytes).digest('base64')

const listDocument = (version: number, v: StaticVersion, region = 'all') =>
  json({
    format: FORMAT,
    version,
    publishedAt: v.publishedAt,
    language: 'en',
    region: { id: region, name: region === 'all' ? 'All regions' : region },
    subprocessors: v.entries
      .filter((entry) => region === 'all' || entry.regions.includes(region))
      .map((entry) => ({ ...entry, location: { text: entry.location } })),
  })

const changeId = (change: StaticChange) => `v${change.version}/${change.entry.id}/${change.type}/${change.effectiveAt}`

/** Discovery, the list, the version index and the change log as they stood at `current` (1-based). */
function documentsAt(
  registry: StaticRegistry,
  current: number,
): Record<'discovery' | 'list' | 'csv' | 'versions' | 'changes', string> & { regions: Record<string, string> } {
  const versions = registry.versions.slice(0, current)
  const last = versions[current - 1]!
  const evidence = registry.evidence
  const at = (path: string) => `${registry.prefix ?? ''}${path}`
  // During a rotation, discovery names the key that signs this version: the new one.
  const signer =
    evidence?.rotatingFrom && (evidence.rotateAt ?? Infinity) > current ? evidence.rotatingFrom : evidence?.signer
  const discovery = json({
    format: FORMAT,
    conformance: evidence ? ['core', 'history', 'evidence'] : ['core', 'history'],
    company: { name: `${registry.vendor} Ltd.`, service: registry.vendor },
    version: current,
    publishedAt: last.publishedAt,
    languages: ['en'],
    defaultLanguage: 'en',
    regions: [{ id: 'all', name: { en: 'All regions' } }],
    lists: [
      { region: 'all', lang: 'en', format: 'json', type: 'application/json', href: at('/lists/all.en.json') },
      { region: 'all', lang: 'en', format: 'csv', type: 'text/csv', href: at('/lists/all.en.csv') },
      ...(registry.regionLists ?? []).map((region) => ({
        region,
        lang: 'en',
        format: 'json',
        type: 'application/json',
        href: at(`/lists/${region}.en.json`),
      })),
    ],
    history: {
      versions: [{ lang: 'en', format: 'json', type: 'application/json', href: at('/versions.json') }],
      changeLogs: [{ region: 'all', lang: 'en', format: 'json', type: 'application/json', href: at('/changes.json') }],
    },
    notice: { periodDays: 30 },
    ...(evidence && signer
      ? {
          evidence: {
            origin: evidence.origin,
            verifierKey: signer.verifier.text,
            checkpoint: at('/log/checkpoint'),
            tiles: at('/log/tile/'),
          },
        }
      : {}),
  })
  const csv = `\ufeffid,name,purpose,location,regions\r\n${last.entries.map((e) => [e.id, e.name, e.purpose, e.location, e.regions.join(' ')].join(',')).join('\r\n')}\r\n`
  const index = json({
    format: FORMAT,
    language: 'en',
    versions: versions
      .map((v, i) => ({
        version: i + 1,
        publishedAt: v.publishedAt,
        links: {
          list: at(`/versions/${i + 1}/all.en.json`),
          ...(evidence ? { manifest: at(`/versions/${i + 1}/manifest.json`) } : {}),
        },
      }))
      .reverse(),
  })
  // A change announced or withdrawn in a later version is not in this version's log.
  const changes = versions
    .flatMap((v) => v.changes)
    .filter((change) => change.version <= current)
    .map((change) =>
      change.withdrawn && change.withdrawn.version > current ? { ...change, withdrawn: undefined } : change,
    )
  const statusAt = (change: StaticChange, instant: number) =>
    change.withdrawn ? 'withdrawn' : Date.parse(change.effectiveAt) <= instant ? 'effective' : 'upcoming'
  const log = json({
    format: FORMAT,
    version: current,
    publishedAt: last.publishedAt,
    changes: [...changes].reverse().map((change) => ({
      id: changeId(change),
      type: change.type,
      status: statusAt(change, Date.parse(last.publishedAt)),
      entry: change.entry,
      summary: `${change.type}: ${change.entry.name}, from ${change.effectiveAt.slice(0, 10)}`,
      regions: change.regions,
      version: change.version,
      announcedAt: change.announcedAt,
      effectiveAt: change.effectiveAt,
      objectionDeadline: change.objectionDeadline,
      withdrawn: change.withdrawn ?? null,
    })),
  })
  const regions = Object.fromEntries((registry.regionLists ?? []).map((r) => [r, listDocument(current, last, r)]))
  return { discovery, list: listDocument(current, last), csv, versions: index, changes: log, regions }
}

/** The files of the registry at its last version, by path. */
export async function staticRegistryFiles(registry: StaticRegistry): Promise<Map<string, string | Uint8Array>> {
  const files = new Map<string, string | Uint8Array>()
  const { versions } = registry
  const now = documentsAt(registry, versions.length)
  files.set('.well-known/subprocessors', now.discovery)
  files.set('lists/all.en.json', now.list)
  files.set('lists/all.en.csv', now.csv)
  for (const [region, list] of Object.entries(now.regions)) files.set(`lists/${region}.en.json`, list)
  for (const [i, version] of versions.entries())
    files.set(`versions/${i + 1}/all.en.json`, listDocument(i + 1, version))
  files.set('versions.json', now.versions)
  files.set('changes.json', now.changes)
  if (registry.evidence) await addEvidence(files, registry, registry.evidence)
  return files
}

async function addEvidence(
  files: Map<string, string | Uint8Array>,
  registry: StaticRegistry,
  evidence: NonNullable<StaticRegistry['evidence']>,
) {
  const leaves: Uint8Array[] = []
  let checkpoint = ''
  const at = (path: string) => `${registry.prefix ?? ''}${path}`
  for (const [i, version] of registry.versions.entries()) {
    const number = i + 1
    const rotating = evidence.rotatingFrom && evidence.rotateAt === number
    const signer =
      evidence.rotatingFrom && (evidence.rotateAt ?? Infinity) > number ? evidence.rotatingFrom : evidence.signer
    const docs = documentsAt(registry, number)
    const representation = (url: string, kind: string, bytes: string, more: object = {}) => ({
      url: at(url),
      kind,
      ...more,
      type: 'application/json',
      sha256: sha256(bytes),
    })
    const manifest = `${JSON.stringify({
      format: 'subprocessor-registry-manifest/1',
      origin: evidence.origin,
      version: number,
      publishedAt: version.publishedAt,
      signer: signer.verifier.text,
      ...(rotating ? { rotatedFrom: evidence.rotatingFrom!.verifier.text } : {}),
      states: [
        {
          from: version.publishedAt,
          until: null,
          representations: [
            representation('/changes.json', 'changes', docs.changes, {
              region: 'all',
              lang: 'en',
              format: 'json',
              complete: true,
            }),
            representation('/lists/all.en.csv', 'list', docs.csv, { region: 'all', lang: 'en', format: 'csv' }),
            representation('/lists/all.en.json', 'list', docs.list, { region: 'all', lang: 'en', format: 'json' }),
            ...Object.entries(docs.regions).map(([region, list]) =>
              representation(`/lists/${region}.en.json`, 'list', list, { region, lang: 'en', format: 'json' }),
            ),
          ].map((r) =>
            r.kind === 'list' && (r as { format?: string }).format === 'csv' ? { ...r, type: 'text/csv' } : r,
          ),
        },
      ],
      representations: [
        representation('/.well-known/subprocessors', 'document', docs.discovery, { name: 'discovery' }),
        representation('/versions.json', 'versions', docs.versions, { lang: 'en', format: 'json' }),
      ],
    })}\n`
    files.set(`versions/${number}/manifest.json`, manifest)
    leaves.push(await leafHash(new TextEncoder().encode(manifest)))
    const tree = await MerkleTree.fromLeafHashes(leaves)
    checkpoint = await signNote(
      formatCheckpoint({ origin: evidence.origin, size: number, root: await tree.root(), extensions: [] }),
      rotating ? [signer, evidence.rotatingFrom!] : [signer],
    )
  }
  files.set('log/checkpoint', checkpoint)
  for (let index = 0; index * TILE_WIDTH < leaves.length; index++) {
    const part = leaves.slice(index * TILE_WIDTH, (index + 1) * TILE_WIDTH)
    const bytes = new Uint8Array(part.length * 32)
    for (const [j, leaf] of part.entries()) bytes.set(leaf, j * 32)
    files.set(`log/tile/${tilePath(0, index, part.length)}`, bytes)
  }
}

/** Writes the registry's files into `dir`, replacing what was there. */
export async function writeStaticRegistry(dir: string, registry: StaticRegistry): Promise<void> {
  await rm(dir, { recursive: true, force: true })
  for (const [path, content] of await staticRegistryFiles(registry)) {
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await writeFile(join(dir, path), content)
  }
}

const TYPES: Record<string, string> = { json: 'application/json', csv: 'text/csv; charset=utf-8' }

/**
 * A plain static file server, as any host is: a file per path, an ETag of its bytes, 304 on a
 * match. It refuses any query string, which shows a reader of the format never needs one.
 * `intercept` answers a request first when it returns true: the test's hostile registries.
 */
export async function serveStatic(
  root: () => string,
  intercept?: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => boolean,
): Promise<{ server: Server; url: string; requests: { path: string; status: number }[] }> {
  const requests: { path: string; status: number }[] = []
  const server = createServer(async (req, res) => {
    const url = new URL(req.url!, 'http://static')
    res.on('finish', () => requests.push({ path: url.pathname, status: res.statusCode }))
    if (intercept?.(req, res)) return
    if (url.search) return res.writeHead(400).end('a static host takes no query')
    const path = normalize(decodeURIComponent(url.pathname)).replace(/^\/+/, '')
    if (path.startsWith('..')) return res.writeHead(404).end()
    let bytes: Buffer
    try {
      bytes = await readFile(join(root(), path))
    } catch {
      return res.writeHead(404).end('not found')
    }
    const etag = `"${createHash('sha256').update(bytes).digest('base64url')}"`
    const headers = { ETag: etag, 'Content-Type': TYPES[path.split('.').pop()!] ?? 'application/octet-stream' }
    if (req.headers['if-none-match'] === etag) return res.writeHead(304, headers).end()
    res
      .writeHead(200, { ...headers, 'Content-Length': bytes.byteLength })
      .end(req.method === 'HEAD' ? undefined : bytes)
  })
  server.keepAliveTimeout = 1000
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening))
  const { port } = server.address() as { port: number }
  return { server, url: `http://127.0.0.1:${port}`, requests }
}

const HOSTING: StaticEntry = {
  id: 'example-hosting',
  name: 'Example Hosting Ltd.',
  purpose: 'Hosting',
  location: 'Germany',
  regions: ['eu'],
}
const MAIL: StaticEntry = {
  id: 'example-mail',
  name: 'Example Mail Inc.',
  purpose: 'Email delivery',
  location: 'United States',
  regions: ['eu', 'us'],
}

/** The committed fixture (test/fixtures/static-registry): a plainly fictional vendor, two versions. */
export const EXAMPLE_VENDOR: StaticRegistry = {
  vendor: 'Example Vendor',
  versions: [
    { publishedAt: '2026-01-10T09:00:00.000Z', entries: [HOSTING, MAIL], changes: [] },
    {
      publishedAt: '2026-03-01T09:00:00.000Z',
      entries: [HOSTING, { ...MAIL, location: 'Ireland' }],
      changes: [
        {
          type: 'modified',
          entry: { id: 'example-mail', name: 'Example Mail Inc.' },
          regions: ['eu', 'us'],
          version: 2,
          announcedAt: '2026-01-20T09:00:00.000Z',
          effectiveAt: '2026-03-01T09:00:00.000Z',
          objectionDeadline: '2026-03-01T09:00:00.000Z',
        },
      ],
    },
  ],
}

/** A version's evidence document, as `/versions/{n}/evidence` serves it: for `verify`, offline. */
export async function staticEvidence(registry: StaticRegistry, version: number): Promise<string> {
  const files = await staticRegistryFiles(registry)
  const manifests = registry.versions.map((_, i) => String(files.get(`versions/${i + 1}/manifest.json`)))
  const tree = await MerkleTree.fromLeafHashes(
    await Promise.all(manifests.map((m) => leafHash(new TextEncoder().encode(m)))),
  )
  return json({
    format: 'subprocessor-registry-evidence/1',
    version,
    leafIndex: version - 1,
    treeSize: manifests.length,
    manifest: manifests[version - 1],
    inclusionProof: (await tree.inclusionProof(version - 1)).map((hash) => Buffer.from(hash).toString('base64')),
    checkpoint: String(files.get('log/checkpoint')),
    links: { manifest: `/versions/${version}/manifest.json`, checkpoint: '/log/checkpoint', tiles: '/log/tile/' },
  })
}
