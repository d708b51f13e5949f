/**
 * The arbiter of version numbers: a D1 table in which exactly one publish can take each version.
 * Workers KV is eventually consistent and has no compare-and-set, so it cannot arbitrate a race;
 * D1 is strongly consistent and runs locally under Miniflare like KV. The publisher's only door
 * to D1. The Worker never reads it: the KV pointer stays the read path.
 */
import { isRelease, type Release } from '../domain/representation'

/** The two statements the arbiter needs, whether D1 is a binding (local, tests) or reached through the wrangler CLI. */
export interface VersionTable {
  /** The newest claimed release, or null when nothing has been published. */
  latest(): Promise<Release | null>
  /** Inserts the version; false when another publish holds that number. */
  insert(release: Release): Promise<boolean>
  /** The signed log's leaf hash (base64) of every version, oldest first; null for one published before the log. */
  leaves(): Promise<(string | null)[]>
}

export const LATEST_SQL = 'SELECT release FROM versions ORDER BY version DESC LIMIT 1'
export const INSERT_SQL =
  'INSERT INTO versions (version, parent, digest, prefix, published_at, release) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (version) DO NOTHING'

/** Who holds a version: after the insert, the row's prefix says whether it was this publish. */
export const HOLDER_SQL = 'SELECT prefix FROM versions WHERE version = ?1'

/** Every version's leaf in the signed log, from the release each row holds: the log's state lives where its numbers are taken. */
export const LEAVES_SQL = "SELECT json_extract(release, '$.evidence.leaf') AS leaf FROM versions ORDER BY version"
export const leavesOf = (rows: Record<string, unknown>[]) =>
  rows.map((row) => (typeof row.leaf === 'string' ? row.leaf : null))

export const insertValues = (release: Release) =>
  [
    release.version,
    release.parent,
    release.digest,
    release.prefix,
    release.publishedAt,
    JSON.stringify(release),
  ] as const

export function parseClaimed(text: string): Release {
  const value: unknown = JSON.parse(text)
  if (!isRelease(value)) throw new Error('the versions table holds a record that is not a release')
  return value
}

/** The version table through a D1 binding. */
export function d1Versions(db: D1Database): VersionTable {
  return {
    async latest() {
      const row = await db.prepare(LATEST_SQL).first<{ release: string }>()
      return row ? parseClaimed(row.release) : null
    },
    async insert(release) {
      const [, holder] = await db.batch([
        db.prepare(INSERT_SQL).bind(...insertValues(release)),
        db.prepare(HOLDER_SQL).bind(release.version),
      ])
      return (holder?.results[0] as { prefix?: string } | undefined)?.prefix === release.prefix
    },
    async leaves() {
      const { results } = await db.prepare(LEAVES_SQL).all<Record<string, unknown>>()
      return leavesOf(results)
    },
  }
}

/** Another publish took the version this one wrote; nothing of this one is visible. */
export class VersionTaken extends Error {
  constructor(
    readonly version: number,
    readonly holder: Release | null,
  ) {
    super(
      `Version ${version} was taken by another publish${holder ? ` (published at ${holder.publishedAt})` : ''} while this one was writing. ` +
        `Nothing of this publish is visible. Run it again to publish on top of version ${version}.`,
    )
  }
}
