/**
 * The only module that sends to the webhook queue. One message per (subscription, event), its
 * body rendered and final, so that every retry signs the same bytes.
 */

export interface DeliveryMessage {
  subscription: string
  /** The `webhook-id`: the same on every retry and for every subscriber, so receivers can deduplicate. */
  id: string
  event: string
  body: string
}

// Queues accepts at most 100 messages and 256 KB per sendBatch; stay clear of the byte limit.
const MESSAGES_PER_BATCH = 100
const BYTES_PER_BATCH = 200 * 1024
const encoder = new TextEncoder()

/** Sends messages in as few `sendBatch` calls as the limits allow; returns how many calls it made. */
export async function enqueueDeliveries(queue: Queue<DeliveryMessage>, messages: DeliveryMessage[]): Promise<number> {
  const batches: MessageSendRequest<DeliveryMessage>[][] = []
  let batch: MessageSendRequest<DeliveryMessage>[] = []
  let bytes = 0
  for (const body of messages) {
    const size =
      encoder.encode(body.body).byteLength + body.subscription.length + body.id.length + body.event.length + 64
    if (batch.length === MESSAGES_PER_BATCH || (batch.length > 0 && bytes + size > BYTES_PER_BATCH)) {
      batches.push(batch)
      batch = []
      bytes = 0
    }
    batch.push({ body, contentType: 'json' })
    bytes += size
  }
  if (batch.length) batches.push(batch)
  // Calls run side by side: a tick with 1,000 subscribers makes 10 of them.
  await Promise.all(batches.map((part) => queue.sendBatch(part)))
  return batches.length
}
