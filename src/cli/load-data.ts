import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DATA_FILES, type Problem, type Validation, validateRegistry } from '../publish/validate'

/** Reads and validates data/: a file that is missing or not JSON is a problem like any other. */
export async function loadData(dir: string): Promise<Validation> {
  const problems: Problem[] = []
  const parsed: Record<string, unknown> = {}
  for (const [name, file] of Object.entries(DATA_FILES)) {
    const path = join(dir, file)
    try {
      parsed[name] = JSON.parse(await readFile(path, 'utf8'))
    } catch (error) {
      problems.push({ file: path, entry: null, field: '(whole file)', message: (error as Error).message })
    }
  }
  if (problems.length) return { ok: false, problems }
  const result = validateRegistry(parsed as Record<keyof typeof DATA_FILES, unknown>)
  if (result.ok) return result
  return { ok: false, problems: result.problems.map((problem) => ({ ...problem, file: join(dir, problem.file) })) }
}

export function formatProblem({ file, entry, field, message }: Problem): string {
  return `${file}${entry ? ` › ${entry}` : ''} › ${field}: ${message}`
}

/** Prints every problem and exits non-zero, or hands back the valid data. */
export async function loadDataOrExit(dir: string) {
  const result = await loadData(dir)
  if (result.ok) return result.data
  console.error(`${result.problems.length} problem${result.problems.length === 1 ? '' : 's'} in ${dir}:`)
  for (const problem of result.problems) console.error(`  ${formatProblem(problem)}`)
  process.exit(1)
}
