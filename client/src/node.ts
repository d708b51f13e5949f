/**
 * The client on Node: the JSON file store, and a fetch that refuses a connection to an address
 * that is not public, whatever name led there (a name that resolves to 10.0.0.7, 127.0.0.1 or
 * 169.254.169.254), checked on the addresses the connection is made to, so that a name rebound
 * between a check and the request does not get through.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { Agent as HttpAgent, request as httpRequest } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { Readable } from 'node:stream'
import { parseIpv4, refusedIpv4, refusedIpv6 } from './address.js'
import type { Fetch } from './http.js'
import { emptyState, parseState, serialize, type StateStore, type WatchState } from './state.js'
import { type WatchOptions, Watcher } from './watcher.js'

/** How long a run waits for another run's lock on the state file, and when a lock is abandoned. */
const LOCK_WAIT_MS = 30_000
const LOCK_STALE_MS = 120_000

export class JsonFileStore implements StateStore {
  constructor(readonly path: string) {}

  async load(): Promise<WatchState> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState()
      throw error
    }
    return parseState(text, this.path)
  }

  /** Read, change and write the state under a lock file, so that two runs never lose each other's work. */
  async update(change: (state: WatchState) => void, onUnsaved?: (url: string) => void): Promise<WatchState> {
    const release = await this.lock()
    try {
      const stored = await this.load()
      const next = await this.load()
      change(next)
      await this.write(serialize(next, stored, onUnsaved))
      return next
    } finally {
      await release()
    }
  }

  /** A temporary file, synced, then renamed over the old one: the state is replaced whole or not at all. */
  private async write(text: string): Promise<void> {
    const temporary = `${this.path}.${process.pid}.tmp`
    const file = await open(temporary, 'w', 0o600)
    try {
      await file.writeFile(text)
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(temporary, this.path)
  }

  private async lock(): Promise<() => Promise<void>> {
    const path = `${this.path}.lock`
    const started = Date.now()
    for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
      try {
        await writeFile(path, String(process.pid), { flag: 'wx', mode: 0o600 })
        return () => rm(path, { force: true })
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
      // A lock left by a run that died is taken over once it is clearly abandoned.
      const age = await stat(path).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      )
      if (age > LOCK_STALE_MS) await rm(path, { force: true })
      else if (Date.now() - started > LOCK_WAIT_MS)
        throw new Error(`${this.path} is locked by another run (${path}); try again when it has finished`)
      await new Promise((resolve) => setTimeout(resolve, wait))
    }
  }
}

/** Why an address may not be connected to, or null for a public one. */
export function refusedAddress(address: string): string | null {
  return parseIpv4(address) !== null ? refusedIpv4(parseIpv4(address)!) : refusedIpv6(address)
}

type Lookup = typeof dnsLookup

const NULL_BODY = new Set([101, 204, 205, 304])

/**
 * A fetch whose connections go only to public addresses (unless `allowPrivate`): every address a
 * name resolves to is checked as the connection is made, so a name rebound after a check does not
 * get through. On `node:http` and `node:https` with their `lookup` hook: the client needs no HTTP
 * library of its own. It asks for no compression (a small body cannot unpack into a large one),
 * and follows no redirect: `http.ts` decides. `lookup` is for tests.
 */
export function guardedFetch({
  allowPrivate = false,
  lookup = dnsLookup,
}: {
  allowPrivate?: boolean
  lookup?: Lookup
} = {}): Fetch {
  const guarded = ((hostname: string, options: object, callback: (...args: unknown[]) => void) => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error)
      const list = addresses as unknown as LookupAddress[]
      const refused = list.map((a) => [a.address, refusedAddress(a.address)] as const).find(([, why]) => why)
      if (refused) return callback(new Error(`${hostname} resolves to ${refused[0]}, ${refused[1]}`))
      if ((options as { all?: boolean }).all) return callback(null, list)
      callback(null, list[0]!.address, list[0]!.family)
    })
  }) as unknown as Lookup
  const agents = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) }
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input)
      const secure = url.protocol === 'https:'
      if (!secure && url.protocol !== 'http:') return reject(new TypeError(`${url.protocol} is not http(s)`))
      const signal = init.signal ?? undefined
      const request = (secure ? httpsRequest : httpRequest)(
        url,
        {
          method: init.method ?? 'GET',
          headers: Object.fromEntries(new Headers(init.headers)),
          agent: agents[url.protocol as 'http:' | 'https:'],
          ...(allowPrivate ? {} : { lookup: guarded }),
          signal,
        },
        (res) => {
          const status = res.statusCode ?? 0
          const headers = new Headers()
          for (const [name, value] of Object.entries(res.headers))
            for (const one of Array.isArray(value) ? value : [value])
              if (one !== undefined) headers.append(name, String(one))
          if (NULL_BODY.has(status)) res.resume()
          const body = NULL_BODY.has(status) ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>)
          resolve(new Response(body, { status, statusText: res.statusMessage ?? '', headers }))
        },
      )
      // As WHATWG fetch fails: an abort as its reason, anything else as a TypeError whose cause says what.
      request.on('error', (error) =>
        reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: error })),
      )
      request.end(typeof init.body === 'string' ? init.body : undefined)
    })
}

/**
 * A watcher on Node as the command line makes one: its state in a JSON file, and requests through
 * `guardedFetch`, so that only registries added with `allowPrivate` reach a private address.
 */
export function fileWatcher(path: string, options: WatchOptions & { lookup?: Lookup } = {}): Watcher {
  const { lookup, ...rest } = options
  return new Watcher(new JsonFileStore(path), {
    fetch: guardedFetch({ lookup }),
    privateFetch: guardedFetch({ allowPrivate: true }),
    ...rest,
  })
}

export * from './index.js'
