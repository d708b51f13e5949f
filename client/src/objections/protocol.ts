/**
 * An objection and its receipt, as signed notes (C2SP signed-note). Both bind the registry (its
 * log's origin) and the announced change's id, so that neither can be replayed against another.
 *
 *   subprocessor-registry/objection/v1        subprocessor-registry/receipt/v1
 *   registry <log origin>                      registry <log origin>
 *   change <change id>                         objection <SHA-256 of the signed objection, base64>
 *   category <a-z, 0-9, ->                     customer <the customer's verifier key>
 *   reason <one line of free text>             change <change id>
 *   objected <RFC 3339, UTC, seconds>          received <RFC 3339, UTC, seconds>
 *
 * The customer signs the objection with its own Ed25519 note key; the registry signs the receipt
 * with its receipt key. Plain functions on text: the client, the Worker and tests share them.
 */

export const OBJECTION_FORMAT = 'subprocessor-registry/objection/v1'
export const RECEIPT_FORMAT = 'subprocessor-registry/receipt/v1'
export const RESOLUTION_FORMAT = 'subprocessor-registry/resolution/v1'

/** What the processor did about an objection: the answers Art. 28(2) and Clause 9 leave it. */
export const OUTCOMES = ['change-withdrawn', 'customer-excluded', 'contract-ended', 'rejected'] as const
export type Outcome = (typeof OUTCOMES)[number]
/** A signed objection's size at most: a reason of 1,000 characters and a signature fit with room. */
export const MAX_OBJECTION_BYTES = 8 * 1024
const MAX_REASON = 1000

export interface Objection {
  registry: string
  change: string
  category: string
  reason: string
  objectedAt: string
}

export interface Receipt {
  registry: string
  /** SHA-256 of the signed objection's bytes, base64. */
  objection: string
  /** The customer's verifier key. */
  customer: string
  change: string
  receivedAt: string
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/
// biome-ignore lint/suspicious/noControlCharactersInRegex: a reason is one line of visible text
const ONE_LINE = /^[^\u0000-\u001f\u007f]+$/

/** An instant as the notes write it: UTC, to the second. */
export const noteInstant = (at: Date) => `${at.toISOString().slice(0, 19)}Z`

function lines(header: string, fields: [string, string][]): string {
  return `${header}\n${fields.map(([name, value]) => `${name} ${value}\n`).join('')}`
}

/** The fields of a note text with this header, in this order; a string saying what is wrong otherwise. */
function read(text: string, header: string, names: string[]): Record<string, string> | string {
  const rows = text.split('\n')
  if (rows.at(-1) !== '' || rows[0] !== header) return `the note's text does not start with "${header}"`
  const body = rows.slice(1, -1)
  if (body.length !== names.length) return `the note has ${body.length} fields; ${header} has ${names.length}`
  const fields: Record<string, string> = {}
  for (const [i, name] of names.entries()) {
    const row = body[i]!
    if (!row.startsWith(`${name} `) || row.length === name.length + 1) return `field ${i + 1} is not "${name} <value>"`
    fields[name] = row.slice(name.length + 1)
  }
  return fields
}

export function objectionText(objection: Objection): string {
  return lines(OBJECTION_FORMAT, [
    ['registry', objection.registry],
    ['change', objection.change],
    ['category', objection.category],
    ['reason', objection.reason],
    ['objected', objection.objectedAt],
  ])
}

/** An objection's text, checked field by field; a string saying what is wrong otherwise. */
export function parseObjectionText(text: string): Objection | string {
  const fields = read(text, OBJECTION_FORMAT, ['registry', 'change', 'category', 'reason', 'objected'])
  if (typeof fields === 'string') return fields
  const { registry = '', change = '', category = '', reason = '', objected = '' } = fields
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(category))
    return 'the category is 1 to 40 of a-z, 0-9 and -, starting with a letter'
  if (!ONE_LINE.test(reason) || reason.length > MAX_REASON)
    return `the reason is one line of at most ${MAX_REASON} characters`
  if (!INSTANT.test(objected) || Number.isNaN(Date.parse(objected)))
    return 'objected is an instant in UTC to the second (2027-01-05T10:00:00Z)'
  if (!/^\S{1,300}$/.test(registry) || !/^\S{1,300}$/.test(change))
    return 'the registry and the change are single words'
  return { registry, change, category, reason, objectedAt: objected }
}

export function receiptText(receipt: Receipt): string {
  return lines(RECEIPT_FORMAT, [
    ['registry', receipt.registry],
    ['objection', receipt.objection],
    ['customer', receipt.customer],
    ['change', receipt.change],
    ['received', receipt.receivedAt],
  ])
}

export function parseReceiptText(text: string): Receipt | string {
  const fields = read(text, RECEIPT_FORMAT, ['registry', 'objection', 'customer', 'change', 'received'])
  if (typeof fields === 'string') return fields
  const { registry = '', objection = '', customer = '', change = '', received = '' } = fields
  if (!/^[A-Za-z0-9+/]{43}=$/.test(objection)) return 'objection is a base64 SHA-256'
  if (!INSTANT.test(received)) return 'received is an instant in UTC to the second'
  return { registry, objection, customer, change, receivedAt: received }
}

/** The processor's answer to an objection, signed with the receipt key like the receipt. */
export interface Resolution {
  registry: string
  /** SHA-256 of the signed objection, base64: the objection it answers. */
  objection: string
  customer: string
  change: string
  outcome: Outcome
  reason: string
  resolvedAt: string
}

export function resolutionText(resolution: Resolution): string {
  return lines(RESOLUTION_FORMAT, [
    ['registry', resolution.registry],
    ['objection', resolution.objection],
    ['customer', resolution.customer],
    ['change', resolution.change],
    ['outcome', resolution.outcome],
    ['reason', resolution.reason],
    ['resolved', resolution.resolvedAt],
  ])
}

/** A resolution's reason: one line, as an objection's. */
export const checkReason = (reason: string): string | null =>
  ONE_LINE.test(reason) && reason.length <= MAX_REASON ? null : `is one line of at most ${MAX_REASON} characters`

export function parseResolutionText(text: string): Resolution | string {
  const names = ['registry', 'objection', 'customer', 'change', 'outcome', 'reason', 'resolved']
  const fields = read(text, RESOLUTION_FORMAT, names)
  if (typeof fields === 'string') return fields
  const { registry = '', objection = '', customer = '', change = '', outcome = '', reason = '', resolved = '' } = fields
  if (!/^[A-Za-z0-9+/]{43}=$/.test(objection)) return 'objection is a base64 SHA-256'
  if (!(OUTCOMES as readonly string[]).includes(outcome)) return `outcome is one of ${OUTCOMES.join(', ')}`
  if (checkReason(reason)) return `the reason ${checkReason(reason)}`
  if (!INSTANT.test(resolved)) return 'resolved is an instant in UTC to the second'
  return { registry, objection, customer, change, outcome: outcome as Outcome, reason, resolvedAt: resolved }
}
