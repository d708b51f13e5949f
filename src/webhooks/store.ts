/**
 * The only module that touches the webhook tables of the D1 database (migrations 0002, 0003):
 * subscriptions and their previous secrets, delivery attempts, what the cron tick has emitted
 * and how far it got, the counts behind the rate limits, the reservations behind the per-host
 * cap, and the refusals the operator sees. Times are Unix milliseconds.
 */
import type { ChangeEvent } from './events'
import { DISABLE_AFTER_MS } from './retry'

export type SubscriptionStatus = 'active' | 'disabled'

export interface Subscription {
  id: string
  url: string
  host: string
  regions: string[]
  languages: string[] | null
  events: ChangeEvent[]
  status: SubscriptionStatus
  createdAt: number
  failingSince: number | null
  lastSuccessAt: number | null
  lastFailureAt: number | null
  disabledAt: number | null
  disabledReason: string | null
  /** When the last of the previous secrets stops signing; null when none does. */
  previousSecretExpiresAt: number | null
}

/** A subscription with its sealed secrets and token hash: never leaves the Worker. */
export interface StoredSubscription extends Subscription {
  secret: string
  /** Sealed, oldest first: every one still signs until its own expiry. */
  previousSecrets: { secret: string; expiresAt: number }[]
  tokenHash: string
}

interface Row {
  id: string
  url: string
  host: string
  regions: string
  languages: string | null
  events: string
  secret: string
  previous_secrets: string
  token_hash: string
  status: SubscriptionStatus
  created_at: number
  failing_since: number | null
  last_success_at: number | null
  last_failure_at: number | null
  disabled_at: number | null
  disabled_reason: string | null
}

function fromRow(row: Row): StoredSubscription {
  const previousSecrets: { secret: string; expiresAt: number }[] = JSON.parse(row.previous_secrets)
  previousSecrets.sort((a, b) => a.expiresAt - b.expiresAt)
  return {
    id: row.id,
    url: row.url,
    host: row.host,
    regions: JSON.parse(row.regions),
    languages: row.languages === null ? null : JSON.parse(row.languages),
    events: JSON.parse(row.events),
    status: row.status,
    createdAt: row.created_at,
    failingSince: row.failing_since,
    lastSuccessAt: row.last_success_at,
    lastFailureAt: row.last_failure_at,
    disabledAt: row.disabled_at,
    disabledReason: row.disabled_reason,
    previousSecretExpiresAt: previousSecrets.at(-1)?.expiresAt ?? null,
    secret: row.secret,
    previousSecrets,
    tokenHash: row.token_hash,
  }
}

/** Counts one subscription attempt by a client in the window that starts at `windowStart`; returns the count so far. */
export async function countCreation(db: D1Database, client: string, windowStart: number): Promise<number> {
  const row = await db
    .prepare(
      'INSERT INTO webhook_create_counts (client, window_start, count) VALUES (?1, ?2, 1) ON CONFLICT (client, window_start) DO UPDATE SET count = count + 1 RETURNING count',
    )
    .bind(client, windowStart)
    .first<{ count: number }>()
  return row!.count
}

/** A reservation older than this holds no place: verification gives up after 10 s. */
export const RESERVATION_MS = 60_000

// The places a host holds: active subscriptions and fresh reservations. Disabled ones hold none.
const PLACES_HELD = `(SELECT count(*) FROM webhook_subscriptions WHERE host = ?2 AND status = 'active')
  + (SELECT count(*) FROM webhook_reservations WHERE host = ?2 AND reserved_at > ?4)`

/**
 * Takes a place under the per-host cap for subscription `id`, in one statement, so that racing
 * requests cannot both take the last place; false when the host has `cap` already.
 */
export async function reserveHostPlace(
  db: D1Database,
  id: string,
  host: string,
  now: number,
  cap: number,
): Promise<boolean> {
  const result = await db
    .prepare(`INSERT INTO webhook_reservations (id, host, reserved_at) SELECT ?1, ?2, ?3 WHERE ${PLACES_HELD} < ?5`)
    .bind(id, host, now, now - RESERVATION_MS, cap)
    .run()
  return (result.meta.changes ?? 0) > 0
}

export async function releaseReservation(db: D1Database, id: string): Promise<void> {
  await db.prepare('DELETE FROM webhook_reservations WHERE id = ?1').bind(id).run()
}

