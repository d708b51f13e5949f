/**
 * Objections (docs/objections.md): `POST /objections` takes one signed by a registered customer's
 * key, checks it against the announced change and its deadline by the Worker's clock, stores it
 * once, and answers a receipt signed with the Worker's receipt key; `GET /objections` lists them
 * for the operator.
 */
import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import {
  checkReason,
  MAX_OBJECTION_BYTES,
  noteInstant,
  OBJECTION_RECEIVED,
  OBJECTION_RESOLVED,
  OUTCOMES,
  type Outcome,
  objectionReceivedPayload,
  objectionResolvedPayload,
  parseObjectionText,
  receiptText,
  resolutionText,
} from '../domain/objection'
import { base64 } from '../domain/etag'
import { RegistryError } from '../domain/errors'
import { PRIVATE_HEADERS } from '../domain/headers'
import {
  type NoteError,
  openNote,
  parseSignerKey,
  parseVerifierKey,
  readNote,
  type SignerKey,
  signNote,
} from '../domain/signed-note'
import { sha256Hex } from '../webhooks/crypto'
import { type DeliveryMessage, enqueueDeliveries } from '../webhooks/queue'
import {
  customerById,
  customersByKey,
  listObjections,
  objectionByDigest,
  objectionInclusion,
  objectionsSince,
  resolveObjection,
  storeObjection,
} from '../storage/objections'
import { getCurrentRelease, readChangeLog } from '../storage/reader'
import { requireAdmin } from './auth'
import type { Env } from './serve'

export const objections = new Hono<Env>()

/** Objections one customer may send in an hour: enough for every change a registry announces at once. */
const OBJECTIONS_PER_HOUR = 20

let receiptKey: { text: string; key: Promise<SignerKey> } | null = null

function receiptSigner(c: Context<Env>): Promise<SignerKey> {
  const text = c.env.RECEIPT_SIGNING_KEY
  if (!text)
    throw new RegistryError('objections_unavailable', 'This registry takes no objections here: it has no receipt key.')
  if (receiptKey?.text !== text) receiptKey = { text, key: parseSignerKey(text) }
  return receiptKey.key
}

