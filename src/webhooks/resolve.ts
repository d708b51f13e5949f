/**
 * Checks what an endpoint's name resolves to, before every request to it. A Worker's fetch()
 * resolves names itself, with whatever resolver its host has: under `wrangler dev` or a
 * self-hosted workerd that includes the hosts file and a private network's DNS. So the name is
 * first resolved through DNS-over-HTTPS (the JSON form that Cloudflare's and Google's resolvers
 * serve), and the request is refused unless every address in the answer is public. What remains
 * open is the moment between this lookup and fetch()'s own (DNS rebinding); docs/vendor-risk-tools.md says how
 * a self-hosted workerd closes it.
 */
import { checkEndpointUrl, isAllowedLoopback, parseIpv4, refusedIpv4, refusedIpv6 } from './endpoint'

/** Where names are resolved, unless `WEBHOOK_DNS_RESOLVER` names another DoH JSON endpoint. */
export const DEFAULT_RESOLVER = 'https://cloudflare-dns.com/dns-query'
const LOOKUP_TIMEOUT_MS = 5_000
/** An answer is reused for its TTL, at most this long: a delivery burst to one host costs one lookup. */
const MAX_CACHE_MS = 60_000

/** What the outbound rules need to know of the Worker's configuration. */
export interface OutboundPolicy {
  /** Local development: plain HTTP to loopback names, unresolved. */
  allowLoopback: boolean
  resolver: string
}

export const outboundPolicy = (env: Cloudflare.Env): OutboundPolicy => ({
  allowLoopback: env.WEBHOOK_ALLOW_LOCAL_HTTP === 'true',
  resolver: env.WEBHOOK_DNS_RESOLVER || DEFAULT_RESOLVER,
})

/** Why a request to `url` must not be sent, or null when it may. */
export async function refusedOutbound(url: string, policy: OutboundPolicy): Promise<string | null> {
  // The rules on the text again: they may be stricter now than when the URL was subscribed.
  const checked = checkEndpointUrl(url, policy.allowLoopback)
  if (!checked.ok) return `the URL ${checked.message}`
  const { hostname } = new URL(url)
  if (isAllowedLoopback(hostname, policy.allowLoopback) || hostname.startsWith('[') || parseIpv4(hostname) !== null)
    return null
  return refusedAddresses(checked.host, policy.resolver)
}

const cache = new Map<string, { refused: string | null; until: number }>()

/** Why the addresses `host` resolves to are refused, or null when all are public. */
export async function refusedAddresses(host: string, resolver: string): Promise<string | null> {
  const key = `${resolver} ${host}`
  const hit = cache.get(key)
  if (hit && hit.until > Date.now()) return hit.refused
  const answers = await Promise.all([lookup(resolver, host, 'A'), lookup(resolver, host, 'AAAA')])
  const failed = answers.find((answer) => 'error' in answer)
  let refused: string | null
  let ttl = 0
  if (failed && 'error' in failed) refused = failed.error
  else {
    const found = answers.flatMap((answer) => ('addresses' in answer ? answer.addresses : []))
    ttl = Math.min(...found.map((address) => address.ttl))
    const bad = found.find((address) => address.refused)
    refused =
      found.length === 0 ? `${host} has no address` : bad ? `${host} resolves to ${bad.address}, ${bad.refused}` : null
  }
  cache.set(key, { refused, until: Date.now() + Math.min(Math.max(ttl, 0) * 1000, MAX_CACHE_MS) })
  return refused
}

interface Address {
  address: string
  ttl: number
  refused: string | null
}

type Lookup = { addresses: Address[] } | { error: string }

// RFC 1035 types: A, and RFC 3596's AAAA; CNAMEs in the answer are followed by the resolver.
const TYPES = { A: 1, AAAA: 28 } as const

async function lookup(resolver: string, host: string, type: keyof typeof TYPES): Promise<Lookup> {
  const url = `${resolver}?name=${encodeURIComponent(host)}&type=${type}`
  let body: { Status?: unknown; Answer?: { type?: unknown; data?: unknown; TTL?: unknown }[] }
  try {
    const res = await fetch(url, {
      headers: { Accept: 'application/dns-json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS),
    })
    if (!res.ok) return { error: `the resolver answered ${res.status} for ${host}` }
    body = await res.json()
  } catch (error) {
    return {
      error: `the resolver did not answer for ${host}: ${error instanceof Error ? error.message : String(error)}`,
    }
  }
  // RFC 8427 codes: 0 NOERROR, 3 NXDOMAIN; anything else is a failure to be refused, not passed.
  if (body.Status === 3) return { addresses: [] }
  if (body.Status !== 0) return { error: `the resolver could not resolve ${host} (status ${String(body.Status)})` }
  const addresses = (body.Answer ?? [])
    .filter((record) => record.type === TYPES[type] && typeof record.data === 'string')
    .map((record) => {
      const address = record.data as string
      const v4 = type === 'A' ? parseIpv4(address) : null
      const refused = type === 'A' ? (v4 === null ? 'not an address' : refusedIpv4(v4)) : refusedIpv6(address)
      return { address, ttl: typeof record.TTL === 'number' ? record.TTL : 0, refused }
    })
  return { addresses }
}

/** Forgets every cached answer: for tests that change what a name resolves to. */
export function forgetResolvedNames(): void {
  cache.clear()
}