/** Stores a verified subscription in the place its reservation held. */
export async function insertSubscription(db: D1Database, s: StoredSubscription): Promise<void> {
  await db.batch([
    db
      .prepare(
        `INSERT INTO webhook_subscriptions (id, url, host, regions, languages, events, secret, token_hash, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)`,
      )
      .bind(
        s.id,
        s.url,
        s.host,
        JSON.stringify(s.regions),
        s.languages && JSON.stringify(s.languages),
        JSON.stringify(s.events),
        s.secret,
        s.tokenHash,
        s.status,
        s.createdAt,
      ),
    db.prepare('DELETE FROM webhook_reservations WHERE id = ?1').bind(s.id),
  ])
}

// Each subscription with its previous secrets, as a JSON array (json_group_array gives [] for none).
const SELECT_SUBSCRIPTIONS = `SELECT s.*, (SELECT json_group_array(json_object('secret', p.secret, 'expiresAt', p.expires_at))
  FROM webhook_previous_secrets p WHERE p.subscription_id = s.id) AS previous_secrets FROM webhook_subscriptions s`

export async function getSubscription(db: D1Database, id: string): Promise<StoredSubscription | null> {
  const row = await db.prepare(`${SELECT_SUBSCRIPTIONS} WHERE s.id = ?1`).bind(id).first<Row>()
  return row && fromRow(row)
}

/** The subscriptions that may receive events, for fan-out. */
export async function activeSubscriptions(db: D1Database): Promise<Subscription[]> {
  const { results } = await db
    .prepare(`${SELECT_SUBSCRIPTIONS} WHERE s.status = 'active' ORDER BY s.created_at, s.id`)
    .all<Row>()
  return results.map(fromRow)
}

// D1 binds at most 100 parameters per statement.
const CHUNK = 90
const chunks = <T>(items: T[]) =>
  Array.from({ length: Math.ceil(items.length / CHUNK) }, (_, i) => items.slice(i * CHUNK, (i + 1) * CHUNK))
const placeholders = (n: number) => Array.from({ length: n }, (_, i) => `?${i + 1}`).join(', ')

/** The subscriptions a batch of messages is for, with their secrets. */
export async function subscriptionsByIds(db: D1Database, ids: string[]): Promise<Map<string, StoredSubscription>> {
  const statements = chunks(ids).map((part) =>
    db.prepare(`${SELECT_SUBSCRIPTIONS} WHERE s.id IN (${placeholders(part.length)})`).bind(...part),
  )
  const results = statements.length ? await db.batch<Row>(statements) : []
  return new Map(results.flatMap(({ results: rows }) => rows.map((row) => [row.id, fromRow(row)])))
}

export async function listSubscriptions(db: D1Database): Promise<Subscription[]> {
  const { results } = await db.prepare(`${SELECT_SUBSCRIPTIONS} ORDER BY s.created_at, s.id`).all<Row>()
  return results.map(fromRow)
}

/** Deletes a subscription and its attempts; false if there was none. */
export async function deleteSubscription(db: D1Database, id: string): Promise<boolean> {
  const [deleted] = await db.batch([
    db.prepare('DELETE FROM webhook_subscriptions WHERE id = ?1').bind(id),
    db.prepare('DELETE FROM webhook_attempts WHERE subscription_id = ?1').bind(id),
    db.prepare('DELETE FROM webhook_previous_secrets WHERE subscription_id = ?1').bind(id),
  ])
  return (deleted!.meta.changes ?? 0) > 0
}

/**
 * The new secret signs from now on; the current one keeps signing until `previousExpiresAt`,
 * and every earlier previous secret until its own expiry.
 */
/**
 * Replaces the secret, keeping the old one as a previous secret, in one transaction that holds
 * only if the secret is still `previousSecret` and fewer than `cap` previous secrets are kept: two
 * rotations at once never both win, and the cap holds. False when another request got there first.
 */
export async function rotateSecret(
  db: D1Database,
  id: string,
  secret: string,
  previousSecret: string,
  previousExpiresAt: number,
  cap: number,
): Promise<boolean> {
  const [updated] = await db.batch([
    db
      .prepare(
        `UPDATE webhook_subscriptions SET secret = ?2 WHERE id = ?1 AND secret = ?3
         AND (SELECT COUNT(*) FROM webhook_previous_secrets WHERE subscription_id = ?1) < ?4`,
      )
      .bind(id, secret, previousSecret, cap),
    // changes(): rows changed by the statement before, in this same transaction.
    db
      .prepare(
        'INSERT INTO webhook_previous_secrets (subscription_id, secret, expires_at) SELECT ?1, ?2, ?3 WHERE changes() = 1',
      )
      .bind(id, previousSecret, previousExpiresAt),
  ])
  return (updated!.meta.changes ?? 0) > 0
}

