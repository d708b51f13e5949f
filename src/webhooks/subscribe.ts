/**
 * Subscribing: the request body's schema and its checks, the abuse limits, and intent
 * verification. zod/mini keeps the Worker bundle small (about 7 KiB gzip against full zod's 120).
 */
import * as z from 'zod/mini'
import { RegistryError } from '../domain/errors'
import { ALL_REGIONS, type Release } from '../domain/representation'
import { randomToken } from './crypto'
import { checkEndpointUrl, parseIpv6 } from './endpoint'
import { CHANGE_EVENTS, type ChangeEvent, verificationPayload } from './events'
import type { OutboundPolicy } from './resolve'
import { sendSigned, succeeded } from './send'
import { countCreation, type StoredAttempt, type Subscription } from './store'
import type { AttemptView, SubscriptionView } from './views'

/** The longest `verificationToken` a subscription request may carry. */
export const MAX_VERIFICATION_TOKEN = 256

/** The body of `POST /webhooks`. Region and language values are checked against the current release. */
export const SubscriptionRequest = z.strictObject({
  url: z.string(),
  regions: z.array(z.string()).check(z.minLength(1), z.maxLength(16)),
  languages: z.optional(z.array(z.string()).check(z.minLength(1), z.maxLength(16))),
  events: z.optional(z.array(z.enum(CHANGE_EVENTS)).check(z.minLength(1), z.maxLength(CHANGE_EVENTS.length))),
  // Sent back in the verification event, so that a receiver can refuse a stranger's subscription (WebSub's verify_token).
  verificationToken: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_VERIFICATION_TOKEN))),
})
export type SubscriptionRequest = z.infer<typeof SubscriptionRequest>

/** A request body larger than this is refused before it is read. */
export const MAX_BODY_BYTES = 16 * 1024
/** The creation rate limit's fixed window. */
export const RATE_WINDOW_MS = 3600 * 1000
/** How long to wait once the per-host cap is reached: only a deletion frees a place. */
const HOST_CAP_RETRY_AFTER_SECONDS = 3600

export interface CheckedRequest {
  url: string
  host: string
  regions: string[]
  languages: string[] | null
  events: ChangeEvent[]
  verificationToken: string | null
}

type FieldProblem = { field: string; message: string }

const fieldName = (path: PropertyKey[]) =>
  path.reduce<string>(
    (name, key) => (typeof key === 'number' ? `${name}[${key}]` : name ? `${name}.${String(key)}` : String(key)),
    '',
  )

/** The value at a path of the body, which zod/mini's reports leave out. */
function valueAt(body: unknown, path: PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (value, key) =>
      typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined,
    body,
  )
}

function describe(issue: z.core.$ZodIssue, body: unknown): FieldProblem[] {
  const field = fieldName(issue.path) || '(body)'
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ field: fieldName([...issue.path, key]), message: 'is not a known field' }))
    case 'invalid_type':
      return [
        {
          field,
          message:
            valueAt(body, issue.path) === undefined
              ? 'is required'
              : `must be ${issue.expected === 'array' || issue.expected === 'object' ? 'an' : 'a'} ${issue.expected}`,
        },
      ]
    case 'invalid_value':
      return [{ field, message: `must be one of ${issue.values.map(String).join(', ')}` }]
    case 'too_small':
      return [
        {
          field,
          message:
            issue.origin === 'string'
              ? 'must not be empty'
              : `must have at least ${issue.minimum} item${issue.minimum === 1 ? '' : 's'}`,
        },
      ]
    case 'too_big':
      return [
        { field, message: `must have at most ${issue.maximum} ${issue.origin === 'string' ? 'characters' : 'items'}` },
      ]
    default:
      return [{ field, message: issue.message }]
  }
}

function invalid(problems: FieldProblem[]): RegistryError {
  const names = [...new Set(problems.map((problem) => problem.field))]
  return new RegistryError('invalid_subscription', `The subscription is invalid: ${names.join(', ')}.`, {
    fields: problems,
  })
}

/** Parses and checks a subscription request; throws `invalid_subscription` naming every field at fault. */
export function checkSubscriptionRequest(text: string, release: Release, allowLoopback: boolean): CheckedRequest {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw invalid([{ field: '(body)', message: 'must be a JSON object' }])
  }
  const parsed = z.safeParse(SubscriptionRequest, body)
  const problems = parsed.success ? [] : parsed.error.issues.flatMap((issue) => describe(issue, body))
  const raw = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>

  let endpoint: { url: string; host: string } | null = null
  if (typeof raw.url === 'string') {
    const checked = checkEndpointUrl(raw.url, allowLoopback)
    if (checked.ok) endpoint = checked
    else problems.push({ field: 'url', message: checked.message })
  }
  const known = (field: 'regions' | 'languages', allowed: string[]) => {
    const values = raw[field]
    if (!Array.isArray(values)) return
    values.forEach((value, i) => {
      if (typeof value === 'string' && !allowed.includes(value))
        problems.push({ field: `${field}[${i}]`, message: `must be one of ${allowed.join(', ')}` })
    })
  }
  known('regions', [...release.regions, ALL_REGIONS])
  known('languages', release.languages)
  if (!parsed.success || problems.length || !endpoint) throw invalid(problems)
  const { regions, languages, events, verificationToken } = parsed.data
  return {
    ...endpoint,
    regions: [...new Set(regions)],
    languages: languages ? [...new Set(languages)] : null,
    events: events ? [...new Set(events)] : [...CHANGE_EVENTS],
    verificationToken: verificationToken ?? null,
  }
}

