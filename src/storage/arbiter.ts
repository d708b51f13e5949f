/**
 * The arbiter of version numbers: a D1 table in which exactly one publish can take each version.
 * Workers KV is eventually consistent and has no compare-and-set, so it cannot arbitrate a race;
 * D1 is strongly consistent and runs locally under Miniflare like KV. The publisher's only door
 * to D1. The Worker never reads it: the KV pointer stays the read path.
 */
import { isRelease, type Release } from '../domain/representation'
import { COMMIT_OBJECTION_SQL, PENDING_OBJECTIONS_SQL } from './objections'

/** One objection's place under the commitment of the version being inserted. */
export interface CommittedObjection {
  digest: string
  index: number
  /** The Inclusion the customer fetches, as JSON. */
  inclusion: string
}

/** The two statements the arbiter needs, whether D1 is a binding (local, tests) or reached through the wrangler CLI. */
export interface VersionTable {
  /** The newest claimed release, or null when nothing has been published. */
  latest(): Promise<Release | null>
  /**
   * Inserts the version, and with it the objections its manifest commits to; false when another
   * publish holds that number. Throws, having inserted nothing, when one of those objections was
   * committed by another publish meanwhile.
   */
  insert(release: Release, objections?: CommittedObjection[]): Promise<boolean>
  /** The digests of the objections received and not committed to by any version yet, oldest first. */
  pendingObjections(): Promise<string[]>
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

/** The values of COMMIT_OBJECTION_SQL for one objection of this release. */
export const commitValues = (release: Release, { digest, index, inclusion }: CommittedObjection) =>
  [digest, release.version, index, inclusion, release.prefix] as const

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
    async insert(release, objections = []) {
      // One batch is one transaction: the number and the commitments are taken together or not at all.
      const [, holder] = await db.batch([
        db.prepare(INSERT_SQL).bind(...insertValues(release)),
        db.prepare(HOLDER_SQL).bind(release.version),
        ...objections.map((objection) => db.prepare(COMMIT_OBJECTION_SQL).bind(...commitValues(release, objection))),
      ])
      return (holder?.results[0] as { prefix?: string } | undefined)?.prefix === release.prefix
    },
    async leaves() {
      const { results } = await db.prepare(LEAVES_SQL).all<Record<string, unknown>>()
      return leavesOf(results)
    },
    async pendingObjections() {
      const { results } = await db.prepare(PENDING_OBJECTIONS_SQL).all<{ digest: string }>()
      return results.map((row) => row.digest)
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

/** Another publish committed some of the objections this one would have, while it was writing; nothing of this one is visible. */
export class ObjectionsTaken extends Error {
  constructor(readonly version: number) {
    super(
      `Version ${version} was not taken: another publish committed some of the same objections while this one was writing. ` +
        'Nothing of this publish is visible. Run it again: it commits to the objections still pending.',
    )
  }
}