/**
 * Active again, with a clean record (a failure streak starts afresh), if the host still has a
 * place under the cap: checked and taken in one statement. False when it has none.
 */
export async function enableSubscription(
  db: D1Database,
  subscription: Subscription,
  now: number,
  cap: number,
): Promise<boolean> {
  const result = await db
    .prepare(
      `UPDATE webhook_subscriptions SET status = 'active', disabled_at = NULL, disabled_reason = NULL, failing_since = NULL
       WHERE id = ?1 AND status = 'disabled' AND ${PLACES_HELD} < ?5`,
    )
    .bind(subscription.id, subscription.host, now, now - RESERVATION_MS, cap)
    .run()
  return (result.meta.changes ?? 0) > 0
}

/** A verification that failed or a request the outbound rules stopped, and why. */
export interface Refusal {
  at: number
  action: 'subscribe' | 'enable'
  subscriptionId: string
  host: string
  url: string
  reason: string
}

export async function recordRefusal(db: D1Database, r: Refusal): Promise<void> {
  await db
    .prepare(
      'INSERT INTO webhook_refusals (at, action, subscription_id, host, url, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)',
    )
    .bind(r.at, r.action, r.subscriptionId, r.host, r.url, r.reason)
    .run()
}

/** The most recent refusals since an instant, newest first. */
export async function recentRefusals(db: D1Database, since: number, limit: number): Promise<Refusal[]> {
  const { results } = await db
    .prepare(
      'SELECT at, action, subscription_id AS subscriptionId, host, url, reason FROM webhook_refusals WHERE at >= ?1 ORDER BY id DESC LIMIT ?2',
    )
    .bind(since, limit)
    .all<Refusal>()
  return results
}

export type AttemptOutcome = 'delivered' | 'retrying' | 'failed' | 'dead_lettered'

export interface Attempt {
  subscriptionId: string
  messageId: string
  event: string
  attempt: number
  attemptedAt: number
  status: number | null
  latencyMs: number | null
  response: string | null
  error: string | null
  outcome: AttemptOutcome
  nextRetryAt: number | null
}

/**
 * Records attempts and what they say of each endpoint's health, in one round trip: a success
 * ends a failure streak, a failure starts one if none is running.
 */
export async function recordAttempts(db: D1Database, attempts: Attempt[]): Promise<void> {
  if (attempts.length === 0) return
  const statements = attempts.map((a) =>
    db
      .prepare(
        `INSERT INTO webhook_attempts (subscription_id, message_id, event, attempt, attempted_at, status, latency_ms, response, error, outcome, next_retry_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)`,
      )
      .bind(
        a.subscriptionId,
        a.messageId,
        a.event,
        a.attempt,
        a.attemptedAt,
        a.status,
        a.latencyMs,
        a.response,
        a.error,
        a.outcome,
        a.nextRetryAt,
      ),
  )
  for (const a of attempts) {
    if (a.outcome === 'delivered') {
      statements.push(
        db
          .prepare(
            'UPDATE webhook_subscriptions SET failing_since = NULL, last_success_at = max(coalesce(last_success_at, 0), ?2) WHERE id = ?1',
          )
          .bind(a.subscriptionId, a.attemptedAt),
      )
    } else if (a.outcome !== 'dead_lettered') {
      statements.push(
        db
          .prepare(
            'UPDATE webhook_subscriptions SET failing_since = coalesce(failing_since, ?2), last_failure_at = max(coalesce(last_failure_at, 0), ?2) WHERE id = ?1',
          )
          .bind(a.subscriptionId, a.attemptedAt),
      )
    }
  }
  await db.batch(statements)
}

export interface StoredAttempt extends Omit<Attempt, 'subscriptionId'> {}

/** The most recent attempts for a subscription, newest first. */
export async function recentAttempts(db: D1Database, id: string, limit: number): Promise<StoredAttempt[]> {
  const { results } = await db
    .prepare(
      `SELECT message_id AS messageId, event, attempt, attempted_at AS attemptedAt, status, latency_ms AS latencyMs, response, error, outcome, next_retry_at AS nextRetryAt
       FROM webhook_attempts WHERE subscription_id = ?1 ORDER BY id DESC LIMIT ?2`,
    )
    .bind(id, limit)
    .all<StoredAttempt>()
  return results
}

