import {
  applyD1Migrations,
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
} from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import wranglerToml from '../wrangler.toml?raw'
import worker from '../src/index'
import { tick } from '../src/webhooks/emit'
import type { DeliveryMessage } from '../src/webhooks/queue'
import { RETRY_DELAYS_SECONDS } from '../src/webhooks/retry'
import { fetchWorker, publish, fixtureData, useFreshStorage } from './helpers'
import { ACME, announcing } from './support/history'

// Endpoints under https://hooks.registry-tests.dev answer from vitest.config.ts (webhookEndpoints), chosen by path.
const HOOKS = 'https://hooks.registry-tests.dev'
const HOUR = 3600 * 1000
const PUBLISHED_AT = '2026-11-20T10:00:00.000Z'

useFreshStorage()
beforeEach(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS)
  await publish(undefined, new Date(PUBLISHED_AT))
})

async function subscribe(url: string, regions = ['eu'], ip = '198.51.100.1') {
  const res = await fetchWorker('/webhooks', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': ip },
    body: JSON.stringify({ url, regions }),
  })
  expect(res.status).toBe(201)
  return res.json<{ id: string; managementToken: string }>()
}

async function deliveries(subscription: { id: string; managementToken: string }) {
  const res = await fetchWorker(`/webhooks/${subscription.id}/deliveries`, {
    headers: { Authorization: `Bearer ${subscription.managementToken}` },
  })
  return (
    await res.json<{
      deliveries: {
        attempt: number
        attemptedAt: string
        status: number | null
        outcome: string
        nextRetryAt: string | null
        response: string | null
      }[]
    }>()
  ).deliveries
}

/** Hands the consumer one message at its nth attempt, as Queues would; returns what it asked Queues to do. */
async function deliverAttempt(subscription: string, attempts: number) {
  const body: DeliveryMessage = {
    subscription,
    id: 'msg_fixed',
    event: 'subprocessors.change.announced',
    body: '{"type":"subprocessors.change.announced"}',
  }
  const batch = createMessageBatch<DeliveryMessage>('subprocessor-webhooks', [
    { id: `m${attempts}`, timestamp: new Date(), attempts, body },
  ])
  const ctx = createExecutionContext()
  await worker.queue(batch, env)
  return getQueueResult(batch, ctx)
}

async function runCron(at: number) {
  await worker.scheduled(createScheduledController({ scheduledTime: new Date(at), cron: '* * * * *' }), env)
}

describe('retries', () => {
  it('follow the published schedule for more than 24 hours, then leave the message to the dead-letter queue', async () => {
    const failing = await subscribe(`${HOOKS}/fail/retries`)
    for (let attempt = 1; attempt <= RETRY_DELAYS_SECONDS.length + 1; attempt++) {
      const result = await deliverAttempt(failing.id, attempt)
      // Retried every time: after the last retry, Queues' max_retries sends it to the dead-letter queue.
      expect(result.explicitAcks).toEqual([])
      expect(result.retryMessages).toEqual([{ msgId: `m${attempt}` }])
    }
    const recorded = (await deliveries(failing)).reverse()
    expect(recorded.map((d) => [d.attempt, d.status, d.outcome])).toEqual([
      ...RETRY_DELAYS_SECONDS.map((_, i) => [i + 1, 500, 'retrying']),
      [8, 500, 'failed'],
    ])
    // The delay each retry asked Queues for, as the attempt records it.
    const delays = recorded.slice(0, -1).map((d) => (Date.parse(d.nextRetryAt!) - Date.parse(d.attemptedAt)) / 1000)
    expect(delays).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000])
    expect(delays.reduce((sum, delay) => sum + delay, 0)).toBeGreaterThanOrEqual(24 * 3600)
    expect(delays.every((delay) => delay <= 12 * 3600)).toBe(true)
    expect(recorded.at(-1)!.nextRetryAt).toBeNull()
    expect(recorded[0]!.response).toBe('down for maintenance')
  })

  it('wrangler.toml lets Queues retry exactly as often as the schedule has delays, into the dead-letter queue', () => {
    const consumer = /\[\[queues\.consumers\]\]\s+queue = "subprocessor-webhooks"\n([^[]*)/.exec(wranglerToml)![1]!
    expect(consumer).toContain(`max_retries = ${RETRY_DELAYS_SECONDS.length}`)
    expect(consumer).toContain('dead_letter_queue = "subprocessor-webhooks-dlq"')
  })

  it('acknowledge a delivery the endpoint takes, and record it', async () => {
    const ok = await subscribe(`${HOOKS}/echo/acked`)
    const result = await deliverAttempt(ok.id, 1)
    expect(result.explicitAcks).toEqual(['m1'])
    expect(result.retryMessages).toEqual([])
    expect((await deliveries(ok)).map((d) => [d.attempt, d.status, d.outcome, d.nextRetryAt])).toEqual([
      [1, 200, 'delivered', null],
    ])
  })

  it('drop a message for a subscription deleted since the event, without sending it', async () => {
    const gone = await subscribe(`${HOOKS}/echo/gone`)
    await fetchWorker(`/webhooks/${gone.id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${gone.managementToken}` },
    })
    const result = await deliverAttempt(gone.id, 1)
    expect(result.explicitAcks).toEqual(['m1'])
  })
})

