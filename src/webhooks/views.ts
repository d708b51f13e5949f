/**
 * What the webhook routes answer, as zod schemas: the types the routes build their bodies with,
 * and the source of the OpenAPI document's webhook components. The Worker imports only the types
 * (`import type`), so none of this reaches the bundle.
 */
import * as z from 'zod/mini'
import { CHANGE_EVENTS } from './events'

const Instant = z.iso.datetime()
const described = <T extends z.ZodMiniType>(schema: T, description: string) => schema.check(z.describe(description))

/** A subscription as `GET /webhooks/{id}` shows it: never a secret. */
export const SubscriptionView = z
  .strictObject({
    id: z.string(),
    url: z.url(),
    regions: z.array(z.string()),
    languages: described(z.nullable(z.array(z.string())), 'null: every language of the release.'),
    events: z.array(z.enum(CHANGE_EVENTS)),
    status: z.enum(['active', 'disabled']),
    createdAt: Instant,
    failingSince: described(z.nullable(Instant), 'The first failed attempt since the last success.'),
    lastSuccessAt: z.nullable(Instant),
    lastFailureAt: z.nullable(Instant),
    disabledAt: z.nullable(Instant),
    disabledReason: z.nullable(z.string()),
    previousSecretExpiresAt: described(
      z.nullable(Instant),
      'During a rotation: when the last previous secret stops signing.',
    ),
    links: z.strictObject({ self: z.string(), deliveries: z.string() }),
  })
  .check(z.meta({ title: 'Webhook subscription' }))
export type SubscriptionView = z.infer<typeof SubscriptionView>

const Secret = z.string().check(z.startsWith('whsec_'))

/** The answer to `POST /webhooks`: the subscription, with what is shown this once. */
export const NewSubscription = z
  .strictObject({
    ...SubscriptionView.shape,
    secret: described(Secret, 'The Standard Webhooks signing secret. Shown once.'),
    managementToken: described(z.string(), "The bearer token for this subscription's routes. Shown once."),
  })
  .check(z.meta({ title: 'New webhook subscription' }))
export type NewSubscription = z.infer<typeof NewSubscription>

/** The answer to `POST /webhooks/{id}/rotate-secret`. */
export const RotatedSecret = z.strictObject({ secret: Secret, previousSecretExpiresAt: Instant })
export type RotatedSecret = z.infer<typeof RotatedSecret>

/** One delivery attempt, as the subscriber sees it. */
export const AttemptView = z.strictObject({
  webhookId: described(z.string(), 'The webhook-id header: the same on every attempt of one event.'),
  event: z.string(),
  attempt: z.int().check(z.minimum(1)),
  attemptedAt: Instant,
  status: described(z.nullable(z.int()), "The endpoint's status; null when it gave none."),
  latencyMs: z.nullable(z.int()),
  outcome: z.enum(['delivered', 'retrying', 'failed', 'dead_lettered']),
  nextRetryAt: z.nullable(Instant),
  response: described(z.nullable(z.string()), "The first KiB of the endpoint's answer."),
  error: z.nullable(z.string()),
})
export type AttemptView = z.infer<typeof AttemptView>

/** `GET /webhooks/{id}/deliveries`. */
export const DeliveriesView = z
  .strictObject({
    subscription: z.string(),
    deliveries: described(z.array(AttemptView), 'The most recent 100 attempts, newest first.'),
  })
  .check(z.meta({ title: 'Delivery attempts' }))
export type DeliveriesView = z.infer<typeof DeliveriesView>

/** `GET /admin/webhooks`: every subscription with its health, and the refusals the requesters were not told. */
export const AdminView = z
  .strictObject({
    subscriptions: z.array(
      z.strictObject({
        ...SubscriptionView.shape,
        host: z.string(),
        health: z.enum(['healthy', 'failing', 'disabled']),
        last24h: z.strictObject({ delivered: z.int(), failed: z.int() }),
      }),
    ),
    refusals: described(
      z.array(
        z.strictObject({
          at: Instant,
          action: z.enum(['subscribe', 'enable']),
          subscriptionId: z.string(),
          host: z.string(),
          url: z.string(),
          reason: z.string(),
        }),
      ),
      'Why each verification of the last 24 hours failed, newest first (at most 100): the requester was told only that it failed.',
    ),
  })
  .check(z.meta({ title: 'Every webhook subscription' }))
export type AdminView = z.infer<typeof AdminView>