const text = (c: Context<Env>, body: string, status: 200 | 201) =>
  c.body(body, status, { ...PRIVATE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' })

objections.post(
  '/objections',
  bodyLimit({
    maxSize: MAX_OBJECTION_BYTES,
    onError: () => {
      throw new RegistryError('payload_too_large', `An objection is at most ${MAX_OBJECTION_BYTES} bytes.`)
    },
  }),
  async (c) => {
    const type = c.req.header('Content-Type')?.split(';')[0]?.trim().toLowerCase()
    if (type !== 'text/plain')
      throw new RegistryError(
        'unsupported_media_type',
        'An objection is sent as a signed note, Content-Type: text/plain.',
      )
    const signer = await receiptSigner(c)
    const note = await c.req.text()
    let signatures: ReturnType<typeof readNote>['signatures']
    let noteText: string
    try {
      ;({ text: noteText, signatures } = readNote(note))
    } catch (error) {
      throw new RegistryError(
        'unsigned_objection',
        `The objection is not a signed note: ${(error as NoteError).message}.`,
      )
    }
    const objection = parseObjectionText(noteText)
    if (typeof objection === 'string') throw new RegistryError('invalid_objection', `Not an objection: ${objection}.`)
    // The customer is whoever a signature names; a line naming no registered key counts for nothing.
    const named = (await Promise.all(signatures.map(({ name, id }) => customersByKey(c.env.DB, name, id)))).flat()
    const customer = named.find((found) => found.status === 'active') ?? named[0]
    if (!customer) throw new RegistryError('unknown_customer', 'No registered customer signed this objection.')
    if (customer.status === 'revoked')
      throw new RegistryError('customer_revoked', 'The key that signed this objection was revoked.')
    try {
      await openNote(note, [await parseVerifierKey(customer.key)])
    } catch {
      throw new RegistryError('invalid_signature', "The customer's signature on this objection does not verify.")
    }
    const release = await getCurrentRelease(c.env.REGISTRY)
    const origin = release.evidence?.checkpoint.slice(0, release.evidence.checkpoint.indexOf('\n')) ?? ''
    if (objection.registry !== origin)
      throw new RegistryError('wrong_registry', `This objection is addressed to another registry than ${origin}.`)
    const digest = base64(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(note))))
    // The same objection again: its receipt again, whatever has happened since.
    const known = await objectionByDigest(c.env.DB, digest)
    if (known) return text(c, known.receipt, 200)
    const now = Date.now()
    const change = (await readChangeLog(c.env.REGISTRY, release)).find((record) => record.id === objection.change)
    if (!change || change.withdrawnIn !== null)
      throw new RegistryError('unknown_change', 'This registry announced no such change, or withdrew it.')
    if (change.objectionDeadline && Date.parse(change.objectionDeadline) <= now)
      throw new RegistryError(
        'objection_deadline_passed',
        `Objections to this change were taken until ${change.objectionDeadline}.`,
        { deadline: change.objectionDeadline },
      )
    if (Date.parse(change.effectiveAt) <= now)
      throw new RegistryError('change_in_force', `The change took effect on ${change.effectiveAt}.`)
    if (!change.objectionDeadline)
      throw new RegistryError('not_objectable', 'This change takes no objection: it needs no notice.')
    if ((await objectionsSince(c.env.DB, customer.id, now - 3600_000)) >= OBJECTIONS_PER_HOUR)
      throw new RegistryError('rate_limited', `A customer may send ${OBJECTIONS_PER_HOUR} objections an hour.`)
    const receipt = await signNote(
      receiptText({
        registry: origin,
        objection: digest,
        customer: customer.key,
        change: change.id,
        receivedAt: noteInstant(new Date(now)),
      }),
      [signer],
    )
    const { stored, created } = await storeObjection(c.env.DB, {
      digest,
      customerId: customer.id,
      change: change.id,
      category: objection.category,
      reason: objection.reason,
      objectedAt: objection.objectedAt,
      receivedAt: now,
      objection: note,
      receipt,
    })
    if (created && c.env.OBJECTIONS_WEBHOOK)
      await push(c, c.env.OBJECTIONS_WEBHOOK, stored.digest, OBJECTION_RECEIVED, objectionReceivedPayload(stored))
    return text(c, stored.receipt, created ? 201 : 200)
  },
)

/**
 * Queues one event for one subscription, as the change events are delivered: signed, retried, in
 * the subscription's deliveries. A queue that fails loses only the push: the objection is stored.
 */
async function push(c: Context<Env>, subscription: string, digest: string, event: string, payload: unknown) {
  const message: DeliveryMessage = {
    subscription,
    id: `msg_${(await sha256Hex(`${digest} ${event}`)).slice(0, 32)}`,
    event,
    body: JSON.stringify(payload),
  }
  try {
    await enqueueDeliveries(c.env.WEBHOOK_QUEUE, [message])
  } catch (error) {
    console.error(`${event} for ${subscription} was not queued: ${(error as Error).message}`)
  }
}

/** The base64 SHA-256 a path's base64url digest stands for; `invalid_digest` otherwise. */
function digestParam(c: Context<Env>): string {
  const param = c.req.param('digest') ?? ''
  if (!/^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/.test(param))
    throw new RegistryError(
      'invalid_digest',
      'The digest is the SHA-256 of the signed objection in base64url: 43 characters.',
    )
  return `${param.replaceAll('-', '+').replaceAll('_', '/')}=`
}

/**
 * The operator's answer to an objection, signed with the receipt key so that the customer can
 * show it as it shows the receipt, and pushed to the customer's subscription when it named one.
 */
