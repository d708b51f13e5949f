/**
 * The cron tick: the Worker notices changes itself, since the publisher runs in Node and cannot
 * reach a queue. Each tick applies the time-based transitions at its scheduled instant, reads
 * the current release's change log, and fans every event not yet emitted out to the queue.
 */
import type { ChangeRecord } from '../domain/change'
import { RegistryError } from '../domain/errors'
import type { Release } from '../domain/representation'
import { getCurrentRelease, readChangeLog } from '../storage/reader'
import { sha256Hex } from './crypto'
import { changePayload, type DueEvent, dueEvents, emissionKey, emittedAs, regionsOfInterest, wants } from './events'
import { type DeliveryMessage, enqueueDeliveries } from './queue'
import { RATE_WINDOW_MS } from './subscribe'
import { activeSubscriptions, emittedKeys, readCursor, recordEmissions, type Subscription, sweep } from './store'

export interface TickReport {
  version: number | null
  events: number
  messages: number
  sendBatchCalls: number
  disabled: number
  rotationsEnded: number
}

/** The `webhook-id` of an event: derived from the change and the event, so a re-emission carries the same one. */
export async function messageId(due: DueEvent): Promise<string> {
  return `msg_${(await sha256Hex(emissionKey(emittedAs(due), due.event))).slice(0, 32)}`
}

/** Runs one tick at `now` (the trigger's scheduledTime: the platform's clock, which a test can set). */
export async function tick(env: Cloudflare.Env, now: number): Promise<TickReport> {
  const swept = await sweep(env.DB, now, RATE_WINDOW_MS)
  const report: TickReport = { version: null, events: 0, messages: 0, sendBatchCalls: 0, ...swept }
  const release = await currentRelease(env)
  if (!release) return report
  report.version = release.version
  let records: ChangeRecord[]
  try {
    records = await readChangeLog(env.REGISTRY, release)
  } catch (error) {
    // The reader has logged the fault; the next tick tries again, and nothing is marked emitted.
    if (error instanceof RegistryError && error.code === 'storage_fault') return report
    throw error
  }
  const lastVersion = await readCursor(env.DB)
  const candidates = dueEvents(records, lastVersion, now, new Set())
  const emitted = candidates.length
    ? await emittedKeys(
        env.DB,
        candidates.map((due) => emittedAs(due)),
      )
    : new Set<string>()
  const due = candidates.filter((event) => !emitted.has(emissionKey(emittedAs(event), event.event)))
  if (due.length === 0) {
    if (release.version > lastVersion) await recordEmissions(env.DB, [], release.version, now)
    return report
  }

  const subscriptions = await activeSubscriptions(env.DB)
  const messages: DeliveryMessage[] = []
  const emissions = []
  for (const event of due) {
    const fanOut = await messagesFor(event, subscriptions, release, env.PUBLIC_ORIGIN)
    messages.push(...fanOut)
    emissions.push({ changeId: emittedAs(event), event: event.event, subscriptions: fanOut.length })
  }
  // Enqueued before being marked: a tick that dies between the two re-sends with the same webhook-id, never loses.
  report.sendBatchCalls = await enqueueDeliveries(env.WEBHOOK_QUEUE, messages)
  await recordEmissions(env.DB, emissions, release.version, now)
  report.events = due.length
  report.messages = messages.length
  return report
}

async function currentRelease(env: Cloudflare.Env): Promise<Release | null> {
  try {
    return await getCurrentRelease(env.REGISTRY)
  } catch (error) {
    if (error instanceof RegistryError && error.code === 'not_published') return null
    throw error
  }
}

/** One message per interested subscriber; subscribers that chose the same regions and languages share one rendered body. */
async function messagesFor(
  due: DueEvent,
  subscriptions: Subscription[],
  release: Release,
  origin: string,
): Promise<DeliveryMessage[]> {
  const id = await messageId(due)
  const bodies = new Map<string, string>()
  const messages: DeliveryMessage[] = []
  for (const subscription of subscriptions) {
    if (!wants(subscription, due)) continue
    const regions = regionsOfInterest(due.change, subscription)
    const chosen = subscription.languages?.filter((lang) => release.languages.includes(lang)) ?? []
    const languages = chosen.length ? chosen : release.languages
    const key = `${regions.join()} ${languages.join()}`
    let body = bodies.get(key)
    if (body === undefined)
      bodies.set(
        key,
        (body = JSON.stringify(changePayload(due, release.version, regions, languages, origin.replace(/\/$/, '')))),
      )
    messages.push({ subscription: subscription.id, id, event: due.event, body })
  }
  return messages
}
