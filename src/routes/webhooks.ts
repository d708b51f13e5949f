import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { timingSafeEqual } from 'hono/utils/buffer'
import { RegistryError } from '../domain/errors'
import { getCurrentRelease } from '../storage/reader'
import { newSigningSecret, randomToken, seal, sha256Hex, unseal } from '../webhooks/crypto'
import { outboundPolicy } from '../webhooks/resolve'
import { MAX_PREVIOUS_SECRETS, ROTATION_OVERLAP_MS } from '../webhooks/retry'
import {
  attemptView,
  checkSubscriptionRequest,
  clientKey,
  enforceRateLimits,
  hostCap,
  hostFull,
  MAX_BODY_BYTES,
  subscriptionView,
  type Verification,
  verifyIntent,
} from '../webhooks/subscribe'
import {
  attemptCountsSince,
  deleteSubscription,
  enableSubscription,
  getSubscription,
  insertSubscription,
  listSubscriptions,
  recentAttempts,
  recentRefusals,
  recordRefusal,
  releaseReservation,
  reserveHostPlace,
  rotateSecret,
  type StoredSubscription,
} from '../webhooks/store'
import { PRIVATE_HEADERS } from '../domain/headers'
import { bearerToken, requireAdmin, unauthorized } from './auth'
import type { Env } from './serve'
import type { AdminView, DeliveriesView, NewSubscription, RotatedSecret } from '../webhooks/views'

/** Subscribing to change events, managing a subscription with its token, and the operator's view. */
export const webhooks = new Hono<Env>()

const DELIVERIES_LISTED = 100
const REFUSALS_LISTED = 100

// Compared against when the id is unknown, so that an unknown id costs what a wrong token does.
const NO_SUCH_TOKEN_HASH = '0'.repeat(64)

/**
 * The subscription, if the bearer token is its management token; compared in constant time. An
 * unknown id answers exactly as a wrong token does, so that ids cannot be probed.
 */
async function authorizedSubscription(c: Context<Env>): Promise<StoredSubscription> {
  const token = bearerToken(c)
  const subscription = await getSubscription(c.env.DB, c.req.param('id') ?? '')
  const matches = await timingSafeEqual(subscription?.tokenHash ?? NO_SUCH_TOKEN_HASH, await sha256Hex(token))
  if (!subscription || !matches) throw unauthorized()
  return subscription
}

/** Who is asking, for the rate limits. */
const client = (c: Context<Env>) => clientKey(c.req.header('CF-Connecting-IP'), c.env.TRUST_CF_CONNECTING_IP === 'true')

// A form or a no-preflight fetch() can send text/plain from any page; only JSON is read.
function requireJson(c: Context<Env>): void {
  const type = c.req.header('Content-Type')?.split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/json')
    throw new RegistryError(
      'unsupported_media_type',
      'A subscription request is sent as Content-Type: application/json.',
    )
}

/**
 * A failed verification: the operator's log and admin view learn why; the requester learns
 * only that it failed, so that the API maps no port or service of any host.
 */
async function refuse(
  c: Context<Env>,
  action: 'subscribe' | 'enable',
  subscription: { id: string; host: string; url: string },
  verified: Verification & { ok: false },
) {
  const refusal = {
    at: Date.now(),
    action,
    subscriptionId: subscription.id,
    host: subscription.host,
    url: subscription.url,
    reason: verified.reason,
  }
  console.warn(JSON.stringify({ event: 'webhook_verification_failed', ...refusal }))
  await recordRefusal(c.env.DB, refusal)
  const outcome = action === 'subscribe' ? 'Nothing was subscribed.' : 'It stays disabled.'
  return new RegistryError('verification_failed', `The endpoint did not confirm the subscription. ${outcome}`)
}

webhooks.post(
  '/webhooks',
  async (c, next) => {
    requireJson(c)
    await next()
  },
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new RegistryError('payload_too_large', `A subscription request is at most ${MAX_BODY_BYTES} bytes.`)
    },
  }),
  async (c) => {
    const release = await getCurrentRelease(c.env.REGISTRY)
    const request = checkSubscriptionRequest(await c.req.text(), release, outboundPolicy(c.env).allowLoopback)
    const now = Date.now()
    const id = randomToken('sub_', 16)
    const secret = newSigningSecret()
    const token = randomToken('whmt_')
    // Every precondition before anything is sent: the sealing key, the rate limits, a place under the host cap.
    const sealed = await seal(c.env.WEBHOOK_SECRET_KEY, secret, id)
    await enforceRateLimits(c.env, client(c), now)
    const cap = hostCap(c.env)
    if (!(await reserveHostPlace(c.env.DB, id, request.host, now, cap))) throw hostFull(request.host, cap)
    const verified = await verifyIntent(request.url, id, secret, request.verificationToken, outboundPolicy(c.env))
    if (!verified.ok) {
      await releaseReservation(c.env.DB, id)
      throw await refuse(c, 'subscribe', { id, ...request }, verified)
    }
    const { verificationToken: _, ...interest } = request
    const subscription: StoredSubscription = {
      id,
      ...interest,
      status: 'active',
      createdAt: now,
      failingSince: null,
      lastSuccessAt: null,
      lastFailureAt: null,
      disabledAt: null,
      disabledReason: null,
      previousSecretExpiresAt: null,
      secret: sealed,
      previousSecrets: [],
      tokenHash: await sha256Hex(token),
    }
    await insertSubscription(c.env.DB, subscription)
    // The secret and the token are shown here once; only their sealed form and hash are kept.
    return c.json(
      { ...subscriptionView(subscription), secret, managementToken: token } satisfies NewSubscription,
      201,
      {
        ...PRIVATE_HEADERS,
        Location: `/webhooks/${id}`,
      },
    )
  },
)

