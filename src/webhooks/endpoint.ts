/**
 * Which endpoint URLs the registry will send to. A subscription makes the Worker send requests
 * to a URL a stranger chose, so the URL must name a public HTTPS endpoint and carry nothing that
 * could act as a credential. These are the rules on the URL's text; `resolve.ts` checks the
 * addresses a name resolves to, before every request.
 */
// The host rules live with the client, which also reads hosts someone else chose: one implementation for both.
import { refusedHost, withoutTrailingDot } from '../../client/src/address'

export {
  IPV4_SPECIAL_PURPOSE,
  IPV6_SPECIAL_PURPOSE,
  parseIpv4,
  parseIpv6,
  refusedHost,
  refusedIpv4,
  refusedIpv6,
} from '../../client/src/address'

/** Longer URLs are refused: no real receiver needs more, and every attempt stores it. */
export const MAX_URL_LENGTH = 2048

/** Hosts a developer's machine may use, when the local-development variable allows plain HTTP. */
const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]'])

export type EndpointCheck = { ok: true; url: string; host: string } | { ok: false; message: string }

/** Whether `raw` may be subscribed; `allowLoopback` is local development (`WEBHOOK_ALLOW_LOCAL_HTTP`). */
export function checkEndpointUrl(raw: string, allowLoopback: boolean): EndpointCheck {
  if (raw.length > MAX_URL_LENGTH) return { ok: false, message: `must be at most ${MAX_URL_LENGTH} characters` }
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return { ok: false, message: 'must be an absolute URL' }
  }
  const loopback = isAllowedLoopback(url.hostname, allowLoopback)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    return { ok: false, message: 'must use https:' }
  if (url.username || url.password) return { ok: false, message: 'must not carry a user name or password' }
  if (!loopback) {
    const refused = refusedHost(url.hostname)
    if (refused) return { ok: false, message: `must name a public host, not ${refused}` }
  }
  // A fragment never reaches the server; keep the URL as it will be requested.
  url.hash = ''
  // `a.example.` and `a.example` are one host: one per-host cap.
  return { ok: true, url: url.href, host: withoutTrailingDot(url.hostname) }
}

/** The loopback names local development may use; never on a deployment. */
export const isAllowedLoopback = (hostname: string, allowLoopback: boolean) =>
  allowLoopback && LOOPBACK_NAMES.has(hostname)
