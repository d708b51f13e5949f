// The objection, receipt and resolution notes are the format's, owned by the client package (docs/objections.md).
export * from '../../client/src/objections/protocol'

/** The events about objections: pushed only to the operator's subscription and to the objecting customer's. */
export const OBJECTION_RECEIVED = 'objection.received'
export const OBJECTION_RESOLVED = 'objection.resolved'

/** What the operator's endpoint is told of a new objection: who, about which change, why, and when. */
export function objectionReceivedPayload(objection: {
  digest: string
  customer: { id: string; name: string }
  change: string
  category: string
  reason: string
  objectedAt: string
  receivedAt: number
}) {
  const receivedAt = new Date(objection.receivedAt).toISOString()
  return {
    type: OBJECTION_RECEIVED,
    timestamp: receivedAt,
    data: {
      objection: objection.digest,
      customer: objection.customer,
      change: objection.change,
      category: objection.category,
      reason: objection.reason,
      objectedAt: objection.objectedAt,
      receivedAt,
    },
  }
}

/** What the customer's endpoint is told of the answer to its objection: the signed resolution itself. */
export function objectionResolvedPayload(resolution: {
  digest: string
  change: string
  outcome: string
  reason: string
  resolvedAt: number
  note: string
}) {
  const resolvedAt = new Date(resolution.resolvedAt).toISOString()
  return {
    type: OBJECTION_RESOLVED,
    timestamp: resolvedAt,
    data: {
      objection: resolution.digest,
      change: resolution.change,
      outcome: resolution.outcome,
      reason: resolution.reason,
      resolvedAt,
      resolution: resolution.note,
    },
  }
}
