/**
 * What a command may touch of the world, passed in rather than reached for: its output, its
 * terminal, its clock and network, and a signal to stop a long-running command. The tests run
 * every command in-process through this; `nodeIo()` is the real one.
 */
import type { lookup } from 'node:dns'
import { createInterface } from 'node:readline/promises'
import type { Fetch } from '../http.js'

export interface Io {
  stdout(text: string): void
  stderr(text: string): void
  /** Whether a person is at the terminal: prompts and progress only then. */
  interactive: { stdin: boolean; stderr: boolean }
  /** Asks a question on the terminal and returns the answer. */
  ask(question: string): Promise<string>
  env: Record<string, string | undefined>
  /** Instead of the guarded Node fetch: a test's, or a Worker's. */
  fetch?: Fetch
  /** Instead of the system resolver, for the guarded fetch: a test's. */
  lookup?: typeof lookup
  now?: () => number
  /** Stops a command that serves (receive, subscribe's listener). */
  signal?: AbortSignal
  /** Called once a serving command listens, with its address. */
  onListening?: (url: string) => void
}

export function nodeIo(): Io {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    interactive: { stdin: Boolean(process.stdin.isTTY), stderr: Boolean(process.stderr.isTTY) },
    ask: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stdout })
      try {
        return await rl.question(question)
      } finally {
        rl.close()
      }
    },
    env: process.env,
  }
}
