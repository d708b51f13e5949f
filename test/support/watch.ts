// Runs the subprocessor-watch CLI as a user's shell does, from its TypeScript source.
import { join } from 'node:path'
import { ROOT, tsx } from './harness'

export const WATCH_CLI = join(ROOT, 'client', 'src', 'cli.ts')

export async function watch(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await tsx(WATCH_CLI, args)
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    if (typeof failed.code !== 'number') throw error
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

/** The state file's registries without the record of the last check: what a failed check must not touch. */
export function withoutLastCheck(text: string): unknown {
  const state = JSON.parse(text) as { registries: Record<string, { lastCheck?: unknown }> }
  for (const registry of Object.values(state.registries)) delete registry.lastCheck
  return state
}
