/**
 * Every request the client makes: bounded in time and size, conditional on the last ETag, and
 * kept on the registry's own origin (format §3: a registry is one origin). A redirect is followed
 * only within that origin; a host that is not public (private, loopback, link-local, special-use)
 * is refused unless the user allowed it. Each failure says which URL and what, never the body.
 */
import { refusedHost } from './address.js'
import { concat } from './bytes.js'
import { WatchError } from './errors.js'

export { WatchError } from './errors.js'

export interface HttpLimits {
  /** Per request, headers and body together. */
  timeoutMs: number
  /** A body larger than this is refused while it is read, not after. */
  maxBytes: number
}

export const DEFAULT_LIMITS: HttpLimits = { timeoutMs: 15_000, maxBytes: 5 * 1024 * 1024 }

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>

/** Where requests for one registry may go, and how. */
export interface Network {
  fetch: Fetch
  limits: HttpLimits
  /** The registry's origin: every URL requested must be on it. */
  origin: string
  /** Private, loopback and link-local hosts, and plain HTTP: for tests and intranets only. */
  allowPrivate: boolean
}

export type Fetched = { status: 304; etag: string } | { status: 200; etag: string | null; bytes: Uint8Array }

const MAX_REDIRECTS = 5

/** The URL, if a request for this registry may go there; a WatchError saying why not. */
export function allowedUrl(net: Pick<Network, 'origin' | 'allowPrivate'>, raw: string, base?: string): URL {
  let url: URL
  try {
    url = new URL(raw, base)
  } catch {
    throw new WatchError('error', `${base ?? net.origin} links something that is not a URL`, 'Tell the vendor.')
  }
  if (url.origin !== net.origin)
    throw new WatchError(
      'error',
      `${base ?? net.origin} links ${url.origin}, another origin; the client reads a registry only on its own origin, ${net.origin}`,
      'A registry is served from one origin (format §3): tell the vendor.',
    )
  checkHost(url, net.allowPrivate)
  return url
}

/** Refuses plain HTTP and hosts that are not public, unless private addresses are allowed. */
export function checkHost(url: URL, allowPrivate: boolean): void {
  if (allowPrivate) {
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new WatchError('error', `${url.origin} is not http(s)`, 'Give the registry as https://host.')
    return
  }
  if (url.protocol !== 'https:')
    throw new WatchError(
      'error',
      `${url.origin} is not served over HTTPS`,
      'A registry must use HTTPS; for a test or an intranet host, pass --allow-private.',
    )
  const refused = refusedHost(url.hostname)
  if (refused)
    throw new WatchError(
      'error',
      `${url.origin} is ${refused}, not a public host; the client does not send requests there`,
      'If this registry really is on your own network, add it with --allow-private.',
    )
}

/** GET `url`, with `If-None-Match: etag` when one is known. */
export async function get(net: Network, url: string, etag?: string, accept = 'application/json'): Promise<Fetched> {
  const signal = AbortSignal.timeout(net.limits.timeoutMs)
  let at = allowedUrl(net, url)
  try {
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { Accept: accept }
      if (etag) headers['If-None-Match'] = etag
      const res = await net.fetch(at.href, { headers, redirect: 'manual', signal })
      if (res.status >= 300 && res.status < 400 && res.status !== 304) {
        await res.body?.cancel()
        const location = res.headers.get('Location')
        if (!location || hop >= MAX_REDIRECTS)
          throw new WatchError('error', `${url} redirects without end`, 'Ask the vendor to fix the redirect.')
        const next = new URL(location, at)
        if (next.origin !== net.origin)
          throw new WatchError(
            'error',
            `${url} redirects to another host, ${next.origin}; the client follows redirects only within ${net.origin}`,
            'If the vendor has moved, remove the registry and add its new address.',
          )
        at = allowedUrl(net, next.href)
        continue
      }
      if (res.status === 304) {
        await res.body?.cancel()
        return { status: 304, etag: res.headers.get('ETag') ?? etag ?? '' }
      }
      if (res.status !== 200) {
        await res.body?.cancel()
        throw new WatchError(
          'error',
          `${url} answered ${res.status}${res.status >= 500 ? ', a fault of the registry' : ''}`,
          res.status === 404 || res.status === 410
            ? 'The registry may have moved or closed: check its address with the vendor.'
            : 'Try again later; if it persists, tell the vendor.',
        )
      }
      return { status: 200, etag: res.headers.get('ETag'), bytes: await readBounded(res, url, net.limits.maxBytes) }
    }
  } catch (error) {
    throw asWatchError(error, url, net.limits)
  }
}

/** A network failure in words; the cause's own message only when it is the platform's, not the server's. */
export function asWatchError(error: unknown, url: string, limits: HttpLimits): WatchError {
  if (error instanceof WatchError) return error
  const name = (error as Error).name
  if (name === 'TimeoutError' || name === 'AbortError')
    return new WatchError(
      'error',
      `${url} did not answer within ${limits.timeoutMs / 1000} s`,
      'Try again later; raise --timeout if the registry is slow.',
    )
  const cause = (error as { cause?: { message?: unknown } }).cause?.message
  return new WatchError(
    'error',
    `${url} could not be reached${typeof cause === 'string' ? `: ${cause}` : ''}`,
    'Check the address and your network; the registry may have closed.',
  )
}

/** The body, refused as soon as it passes `maxBytes`. */
export async function readBounded(res: Response, url: string, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get('Content-Length'))
  const tooLarge = () =>
    new WatchError(
      'error',
      `${url} sent more than ${maxBytes} bytes; the client refuses a body that large`,
      'Raise --max-bytes if the registry really is that large.',
    )
  if (declared > maxBytes) {
    await res.body?.cancel()
    throw tooLarge()
  }
  if (!res.body) return new Uint8Array(0)
  const reader = res.body.getReader()
  const parts: Uint8Array[] = []
  let length = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    length += value.byteLength
    if (length > maxBytes) {
      await reader.cancel()
      throw tooLarge()
    }
    parts.push(value)
  }
  return concat(...parts)
}