describe('rotating the signing secret', () => {
  it('signs with both secrets for 24 hours, then with the new one alone', async () => {
    const endpoint = await subscribe(`${HOOKS}/echo/rotating`)
    const rotated = await fetchWorker(`/webhooks/${endpoint.id}/rotate-secret`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${endpoint.managementToken}` },
    })
    const expires = Date.parse((await rotated.json<{ previousSecretExpiresAt: string }>()).previousSecretExpiresAt)

    // The echo endpoint answers with the webhook-signature it received; the attempt records it.
    const signatures = async () => (await deliveries(endpoint))[0]!.response!.split(' ')
    await deliverAttempt(endpoint.id, 1)
    expect(await signatures()).toEqual([expect.stringMatching(/^v1,/), expect.stringMatching(/^v1,/)])
    await runCron(expires - 1)
    await deliverAttempt(endpoint.id, 1)
    expect(await signatures()).toHaveLength(2)
    await runCron(expires)
    await deliverAttempt(endpoint.id, 1)
    expect(await signatures()).toEqual([expect.stringMatching(/^v1,[A-Za-z0-9+/]{43}=$/)])
  })

  it('keeps each previous secret signing for its own 24 hours when rotations follow each other', async () => {
    const endpoint = await subscribe(`${HOOKS}/echo/rotating-twice`)
    const rotate = () =>
      fetchWorker(`/webhooks/${endpoint.id}/rotate-secret`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${endpoint.managementToken}` },
      })
        .then((r) => r.json<{ previousSecretExpiresAt: string }>())
        .then((body) => Date.parse(body.previousSecretExpiresAt))
    const first = await rotate()
    await new Promise((resolve) => setTimeout(resolve, 20))
    const second = await rotate()
    expect(second).toBeGreaterThan(first)
    const signatures = async () => {
      await deliverAttempt(endpoint.id, 1)
      return (await deliveries(endpoint))[0]!.response!.split(' ')
    }
    // The original secret, the first rotation's and the current one.
    expect(await signatures()).toHaveLength(3)
    await runCron(first)
    expect(await signatures()).toHaveLength(2)
    await runCron(second)
    expect(await signatures()).toHaveLength(1)
  })
})

