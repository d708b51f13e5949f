/**
 * The queue consumers: deliver each message to its endpoint and record the attempt; a failure
 * goes back to the queue with the schedule's delay, and after the last retry Queues moves it to
 * the dead-letter queue, whose consumer records that too.
 */
import { unseal } from './crypto'
import type { DeliveryMessage } from './queue'
import { outboundPolicy } from './resolve'
import { retryDelaySeconds, retrySchedule } from './retry'
import { sendSigned, succeeded } from './send'
import { type Attempt, recordAttempts, type StoredSubscription, subscriptionsByIds } from './store'

/** The signing secrets of a subscription: the current one, and every previous one still within its 24 h. */
export async function signingSecrets(env: Cloudflare.Env, subscription: StoredSubscription): Promise<string[]> {
  const sealed = [subscription.secret, ...subscription.previousSecrets.map((previous) => previous.secret)]
  return Promise.all(sealed.map((secret) => unseal(env.WEBHOOK_SECRET_KEY, secret, subscription.id)))
}

export async function deliverBatch(batch: MessageBatch<DeliveryMessage>, env: Cloudflare.Env): Promise<void> {
  const schedule = retrySchedule(env.WEBHOOK_RETRY_DELAYS)
  const policy = outboundPolicy(env)
  const subscriptions = await subscriptionsByIds(env.DB, [
    ...new Set(batch.messages.map((message) => message.body.subscription)),
  ])
  const secrets = new Map<string, Promise<string[]>>()
  const attempts = await Promise.all(
    batch.messages.map(async (message): Promise<Attempt | null> => {
      const { subscription: id, id: messageId, event, body } = message.body
      const subscription = subscriptions.get(id)
      // Deleted or disabled since the event was emitted: nothing to deliver, nothing to retry.
      if (subscription?.status !== 'active') {
        message.ack()
        return null
      }
      let signing = secrets.get(id)
      if (!signing) secrets.set(id, (signing = signingSecrets(env, subscription)))
      const attemptedAt = Date.now()
      const result = await sendSigned(subscription.url, messageId, body, await signing, policy)
      const attempt = { subscriptionId: id, messageId, event, attempt: message.attempts, attemptedAt, ...result }
      if (succeeded(result)) {
        message.ack()
        return { ...attempt, outcome: 'delivered', nextRetryAt: null }
      }
      const delay = retryDelaySeconds(message.attempts, schedule)
      // After the last retry, retry() is what hands the message to the dead-letter queue.
      message.retry({ delaySeconds: delay ?? 0 })
      return delay === null
        ? { ...attempt, outcome: 'failed', nextRetryAt: null }
        : { ...attempt, outcome: 'retrying', nextRetryAt: attemptedAt + delay * 1000 }
    }),
  )
  await recordAttempts(
    env.DB,
    attempts.filter((attempt) => attempt !== null),
  )
}

/** Messages whose every attempt failed: recorded, so that the subscriber and the operator see where they ended. */
export async function recordDeadLetters(batch: MessageBatch<DeliveryMessage>, env: Cloudflare.Env): Promise<void> {
  const now = Date.now()
  const attempts = retrySchedule(env.WEBHOOK_RETRY_DELAYS).length + 1
  await recordAttempts(
    env.DB,
    batch.messages.map((message) => ({
      subscriptionId: message.body.subscription,
      messageId: message.body.id,
      event: message.body.event,
      attempt: attempts,
      attemptedAt: now,
      status: null,
      latencyMs: null,
      response: null,
      error: 'Every attempt failed; the message is in the dead-letter queue.',
      outcome: 'dead_lettered',
      nextRetryAt: null,
    })),
  )
  batch.ackAll()
}
