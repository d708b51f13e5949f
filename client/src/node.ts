/**
 * The client on Node: the JSON file store, and a fetch that refuses a connection to an address
 * that is not public, whatever name led there (a name that resolves to 10.0.0.7, 127.0.0.1 or
 * 169.254.169.254), checked on the addresses the connection is made to, so that a name rebound
 * between a check and the request does not get through.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { Agent, fetch as undiciFetch } from 'undici'
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

/**
 * A fetch whose connections go only to public addresses (unless `allowPrivate`), with the name's
 * every address checked as it is resolved for the connection. `lookup` is for tests.
 */
export function guardedFetch({
  allowPrivate = false,
  lookup = dnsLookup,
}: {
  allowPrivate?: boolean
  lookup?: Lookup
} = {}): Fetch {
  if (allowPrivate) return (input, init) => fetch(input, init)
  const guarded = ((hostname: string, options: object, callback: (...args: unknown[]) => void) => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error)
      const list = addresses as unknown as LookupAddress[]
      const refused = list.map((a) => [a.address, refusedAddress(a.address)] as const).find(([, why]) => why)
      if (refused) {
        const failure = Object.assign(new Error(`${hostname} resolves to ${refused[0]}, ${refused[1]}`), {
          code: 'EREFUSED_PRIVATE',
        })
        return callback(failure)
      }
      if ((options as { all?: boolean }).all) return callback(null, list)
      callback(null, list[0]!.address, list[0]!.family)
    })
  }) as unknown as Lookup
  const dispatcher = new Agent({ connect: { lookup: guarded } })
  return (input, init) => undiciFetch(input, { ...(init as object), dispatcher }) as unknown as Promise<Response>
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
