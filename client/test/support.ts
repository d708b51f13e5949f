/**
 * The client's commands run in-process, as a user's shell runs them: `run(...argv)` gives the exit
 * code and what was printed. Registries are static files served on loopback (the repository's
 * test/support/static-registry), each case changing what they serve.
 */
import { main } from '../src/cli/main'
import type { Io } from '../src/cli/io'

export interface Ran {
  code: number
  stdout: string
  stderr: string
}

export interface RunOptions extends Partial<Omit<Io, 'stdout' | 'stderr'>> {
  /** Answers to the terminal's questions, in order; a person is at the terminal when given. */
  answers?: string[]
}

export async function run(argv: string[], options: RunOptions = {}): Promise<Ran> {
  let stdout = ''
  let stderr = ''
  const answers = [...(options.answers ?? [])]
  const io: Io = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    interactive: options.interactive ?? { stdin: options.answers !== undefined, stderr: false },
    ask: async (question) => {
      stdout += question
      return answers.shift() ?? ''
    },
    env: options.env ?? {},
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.lookup ? { lookup: options.lookup } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onListening ? { onListening: options.onListening } : {}),
  }
  const code = await main(argv, io)
  return { code, stdout, stderr }
}

/** A fetch that records every URL it is asked for, then fetches it. */
export function recording(): { fetch: (input: string, init?: RequestInit) => Promise<Response>; urls: string[] } {
  const urls: string[] = []
  return {
    urls,
    fetch: (input, init) => {
      urls.push(input)
      return fetch(input, init)
    },
  }
}

/** The state file's text without its record of the checks: what a failed check must leave byte for byte. */
export const withoutChecks = (text: string) => text.slice(0, text.indexOf('\n"checks": {'))

/** A command that serves until stopped (`receive`): where it listens, and a stop that gives what it ran to. */
export async function serving(
  argv: string[],
  options: RunOptions = {},
): Promise<{ url: string; stop: () => Promise<Ran> }> {
  const stopper = new AbortController()
  let listening: (url: string) => void = () => {}
  const started = new Promise<string>((resolve) => {
    listening = resolve
  })
  const running = run(argv, { ...options, signal: stopper.signal, onListening: listening })
  const url = await Promise.race([
    started,
    running.then((ran) => Promise.reject(new Error(`it stopped: ${ran.stderr}`))),
  ])
  return {
    url,
    stop: () => {
      stopper.abort()
      return running
    },
  }
}
