/**
 * Every error the API answers with, and its status. A closed set: a new code is a deliberate
 * change here, in docs/errors.md and in the published schema's enum.
 */
export const ERROR_STATUSES = {
  unknown_region: 400,
  unknown_language: 400,
  unknown_format: 400,
  repeated_parameter: 400,
  conflicting_format: 400,
  invalid_version: 400,
  invalid_instant: 400,
  invalid_since: 400,
  conflicting_parameters: 400,
  unsupported_parameter: 400,
  // A webhook subscription request that fails its schema or the endpoint rules; `fields` names each problem.
  invalid_subscription: 400,
  // An objection that is not a signed note, or whose text is not an objection (docs/objections.md).
  unsigned_objection: 400,
  invalid_objection: 400,
  // An objection's digest in a URL that is not a SHA-256 in base64url.
  invalid_digest: 400,
  // A resolution whose outcome or reason is missing or wrong; `fields` names each problem.
  invalid_resolution: 400,
  // A webhook management or admin route without the right bearer token.
  unauthorized: 401,
  // An objection signed by no registered customer's key, by a revoked one, or with a signature that does not verify.
  unknown_customer: 403,
  customer_revoked: 403,
  invalid_signature: 403,
  // An objection to a change this registry never announced, or that it withdrew.
  unknown_change: 404,
  // An inclusion asked for an objection never received, or received and not committed to by a version yet.
  unknown_objection: 404,
  objection_not_committed: 404,
  unknown_subprocessor: 404,
  unknown_version: 404,
  // A language or an entry the version asked for does not have: one published later; the message says which version first has it.
  not_in_version: 404,
  not_found: 404,
  method_not_allowed: 405,
  not_acceptable: 406,
  // An objection to a change already in force, or past its objection deadline (`deadline` says when it was).
  change_in_force: 409,
  objection_deadline_passed: 409,
  // An objection to a change that takes none: a removal, which needs no notice.
  not_objectable: 409,
  // A resolution for an objection that has one.
  objection_resolved: 409,
  payload_too_large: 413,
  // A subscription request whose Content-Type is not application/json: no browser form can send one.
  unsupported_media_type: 415,
  // The endpoint did not confirm in time, or may not be sent to; why is for the operator's eyes only.
  verification_failed: 422,
  // An objection that names another registry: it cannot be replayed here.
  wrong_registry: 422,
  // Too many verification requests from one address or from everyone, too many subscriptions
  // for one endpoint host, or too many live secrets (with Retry-After).
  rate_limited: 429,
  // A bug of ours (a missing binding, a code path that throws): not the platform being away.
  internal_error: 500,
  not_published: 503,
  // The Worker has no receipt key (RECEIPT_SIGNING_KEY), so it cannot receipt an objection.
  objections_unavailable: 503,
  // Storage lacks or damaged bytes that the release says exist: a retry may reach a healthy copy.
  storage_fault: 503,
} as const

export type ErrorCode = keyof typeof ERROR_STATUSES
export type ErrorStatus = (typeof ERROR_STATUSES)[ErrorCode]
export const ERROR_CODES = Object.keys(ERROR_STATUSES) as ErrorCode[]

export interface ErrorDetails {
  /** The parameter at fault. */
  parameter?: string
  /** The values that would have been accepted. */
  allowed?: string[]
  /** Every field of a request body at fault, and what is wrong with it. */
  fields?: { field: string; message: string }[]
  /** An objection's deadline, when it has passed. */
  deadline?: string
}

/** The one error body every 4xx and 5xx carries. */
export interface ErrorBody {
  error: { status: ErrorStatus; code: ErrorCode; message: string } & ErrorDetails
}

/** The one error the API reports; `onError` turns it into the one error body. */
export class RegistryError extends Error {
  readonly status: ErrorStatus

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
    /** Seconds for `Retry-After`, where the error has its own. */
    readonly retryAfter?: number,
  ) {
    super(message)
    this.status = ERROR_STATUSES[code]
  }
}

export function errorBody(error: RegistryError): ErrorBody {
  return { error: { status: error.status, code: error.code, message: error.message, ...error.details } }
}

export const ALLOWED_METHODS = ['GET', 'HEAD', 'OPTIONS']

/** How long a client should wait before retrying a 503, in seconds: the pointer-recheck interval, rounded up. */
export const RETRY_AFTER_SECONDS = 5