describe('every send applies the outbound rules again', () => {
  it('sends nothing to a name that resolves to a private address since it was subscribed, and records why for its owner', async () => {
    const rebound = await subscribe('https://rebinds.delivery.registry-tests.dev/echo/x')
    const result = await deliverAttempt(rebound.id, 1)
    expect(result.retryMessages).toEqual([{ msgId: 'm1' }])
    expect((await deliveries(rebound)).map((d) => [d.status, d.outcome, d.response])).toEqual([
      [null, 'retrying', null],
    ])
    const [attempt] = await fetchWorker(`/webhooks/${rebound.id}/deliveries`, {
      headers: { Authorization: `Bearer ${rebound.managementToken}` },
    })
      .then((r) => r.json<{ deliveries: { error: string; latencyMs: number }[] }>())
      .then((body) => body.deliveries)
    expect(attempt).toMatchObject({
      error: 'not sent: rebinds.delivery.registry-tests.dev resolves to 10.0.0.7, a private address',
      latencyMs: 0,
    })
  })

  it('sends nothing to a URL that the rules refuse now, though they accepted it when it was subscribed', async () => {
    const stored = await subscribe(`${HOOKS}/echo/old-rules`)
    // As if subscribed under older rules: a documentation address, refused since.
    await env.DB.prepare("UPDATE webhook_subscriptions SET url = 'https://198.51.100.20/hook' WHERE id = ?1")
      .bind(stored.id)
      .run()
    await deliverAttempt(stored.id, 1)
    const [attempt] = await fetchWorker(`/webhooks/${stored.id}/deliveries`, {
      headers: { Authorization: `Bearer ${stored.managementToken}` },
    })
      .then((r) => r.json<{ deliveries: { error: string }[] }>())
      .then((body) => body.deliveries)
    expect(attempt!.error).toBe('not sent: the URL must name a public host, not a documentation address')
  })
})

describe('the cron tick', () => {
  // An addition announced for 15 January 2027, touching the eu and uk lists.
  const ANNOUNCED_AT = '2026-11-21T10:00:00.000Z'
  const EFFECTIVE_AT = Date.parse('2027-01-15T00:00:00.000Z')
  const announcement = { add: ACME, effective: '2027-01-15' }

  it('emits each announcement once, to the subscribers of the regions it touches, in batches', async () => {
    await subscribe(`${HOOKS}/echo/eu`, ['eu'])
    await subscribe(`${HOOKS}/echo/all`, ['all'])
    await subscribe(`${HOOKS}/echo/us`, ['us'])
    await publish(announcing(fixtureData(), announcement), new Date(ANNOUNCED_AT))
    const now = Date.parse(ANNOUNCED_AT) + HOUR
    expect(await tick(env, now)).toEqual({
      version: 2,
      events: 1,
      messages: 2,
      sendBatchCalls: 1,
      disabled: 0,
      rotationsEnded: 0,
    })
    expect(await tick(env, now + 60_000)).toEqual({
      version: 2,
      events: 0,
      messages: 0,
      sendBatchCalls: 0,
      disabled: 0,
      rotationsEnded: 0,
    })
  })

  it('emits effective once the effective instant has passed, and withdrawn instead for a change taken back', async () => {
    await subscribe(`${HOOKS}/echo/eu`, ['eu'])
    const crm = { add: { ...ACME, id: 'acme-crm', name: 'Acme CRM, Inc.' }, effective: '2027-01-15' }
    await publish(announcing(fixtureData(), announcement, crm), new Date(ANNOUNCED_AT))
    // Version 3 takes acme-crm back before its date.
    await publish(announcing(fixtureData(), announcement), new Date('2026-11-22T10:00:00.000Z'))
    expect(await tick(env, EFFECTIVE_AT - 1)).toMatchObject({ version: 3, events: 3, messages: 3 })
    expect(await tick(env, EFFECTIVE_AT)).toMatchObject({ events: 1, messages: 1 })
    expect(await tick(env, EFFECTIVE_AT + 60_000)).toMatchObject({ events: 0, messages: 0 })
  })

  it('does nothing before anything is published', async () => {
    await env.REGISTRY.delete('release/current')
    const { forgetCachedReleases } = await import('../src/storage/reader')
    forgetCachedReleases()
    expect(await tick(env, Date.now())).toEqual({
      version: null,
      events: 0,
      messages: 0,
      sendBatchCalls: 0,
      disabled: 0,
      rotationsEnded: 0,
    })
  })
})
