/**
 * A registry's webhook deliveries, checked as Standard Webhooks defines them (`webhook-id`,
 * `webhook-timestamp`, `webhook-signature`; HMAC-SHA256; at most 5 minutes old), with the
 * `standardwebhooks` library rather than a second implementation of it.
 */
import { Webhook, WebhookVerificationError } from 'standardwebhooks'

export interface Delivery {
  id: string
  type: string
  payload: unknown
}

/** The delivery, or a WebhookVerificationError saying why it is refused. */
export function verifyDelivery(secret: string, headers: Record<string, string>, body: string): Delivery {
  const payload = new Webhook(secret).verify(body, headers) as { type?: unknown }
  if (typeof payload?.type !== 'string') throw new WebhookVerificationError('The payload names no event type')
  return { id: headers['webhook-id']!, type: payload.type, payload }
}

export { WebhookVerificationError }
