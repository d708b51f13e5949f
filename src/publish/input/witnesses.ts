/**
 * The witness policy in data/registry.json (`evidence.witnessPolicy`, C2SP tlog-policy lines):
 * it must parse, each witness needs the URL its checkpoints are submitted to, over HTTPS unless
 * the witness runs on this machine. Async, as reading a key computes its id.
 */
import { PolicyError, parsePolicy } from '../../../client/src/cosign/policy'
import type { Problem } from './validate'

const FIELD = 'evidence.witnessPolicy'

export async function witnessPolicyProblems(registry: unknown, file: string): Promise<Problem[]> {
  const lines = (registry as { evidence?: { witnessPolicy?: unknown } } | null)?.evidence?.witnessPolicy
  if (!Array.isArray(lines) || !lines.every((line) => typeof line === 'string')) return []
  const problem = (message: string): Problem => ({ file, entry: null, field: FIELD, message })
  let policy: Awaited<ReturnType<typeof parsePolicy>>
  try {
    policy = await parsePolicy(lines.join('\n'))
  } catch (error) {
    if (error instanceof PolicyError) return [problem(error.message)]
    throw error
  }
  const problems: Problem[] = []
  if (policy.witnesses.length === 0) problems.push(problem('names no witness: leave witnessPolicy out instead'))
  for (const { name, url } of policy.witnesses) {
    if (!url) problems.push(problem(`the witness ${name} has no URL: add its submission prefix after its key`))
    else if (url.startsWith('http:') && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(url))
      problems.push(problem(`the witness ${name} is reached over plain HTTP: use https://`))
  }
  return problems
}