webhooks.get('/webhooks/:id', async (c) =>
  c.json(subscriptionView(await authorizedSubscription(c)), 200, PRIVATE_HEADERS),
)

webhooks.delete('/webhooks/:id', async (c) => {
  const subscription = await authorizedSubscription(c)
  await deleteSubscription(c.env.DB, subscription.id)
  return c.body(null, 204, PRIVATE_HEADERS)
})

/** Rotations racing on one subscription take turns: each that answers 200 signs deliveries, as the secret or a previous one. */
const ROTATION_ATTEMPTS = 25

webhooks.post('/webhooks/:id/rotate-secret', async (c) => {
  let subscription = await authorizedSubscription(c)
  for (let attempt = 0; attempt < ROTATION_ATTEMPTS; attempt++) {
    // Each live previous secret adds a signature to every delivery; past this many, wait for the oldest to end.
    if (subscription.previousSecrets.length >= MAX_PREVIOUS_SECRETS) {
      const retryAfter = Math.max(1, Math.ceil((subscription.previousSecrets[0]!.expiresAt - Date.now()) / 1000))
      throw new RegistryError(
        'rate_limited',
        `At most ${MAX_PREVIOUS_SECRETS} previous secrets may sign at once; the oldest stops within 24 hours.`,
        {},
        retryAfter,
      )
    }
    const secret = newSigningSecret()
    const previousSecretExpiresAt = Date.now() + ROTATION_OVERLAP_MS
    const rotated = await rotateSecret(
      c.env.DB,
      subscription.id,
      await seal(c.env.WEBHOOK_SECRET_KEY, secret, subscription.id),
      subscription.secret,
      previousSecretExpiresAt,
      MAX_PREVIOUS_SECRETS,
    )
    if (rotated)
      return c.json(
        { secret, previousSecretExpiresAt: new Date(previousSecretExpiresAt).toISOString() } satisfies RotatedSecret,
        200,
        PRIVATE_HEADERS,
      )
    // Another rotation won the race: read what it left, and try from there.
    subscription = await authorizedSubscription(c)
  }
  throw new RegistryError('rate_limited', 'Too many rotations of this secret at once; try again.', {}, 1)
})

// A disabled endpoint proves again that it wants events before it gets any.
webhooks.post('/webhooks/:id/enable', async (c) => {
  const subscription = await authorizedSubscription(c)
  if (subscription.status !== 'active') {
    const secret = await unseal(c.env.WEBHOOK_SECRET_KEY, subscription.secret, subscription.id)
    const now = Date.now()
    await enforceRateLimits(c.env, client(c), now)
    const verified = await verifyIntent(subscription.url, subscription.id, secret, null, outboundPolicy(c.env))
    if (!verified.ok) throw await refuse(c, 'enable', subscription, verified)
    const cap = hostCap(c.env)
    if (!(await enableSubscription(c.env.DB, subscription, now, cap))) throw hostFull(subscription.host, cap)
  }
  return c.json(subscriptionView((await getSubscription(c.env.DB, subscription.id))!), 200, PRIVATE_HEADERS)
})

webhooks.get('/webhooks/:id/deliveries', async (c) => {
  const subscription = await authorizedSubscription(c)
  const attempts = await recentAttempts(c.env.DB, subscription.id, DELIVERIES_LISTED)
  const body: DeliveriesView = { subscription: subscription.id, deliveries: attempts.map(attemptView) }
  return c.json(body, 200, PRIVATE_HEADERS)
})

webhooks.get('/admin/webhooks', async (c) => {
  await requireAdmin(c)
  const since = Date.now() - 24 * 3600 * 1000
  const [subscriptions, counts, refusals] = await Promise.all([
    listSubscriptions(c.env.DB),
    attemptCountsSince(c.env.DB, since),
    recentRefusals(c.env.DB, since, REFUSALS_LISTED),
  ])
  return c.json(
    {
      subscriptions: subscriptions.map((s) => {
        const last24h = counts.get(s.id) ?? { delivered: 0, failed: 0 }
        const health = s.status === 'disabled' ? 'disabled' : s.failingSince !== null ? 'failing' : 'healthy'
        return { ...subscriptionView(s), host: s.host, health, last24h }
      }),
      // What the requesters were not told: why each verification of the last 24 h failed.
      refusals: refusals.map((r) => ({ ...r, at: new Date(r.at).toISOString() })),
    } satisfies AdminView,
    200,
    PRIVATE_HEADERS,
  )
})
