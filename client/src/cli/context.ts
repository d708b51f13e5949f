/**
 * What every command is given: its arguments, its options, the world (`Io`), and the objects
 * built from them on demand. Human output goes through `line`, which shows any control or bidi
 * character a registry sent as its code point; `json` keeps the data as it came.
 */
import { readFile } from 'node:fs/promises'
import { DEFAULT_LIMITS } from '../http.js'
import { fileWatcher, JsonFileStore } from '../node.js'
import { forTerminal } from '../text.js'
import type { WatchOptions, Watcher } from '../watcher.js'
import { UsageError } from './exit.js'
import type { Io } from './io.js'

export interface Options {
  state: string
  json: boolean
  help: boolean
  'allow-private': boolean
  key?: string
  lang?: string
  yes: boolean
  from?: string
  to?: string
  format?: string
  port?: string
  secret?: string
  log: string
  endpoint?: string
  regions?: string
  languages?: string
  events?: string
  evidence?: string
  timeout?: string
  'max-bytes'?: string
  'max-log-growth'?: string
  concurrency?: string
  'per-host'?: string
  name?: string
  out?: string
  logs?: string
  'witness-state': string
  policy?: string
  note: boolean
  reason?: string
  text?: string
  'receipt-key'?: string
  receipts: string
}

export interface Context {
  io: Io
  options: Options
  args: string[]
  /** One line for a person: control and bidi characters shown as code points. */
  line(text?: string): void
  /** One line for a person, on stderr. */
  warn(text: string): void
  /** A value for a machine. */
  json(value: unknown): void
  store(): JsonFileStore
  watcher(onProgress?: WatchOptions['onProgress'], policy?: string): Watcher
  /** The witness policy file's text (--policy), or undefined when none is given. */
  policy(): Promise<string | undefined>
  /** A positive number option, or a usage error naming it. */
  number(name: keyof Options): number | undefined
  /** The nth argument, or a usage error saying what is missing. */
  arg(index: number, what: string): string
}

export function context(io: Io, options: Options, args: string[]): Context {
  const ctx: Context = {
    io,
    options,
    args,
    line: (text = '') => io.stdout(`${forTerminal(text)}\n`),
    warn: (text) => io.stderr(`${forTerminal(text)}\n`),
    json: (value) => io.stdout(`${JSON.stringify(value, null, 2)}\n`),
    store: () => new JsonFileStore(options.state),
    policy: async () => {
      if (options.policy === undefined) return undefined
      try {
        return await readFile(options.policy, 'utf8')
      } catch {
        throw new UsageError(`cannot read the witness policy ${options.policy}`)
      }
    },
    watcher: (onProgress, policy) =>
      fileWatcher(options.state, {
        ...(policy !== undefined ? { policy } : {}),
        ...(io.fetch ? { fetch: io.fetch, privateFetch: io.fetch } : {}),
        lookup: io.lookup,
        allowPrivate: options['allow-private'],
        limits: {
          timeoutMs: (ctx.number('timeout') ?? DEFAULT_LIMITS.timeoutMs / 1000) * 1000,
          maxBytes: ctx.number('max-bytes') ?? DEFAULT_LIMITS.maxBytes,
        },
        log: options['max-log-growth'] ? { maxGrowth: ctx.number('max-log-growth')! } : {},
        concurrency: ctx.number('concurrency'),
        perHost: ctx.number('per-host'),
        now: io.now,
        onProgress,
      }),
    number: (name) => {
      const value = options[name]
      if (value === undefined) return undefined
      const parsed = Number(value)
      if (typeof value !== 'string' || !Number.isFinite(parsed) || parsed <= 0)
        throw new UsageError(`--${name} must be a positive number`)
      return parsed
    },
    arg: (index, what) => {
      const value = args[index]
      if (value === undefined) throw new UsageError(what)
      return value
    },
  }
  return ctx
}