objections.post(
  '/objections/:digest/resolution',
  bodyLimit({
    maxSize: 4096,
    onError: () => {
      throw new RegistryError('payload_too_large', 'A resolution is at most 4 KiB.')
    },
  }),
  async (c) => {
    await requireAdmin(c)
    const digest = digestParam(c)
    if (c.req.header('Content-Type')?.split(';')[0]?.trim().toLowerCase() !== 'application/json')
      throw new RegistryError('unsupported_media_type', 'A resolution is sent as JSON.')
    let body: unknown
    try {
      body = JSON.parse(await c.req.text())
    } catch {
      body = null
    }
    const { outcome, reason } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
    const fields = [
      ...(typeof outcome === 'string' && (OUTCOMES as readonly string[]).includes(outcome)
        ? []
        : [{ field: 'outcome', message: `must be one of ${OUTCOMES.join(', ')}` }]),
      ...(typeof reason === 'string' && reason !== '' && !checkReason(reason)
        ? []
        : [{ field: 'reason', message: checkReason(String(reason ?? '')) ?? 'is required' }]),
      ...Object.keys(body ?? {})
        .filter((key) => key !== 'outcome' && key !== 'reason')
        .map((key) => ({ field: key, message: 'is not a known field' })),
    ]
    if (fields.length)
      throw new RegistryError(
        'invalid_resolution',
        `The resolution is invalid: ${fields.map((f) => f.field).join(', ')}.`,
        {
          fields,
        },
      )
    const signer = await receiptSigner(c)
    const stored = await objectionByDigest(c.env.DB, digest)
    if (!stored) throw new RegistryError('unknown_objection', 'This registry received no objection with that digest.')
    const customer = await customerById(c.env.DB, stored.customer.id)
    const resolvedAt = Date.now()
    const release = await getCurrentRelease(c.env.REGISTRY)
    const origin = release.evidence?.checkpoint.slice(0, release.evidence.checkpoint.indexOf('\n')) ?? ''
    const note = await signNote(
      resolutionText({
        registry: origin,
        objection: digest,
        customer: customer?.key ?? '',
        change: stored.change,
        outcome: outcome as Outcome,
        reason: reason as string,
        resolvedAt: noteInstant(new Date(resolvedAt)),
      }),
      [signer],
    )
    if (!(await resolveObjection(c.env.DB, digest, { outcome: outcome as string, note, resolvedAt })))
      throw new RegistryError('objection_resolved', 'This objection was resolved already; GET /objections shows how.')
    if (customer?.webhookId)
      await push(
        c,
        customer.webhookId,
        digest,
        OBJECTION_RESOLVED,
        objectionResolvedPayload({
          digest,
          change: stored.change,
          outcome: outcome as string,
          reason: reason as string,
          resolvedAt,
          note,
        }),
      )
    return text(c, note, 201)
  },
)

objections.get('/objections', async (c) => {
  await requireAdmin(c)
  const byChange = new Map<string, unknown[]>()
  for (const o of await listObjections(c.env.DB)) {
    const list = byChange.get(o.change) ?? []
    list.push({
      customer: o.customer,
      category: o.category,
      reason: o.reason,
      objectedAt: o.objectedAt,
      receivedAt: new Date(o.receivedAt).toISOString(),
      digest: o.digest,
      status: o.resolution ? 'resolved' : 'received',
      resolution: o.resolution
        ? {
            outcome: o.resolution.outcome,
            resolvedAt: new Date(o.resolution.resolvedAt).toISOString(),
            note: o.resolution.note,
          }
        : null,
    })
    byChange.set(o.change, list)
  }
  return c.json(
    { changes: [...byChange].map(([change, objections]) => ({ change, objections })) },
    200,
    PRIVATE_HEADERS,
  )
})

/**
 * Where an objection sits under the commitment of the version that took it: public, since only
 * the sender knows the digest, and the answer holds nothing but hashes and positions.
 */
objections.get('/objections/:digest/inclusion', async (c) => {
  const digest = digestParam(c)
  const inclusion = await objectionInclusion(c.env.DB, digest)
  if (inclusion) return c.body(inclusion, 200, { ...PRIVATE_HEADERS, 'Content-Type': 'application/json' })
  if (await objectionByDigest(c.env.DB, digest))
    throw new RegistryError(
      'objection_not_committed',
      'The objection was received; the next version published commits to it.',
    )
  throw new RegistryError('unknown_objection', 'This registry received no objection with that digest.')
})
