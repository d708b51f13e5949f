/**
 * One signed POST to an endpoint, the only outbound request webhooks make. Every request,
 * whether it verifies a subscription, re-enables one or delivers an event, first passes the
 * outbound rules (`resolve.ts`). It follows no redirect, gives up after 10 s, sends no
 * credential, and keeps at most 1 KiB of the answer.
 */
import { signatureHeader } from './crypto'
import { type OutboundPolicy, refusedOutbound } from './resolve'

export const SEND_TIMEOUT_MS = 10_000
export const RESPONSE_KEPT_BYTES = 1024
const USER_AGENT = 'subprocessor-registry-webhooks/1'

export interface SendResult {
  /** The endpoint's status; null when it gave none (refused, timed out, unreachable). */
  status: number | null
  latencyMs: number
  /** The first KiB of the body, as text. */
  response: string | null
  error: string | null
  /** True when the outbound rules stopped the request before it was sent. */
  refused?: boolean
}

export const succeeded = (result: SendResult) => result.status !== null && result.status >= 200 && result.status < 300

/** Signs `body` with every secret (two during a rotation) at the current second, and sends it. */
export async function sendSigned(
  url: string,
  messageId: string,
  body: string,
  secrets: string[],
  policy: OutboundPolicy,
): Promise<SendResult> {
  const refused = await refusedOutbound(url, policy)
  if (refused) return { status: null, latencyMs: 0, response: null, error: `not sent: ${refused}`, refused: true }
  const timestamp = Math.floor(Date.now() / 1000)
  const headers = {
    'Content-Type': 'application/json',
    'User-Agent': USER_AGENT,
    'webhook-id': messageId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': await signatureHeader(secrets, messageId, timestamp, body),
  }
  const started = Date.now()
  try {
    // redirect: 'manual' hands back the 3xx itself, which counts as a failure: a redirect could point anywhere.
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    })
    const response = await firstKiB(res)
    return {
      status: res.status,
      latencyMs: Date.now() - started,
      response,
      error: res.status >= 300 && res.status < 400 ? 'redirects are not followed' : null,
    }
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
    return {
      status: null,
      latencyMs: Date.now() - started,
      response: null,
      error: timedOut
        ? `no answer within ${SEND_TIMEOUT_MS / 1000} s`
        : String(error instanceof Error ? error.message : error).slice(0, 200),
    }
  }
}

/** Reads no more than 1 KiB of a body, then lets the rest go. */
async function firstKiB(res: Response): Promise<string | null> {
  if (!res.body) return null
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let length = 0
  try {
    while (length < RESPONSE_KEPT_BYTES) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      length += value.byteLength
    }
  } finally {
    await reader.cancel().catch(() => {})
  }
  const bytes = new Uint8Array(Math.min(length, RESPONSE_KEPT_BYTES))
  let offset = 0
  for (const chunk of chunks) {
    const part = chunk.subarray(0, bytes.byteLength - offset)
    bytes.set(part, offset)
    offset += part.byteLength
  }
  // A character cut at the limit decodes to U+FFFD, which is longer; drop it.
  let text = new TextDecoder().decode(bytes)
  while (new TextEncoder().encode(text).byteLength > RESPONSE_KEPT_BYTES) text = text.slice(0, -1)
  return text
}
