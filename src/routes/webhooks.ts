import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { timingSafeEqual } from 'hono/utils/buffer'
import { RegistryError } from '../domain/errors'
import { getCurrentRelease } from '../storage/reader'
import { newSigningSecret, randomToken, seal, sha256Hex, unseal } from '../webhooks/crypto'
import { ROTATION_OVERLAP_MS } from '../webhooks/retry'
import { attemptView, checkSubscriptionRequest, enforceLimits, MAX_BODY_BYTES, subscriptionView, verifyIntent } from '../webhooks/subscribe'
import {
  attemptCountsSince,
  deleteSubscription,
  enableSubscription,
  getSubscription,
  insertSubscription,
  listSubscriptions,
  recentAttempts,
  rotateSecret,
  type StoredSubscription,
} from '../webhooks/store'
import type { Env } from './serve'

/** Subscribing to change events, managing a subscription with its token, and the operator's view. */
export const webhooks = new Hono<Env>()

const NO_STORE = { 'Cache-Control': 'no-store' }
const DELIVERIES_LISTED = 100

function bearerToken(c: Context<Env>): string {
  const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(c.req.header('Authorization') ?? '')
  if (!match) throw unauthorized()
  return match[1]!
}

const unauthorized = () => new RegistryError('unauthorized', 'This route needs its bearer token in Authorization.')

/** The subscription, if the bearer token is its management token; compared in constant time. */
async function authorizedSubscription(c: Context<Env>): Promise<StoredSubscription> {
  const token = bearerToken(c)
  const subscription = await getSubscription(c.env.DB, c.req.param('id') ?? '')
  if (!subscription) throw new RegistryError('unknown_subscription', 'No subscription has this id.')
  if (!(await timingSafeEqual(subscription.tokenHash, await sha256Hex(token)))) throw unauthorized()
  return subscription
}

const allowLoopback = (c: Context<Env>) => c.env.WEBHOOK_ALLOW_LOCAL_HTTP === 'true'

webhooks.post(
  '/webhooks',
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new RegistryError('payload_too_large', `A subscription request is at most ${MAX_BODY_BYTES} bytes.`)
    },
  }),
  async (c) => {
    const release = await getCurrentRelease(c.env.REGISTRY)
    const request = checkSubscriptionRequest(await c.req.text(), release, allowLoopback(c))
    const now = Date.now()
    await enforceLimits(c.env, c.req.header('CF-Connecting-IP') ?? 'unknown', request.host, now)
    const id = randomToken('sub_', 16)
    const secret = newSigningSecret()
    const token = randomToken('whmt_')
    const verified = await verifyIntent(request.url, id, secret)
    if (!verified.ok) throw new RegistryError('verification_failed', `The endpoint did not confirm the subscription: ${verified.reason}. Nothing was subscribed.`)
    const subscription: StoredSubscription = {
      id,
      ...request,
      status: 'active',
      createdAt: now,
      failingSince: null,
      lastSuccessAt: null,
      lastFailureAt: null,
      disabledAt: null,
      disabledReason: null,
      previousSecretExpiresAt: null,
      secret: await seal(c.env.WEBHOOK_SECRET_KEY, secret, id),
      previousSecret: null,
      tokenHash: await sha256Hex(token),
    }
    await insertSubscription(c.env.DB, subscription)
    // The secret and the token are shown here once; only their sealed form and hash are kept.
    return c.json({ ...subscriptionView(subscription), secret, managementToken: token }, 201, { ...NO_STORE, Location: `/webhooks/${id}` })
  },
)

webhooks.get('/webhooks/:id', async (c) => c.json(subscriptionView(await authorizedSubscription(c)), 200, NO_STORE))

webhooks.delete('/webhooks/:id', async (c) => {
  const subscription = await authorizedSubscription(c)
  await deleteSubscription(c.env.DB, subscription.id)
  return c.body(null, 204, NO_STORE)
})

webhooks.post('/webhooks/:id/rotate-secret', async (c) => {
  const subscription = await authorizedSubscription(c)
  const secret = newSigningSecret()
  const previousSecretExpiresAt = Date.now() + ROTATION_OVERLAP_MS
  await rotateSecret(c.env.DB, subscription.id, await seal(c.env.WEBHOOK_SECRET_KEY, secret, subscription.id), subscription.secret, previousSecretExpiresAt)
  return c.json({ secret, previousSecretExpiresAt: new Date(previousSecretExpiresAt).toISOString() }, 200, NO_STORE)
})

// A disabled endpoint proves again that it wants events before it gets any.
webhooks.post('/webhooks/:id/enable', async (c) => {
  const subscription = await authorizedSubscription(c)
  if (subscription.status !== 'active') {
    const verified = await verifyIntent(subscription.url, subscription.id, await unseal(c.env.WEBHOOK_SECRET_KEY, subscription.secret, subscription.id))
    if (!verified.ok) throw new RegistryError('verification_failed', `The endpoint did not confirm the subscription: ${verified.reason}. It stays disabled.`)
    await enableSubscription(c.env.DB, subscription.id)
  }
  return c.json(subscriptionView((await getSubscription(c.env.DB, subscription.id))!), 200, NO_STORE)
})

webhooks.get('/webhooks/:id/deliveries', async (c) => {
  const subscription = await authorizedSubscription(c)
  const attempts = await recentAttempts(c.env.DB, subscription.id, DELIVERIES_LISTED)
  return c.json({ subscription: subscription.id, deliveries: attempts.map(attemptView) }, 200, NO_STORE)
})

webhooks.get('/admin/webhooks', async (c) => {
  const token = bearerToken(c)
  // No admin token configured: the route stays shut rather than open.
  if (!c.env.ADMIN_TOKEN || !(await timingSafeEqual(c.env.ADMIN_TOKEN, token))) throw unauthorized()
  const since = Date.now() - 24 * 3600 * 1000
  const [subscriptions, counts] = await Promise.all([listSubscriptions(c.env.DB), attemptCountsSince(c.env.DB, since)])
  return c.json(
    {
      subscriptions: subscriptions.map((s) => {
        const last24h = counts.get(s.id) ?? { delivered: 0, failed: 0 }
        const health = s.status === 'disabled' ? 'disabled' : s.failingSince !== null ? 'failing' : 'healthy'
        return { ...subscriptionView(s), host: s.host, health, last24h }
      }),
    },
    200,
    NO_STORE,
  )
})
