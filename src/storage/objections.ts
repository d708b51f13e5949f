/**
 * The only module that touches the objection tables of D1 (migration 0005): the customers that
 * may object, and the objections received with their receipts. Times are Unix milliseconds.
 */

export interface Customer {
  id: string
  name: string
  /** The verifier key the customer signs with (signed-note, Ed25519). */
  key: string
  status: 'active' | 'revoked'
  createdAt: number
  revokedAt: number | null
  /** The customer's webhook subscription, which resolutions are pushed to. */
  webhookId: string | null
}

export interface StoredObjection {
  digest: string
  customer: { id: string; name: string }
  change: string
  category: string
  reason: string
  objectedAt: string
  receivedAt: number
  objection: string
  receipt: string
  resolution: { outcome: string; note: string; resolvedAt: number } | null
}

interface CustomerRow {
  id: string
  name: string
  key: string
  status: 'active' | 'revoked'
  created_at: number
  revoked_at: number | null
  webhook_id: string | null
}

const customer = (row: CustomerRow): Customer => ({
  id: row.id,
  name: row.name,
  key: row.key,
  status: row.status,
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
  webhookId: row.webhook_id,
})

export const INSERT_CUSTOMER_SQL =
  "INSERT INTO customers (id, name, key, key_name, key_id, status, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 'active', ?6)"
export const LIST_CUSTOMERS_SQL = 'SELECT * FROM customers ORDER BY created_at, id'
export const SET_CUSTOMER_WEBHOOK_SQL = 'UPDATE customers SET webhook_id = ?2 WHERE id = ?1'
export const REVOKE_CUSTOMER_SQL =
  "UPDATE customers SET status = 'revoked', revoked_at = ?2 WHERE id = ?1 AND status = 'active'"

/** Every customer whose key has this name and id: a signature line names its key no better. */
export async function customersByKey(db: D1Database, name: string, id: number): Promise<Customer[]> {
  const { results } = await db
    .prepare('SELECT * FROM customers WHERE key_name = ?1 AND key_id = ?2')
    .bind(name, id)
    .all<CustomerRow>()
  return results.map(customer)
}

export async function listCustomers(db: D1Database): Promise<Customer[]> {
  const { results } = await db.prepare(LIST_CUSTOMERS_SQL).all<CustomerRow>()
  return results.map(customer)
}

interface ObjectionRow {
  digest: string
  customer_id: string
  name: string
  change_id: string
  category: string
  reason: string
  objected_at: string
  received_at: number
  objection: string
  receipt: string
  outcome: string | null
  resolution: string | null
  resolved_at: number | null
}

const objection = (row: ObjectionRow): StoredObjection => ({
  digest: row.digest,
  customer: { id: row.customer_id, name: row.name },
  change: row.change_id,
  category: row.category,
  reason: row.reason,
  objectedAt: row.objected_at,
  receivedAt: row.received_at,
  objection: row.objection,
  receipt: row.receipt,
  resolution:
    row.outcome && row.resolution && row.resolved_at !== null
      ? { outcome: row.outcome, note: row.resolution, resolvedAt: row.resolved_at }
      : null,
})

const SELECT_OBJECTIONS =
  'SELECT objections.*, customers.name FROM objections JOIN customers ON customers.id = objections.customer_id'

export async function objectionByDigest(db: D1Database, digest: string): Promise<StoredObjection | null> {
  const row = await db.prepare(`${SELECT_OBJECTIONS} WHERE digest = ?1`).bind(digest).first<ObjectionRow>()
  return row ? objection(row) : null
}

/**
 * Stores an objection unless one with its digest is stored already, and returns the stored one:
 * of many identical objections at once, exactly one is kept, and every sender gets its receipt.
 */
export async function storeObjection(
  db: D1Database,
  stored: Omit<StoredObjection, 'customer' | 'resolution'> & { customerId: string },
): Promise<{ stored: StoredObjection; created: boolean }> {
  const insert = await db
    .prepare(
      'INSERT INTO objections (digest, customer_id, change_id, category, reason, objected_at, received_at, objection, receipt) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (digest) DO NOTHING',
    )
    .bind(
      stored.digest,
      stored.customerId,
      stored.change,
      stored.category,
      stored.reason,
      stored.objectedAt,
      stored.receivedAt,
      stored.objection,
      stored.receipt,
    )
    .run()
  return { stored: (await objectionByDigest(db, stored.digest))!, created: insert.meta.changes === 1 }
}

export async function objectionsSince(db: D1Database, customerId: string, since: number): Promise<number> {
  const row = await db
    .prepare('SELECT COUNT(*) AS count FROM objections WHERE customer_id = ?1 AND received_at >= ?2')
    .bind(customerId, since)
    .first<{ count: number }>()
  return row?.count ?? 0
}

export async function listObjections(db: D1Database): Promise<StoredObjection[]> {
  const { results } = await db.prepare(`${SELECT_OBJECTIONS} ORDER BY change_id, received_at`).all<ObjectionRow>()
  return results.map(objection)
}

/** The digests received and committed to by no version yet, in the order the next commitment takes them. */
export const PENDING_OBJECTIONS_SQL =
  'SELECT digest FROM objections WHERE digest NOT IN (SELECT digest FROM objection_commitments) ORDER BY received_at, digest'

/**
 * Records one digest's place under a version's commitment, if this publish holds the version
 * (?5 is its prefix). In the batch that takes the number: a digest committed before fails the
 * primary key, and with it the whole batch.
 */
export const COMMIT_OBJECTION_SQL =
  'INSERT INTO objection_commitments (digest, version, leaf_index, inclusion) SELECT ?1, ?2, ?3, ?4 WHERE (SELECT prefix FROM versions WHERE version = ?2) = ?5'

/** An objection's inclusion under the commitment of the version that took it, as JSON; null before that publish. */
export async function objectionInclusion(db: D1Database, digest: string): Promise<string | null> {
  const row = await db
    .prepare('SELECT inclusion FROM objection_commitments WHERE digest = ?1')
    .bind(digest)
    .first<{ inclusion: string }>()
  return row?.inclusion ?? null
}

/** Records a resolution unless the objection has one; false when it had. */
export async function resolveObjection(
  db: D1Database,
  digest: string,
  resolution: { outcome: string; note: string; resolvedAt: number },
): Promise<boolean> {
  const update = await db
    .prepare(
      'UPDATE objections SET outcome = ?2, resolution = ?3, resolved_at = ?4 WHERE digest = ?1 AND resolution IS NULL',
    )
    .bind(digest, resolution.outcome, resolution.note, resolution.resolvedAt)
    .run()
  return update.meta.changes === 1
}

export async function customerById(db: D1Database, id: string): Promise<Customer | null> {
  const row = await db.prepare('SELECT * FROM customers WHERE id = ?1').bind(id).first<CustomerRow>()
  return row ? customer(row) : null
}