export interface AttemptCounts {
  delivered: number
  failed: number
}

/** Delivered and failed attempts per subscription since an instant, for the operator's view. */
export async function attemptCountsSince(db: D1Database, since: number): Promise<Map<string, AttemptCounts>> {
  const { results } = await db
    .prepare(
      `SELECT subscription_id AS id, sum(outcome = 'delivered') AS delivered, sum(outcome IN ('retrying', 'failed')) AS failed
       FROM webhook_attempts WHERE attempted_at >= ?1 GROUP BY subscription_id`,
    )
    .bind(since)
    .all<{ id: string } & AttemptCounts>()
  return new Map(results.map(({ id, delivered, failed }) => [id, { delivered, failed }]))
}

/** The last version the cron tick processed; 0 before the first. */
export async function readCursor(db: D1Database): Promise<number> {
  const row = await db.prepare('SELECT version FROM webhook_cursor WHERE id = 1').first<{ version: number }>()
  return row?.version ?? 0
}

/** Which of these `${change id} ${event}` keys have been emitted. */
export async function emittedKeys(db: D1Database, changeIds: string[]): Promise<Set<string>> {
  const unique = [...new Set(changeIds)]
  const statements = chunks(unique).map((part) =>
    db
      .prepare(`SELECT change_id, event FROM webhook_emissions WHERE change_id IN (${placeholders(part.length)})`)
      .bind(...part),
  )
  const results = statements.length ? await db.batch<{ change_id: string; event: string }>(statements) : []
  return new Set(results.flatMap(({ results: rows }) => rows.map((row) => `${row.change_id} ${row.event}`)))
}

/** Records what a tick emitted and the version it processed, together. */
export async function recordEmissions(
  db: D1Database,
  emissions: { changeId: string; event: string; subscriptions: number }[],
  version: number,
  now: number,
): Promise<void> {
  await db.batch([
    ...emissions.map((e) =>
      db
        .prepare(
          'INSERT OR IGNORE INTO webhook_emissions (change_id, event, emitted_at, subscriptions) VALUES (?1, ?2, ?3, ?4)',
        )
        .bind(e.changeId, e.event, now, e.subscriptions),
    ),
    db
      .prepare(
        'INSERT INTO webhook_cursor (id, version, updated_at) VALUES (1, ?1, ?2) ON CONFLICT (id) DO UPDATE SET version = max(version, ?1), updated_at = ?2',
      )
      .bind(version, now),
  ])
}

/** What a tick's sweep changed. */
export interface SweepResult {
  disabled: number
  rotationsEnded: number
}

/** How long attempts and rate-limit windows are kept. */
const ATTEMPTS_KEPT_MS = 30 * 24 * 3600 * 1000

/**
 * Every time-based transition, at the tick's instant: each previous secret stops signing 24 h
 * after its rotation, and an endpoint whose attempts have all failed for 3 days is disabled.
 */
export async function sweep(db: D1Database, now: number, rateWindowMs: number): Promise<SweepResult> {
  const [rotations, disabled] = await db.batch([
    db.prepare('DELETE FROM webhook_previous_secrets WHERE expires_at <= ?1').bind(now),
    db
      .prepare(
        `UPDATE webhook_subscriptions SET status = 'disabled', disabled_at = ?1,
           disabled_reason = 'Every delivery attempt failed for 3 days, from ' || strftime('%Y-%m-%dT%H:%M:%SZ', failing_since / 1000, 'unixepoch') || '.'
         WHERE status = 'active' AND failing_since <= ?2`,
      )
      .bind(now, now - DISABLE_AFTER_MS),
    db.prepare('DELETE FROM webhook_attempts WHERE attempted_at < ?1').bind(now - ATTEMPTS_KEPT_MS),
    db.prepare('DELETE FROM webhook_create_counts WHERE window_start < ?1').bind(now - rateWindowMs),
    db.prepare('DELETE FROM webhook_reservations WHERE reserved_at <= ?1').bind(now - RESERVATION_MS),
    db.prepare('DELETE FROM webhook_refusals WHERE at < ?1').bind(now - ATTEMPTS_KEPT_MS),
  ])
  return { rotationsEnded: rotations!.meta.changes ?? 0, disabled: disabled!.meta.changes ?? 0 }
}
