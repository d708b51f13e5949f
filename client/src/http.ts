/**
 * Every request the client makes: bounded in time and size, conditional on the last ETag, and
 * never led off the registry's own origin by a redirect. Each failure says which URL, and what.
 */

export interface HttpLimits {
  /** Per request, headers and body together. */
  timeoutMs: number
  /** A body larger than this is refused while it is read, not after. */
  maxBytes: number
}

export const DEFAULT_LIMITS: HttpLimits = { timeoutMs: 15_000, maxBytes: 5 * 1024 * 1024 }

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>

/** What went wrong with a registry: `evidence` when it contradicts its own signed log, `error` otherwise. */
export class WatchError extends Error {
  constructor(
    readonly kind: 'error' | 'evidence',
    message: string,
    /** What the person running the check can do about it. */
    readonly hint: string,
  ) {
    super(message)
  }
}

export type Fetched = { status: 304; etag: string } | { status: 200; etag: string | null; bytes: Uint8Array }

const MAX_REDIRECTS = 5

/** GET `url`, with `If-None-Match: etag` when one is known. */
export async function get(
  fetcher: Fetch,
  url: string,
  etag: string | undefined,
  limits: HttpLimits,
  accept = 'application/json',
): Promise<Fetched> {
  const origin = new URL(url).origin
  const signal = AbortSignal.timeout(limits.timeoutMs)
  let at = url
  try {
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { Accept: accept }
      if (etag) headers['If-None-Match'] = etag
      const res = await fetcher(at, { headers, redirect: 'manual', signal })
      if (res.status >= 300 && res.status < 400 && res.status !== 304) {
        await res.body?.cancel()
        const location = res.headers.get('Location')
        if (!location || hop >= MAX_REDIRECTS)
          throw new WatchError('error', `${url} redirects without end`, 'Ask the vendor to fix the redirect.')
        const next = new URL(location, at)
        if (next.origin !== origin)
          throw new WatchError(
            'error',
            `${url} redirects to another host, ${next.origin}; the client follows redirects only within ${origin}`,
            `If the vendor has moved, remove the registry and add its new address.`,
          )
        at = next.href
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
      return { status: 200, etag: res.headers.get('ETag'), bytes: await readBounded(res, url, limits.maxBytes) }
    }
  } catch (error) {
    if (error instanceof WatchError) throw error
    const name = (error as Error).name
    if (name === 'TimeoutError' || name === 'AbortError')
      throw new WatchError(
        'error',
        `${url} did not answer within ${limits.timeoutMs / 1000} s`,
        'Try again later; raise --timeout if the registry is slow.',
      )
    throw new WatchError(
      'error',
      `${url} could not be reached: ${(error as Error).message}`,
      'Check the address and your network; the registry may have closed.',
    )
  }
}

async function readBounded(res: Response, url: string, maxBytes: number): Promise<Uint8Array> {
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
  const bytes = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    bytes.set(part, offset)
    offset += part.byteLength
  }
  return bytes
}

/** The body as JSON, or an error naming the URL. */
export function parseJson(bytes: Uint8Array, url: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes))
  } catch (error) {
    throw new WatchError(
      'error',
      `${url} is not valid JSON: ${(error as Error).message}`,
      'The registry served a broken document; tell the vendor.',
    )
  }
}

/** Runs tasks with at most `total` at once, and at most `perHost` at once against any one host. */
export function limiter(total: number, perHost: number) {
  let running = 0
  const byHost = new Map<string, number>()
  const waiting: { host: string; start: () => void }[] = []
  const next = () => {
    for (let i = 0; i < waiting.length && running < total; i++) {
      const task = waiting[i]!
      if ((byHost.get(task.host) ?? 0) >= perHost) continue
      waiting.splice(i--, 1)
      task.start()
    }
  }
  return async function run<T>(host: string, task: () => Promise<T>): Promise<T> {
    await new Promise<void>((start) => {
      waiting.push({
        host,
        start: () => {
          running++
          byHost.set(host, (byHost.get(host) ?? 0) + 1)
          start()
        },
      })
      next()
    })
    try {
      return await task()
    } finally {
      running--
      byHost.set(host, byHost.get(host)! - 1)
      next()
    }
  }
}