const limit = (configured: string | undefined, fallback: number) => {
  const value = Number(configured)
  return Number.isInteger(value) && value > 0 ? value : fallback
}

/** Subscriptions one endpoint host may hold: active ones and those being verified. */
export const hostCap = (env: Cloudflare.Env) => limit(env.WEBHOOK_MAX_PER_HOST, 20)

/**
 * Who is asking, for the rate limit: `CF-Connecting-IP` only where the platform sets it and
 * overwrites a client's own (`TRUST_CF_CONNECTING_IP`, on Cloudflare); elsewhere a client could
 * write any address there, so every client shares one bucket. An IPv6 client is its /64: one
 * customer's network holds a whole /64, and each address in it would otherwise be a new bucket.
 */
export function clientKey(header: string | undefined, trusted: boolean): string {
  if (!trusted || !header) return 'unidentified'
  const v6 = header.includes(':') ? parseIpv6(header.trim()) : null
  if (v6 === null) return header.trim()
  const prefix = (v6 >> 64n).toString(16).padStart(16, '0')
  return `${prefix.match(/.{4}/g)!.join(':')}::/64`
}

/** The bucket that counts every client together: the global cap. */
const EVERYONE = '*'

/**
 * The rate limits on requests that make the Worker send a verification (subscribing and
 * re-enabling), both answering 429 with Retry-After: per client per hour, and for all clients
 * together per hour. Only requests that pass validation count, since only they send anything.
 */
export async function enforceRateLimits(env: Cloudflare.Env, client: string, now: number): Promise<void> {
  const windowStart = Math.floor(now / RATE_WINDOW_MS) * RATE_WINDOW_MS
  const retryAfter = Math.ceil((windowStart + RATE_WINDOW_MS - now) / 1000)
  const perClient = limit(env.WEBHOOK_CREATES_PER_HOUR, 10)
  const everyone = limit(env.WEBHOOK_VERIFICATIONS_PER_HOUR, 200)
  const [mine, all] = await Promise.all([
    countCreation(env.DB, client, windowStart),
    countCreation(env.DB, EVERYONE, windowStart),
  ])
  if (mine > perClient)
    throw new RegistryError(
      'rate_limited',
      `At most ${perClient} subscriptions may be requested per hour from one address.`,
      {},
      retryAfter,
    )
  if (all > everyone)
    throw new RegistryError(
      'rate_limited',
      'The registry takes no more subscription requests this hour.',
      {},
      retryAfter,
    )
}

/** The answer once a host's places are all held: only a deletion or a disabled endpoint frees one. */
export function hostFull(host: string, cap: number): RegistryError {
  return new RegistryError(
    'rate_limited',
    `${host} already has ${cap} subscriptions, the most one host may have.`,
    {},
    HOST_CAP_RETRY_AFTER_SECONDS,
  )
}

export type Verification = { ok: true } | { ok: false; reason: string }

/**
 * WebSub-style intent verification: a signed `webhook.verification` event with a challenge,
 * which the endpoint must echo in a 2xx within 10 s, as the body or as `{ "challenge": … }`.
 * The reason for a failure is for the operator only.
 */
export async function verifyIntent(
  url: string,
  subscription: string,
  secret: string,
  verificationToken: string | null,
  policy: OutboundPolicy,
): Promise<Verification> {
  const challenge = randomToken('', 24)
  const body = JSON.stringify(verificationPayload(subscription, challenge, verificationToken, new Date()))
  const result = await sendSigned(url, randomToken('msg_', 16), body, [secret], policy)
  if (!succeeded(result))
    return {
      ok: false,
      reason:
        result.status === null ? (result.error ?? 'no answer').replace(/\.+$/, '') : `it answered ${result.status}`,
    }
  if (echoes(result.response, challenge)) return { ok: true }
  return { ok: false, reason: 'its answer did not echo the challenge' }
}

function echoes(response: string | null, challenge: string): boolean {
  const text = response?.trim() ?? ''
  if (text === challenge) return true
  try {
    return (JSON.parse(text) as { challenge?: unknown }).challenge === challenge
  } catch {
    return false
  }
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/** A subscription as its owner and the operator see it: never a secret. */
export function subscriptionView(s: Subscription): SubscriptionView {
  return {
    id: s.id,
    url: s.url,
    regions: s.regions,
    languages: s.languages,
    events: s.events,
    status: s.status,
    createdAt: iso(s.createdAt)!,
    failingSince: iso(s.failingSince),
    lastSuccessAt: iso(s.lastSuccessAt),
    lastFailureAt: iso(s.lastFailureAt),
    disabledAt: iso(s.disabledAt),
    disabledReason: s.disabledReason,
    previousSecretExpiresAt: iso(s.previousSecretExpiresAt),
    links: { self: `/webhooks/${s.id}`, deliveries: `/webhooks/${s.id}/deliveries` },
  }
}

/** One delivery attempt, as the subscriber sees it. */
export function attemptView(a: StoredAttempt): AttemptView {
  return {
    webhookId: a.messageId,
    event: a.event,
    attempt: a.attempt,
    attemptedAt: iso(a.attemptedAt)!,
    status: a.status,
    latencyMs: a.latencyMs,
    outcome: a.outcome,
    nextRetryAt: iso(a.nextRetryAt),
    response: a.response,
    error: a.error,
  }
}
