import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  DATA_FILES,
  type DataFiles,
  LOCALES_FOLDER,
  localeFile,
  type Problem,
  type Validation,
  validateRegistry,
} from '../publish/input/validate'
import { witnessPolicyProblems } from '../publish/input/witnesses'

/** Reads and validates data/: a file that is missing or not JSON is a problem like any other. */
export async function loadData(dir: string): Promise<Validation> {
  const problems: Problem[] = []
  const read = async (file: string) => {
    const path = join(dir, file)
    try {
      return JSON.parse(await readFile(path, 'utf8')) as unknown
    } catch (error) {
      problems.push({ file: path, entry: null, field: '(whole file)', message: (error as Error).message })
    }
  }
  const parsed: Record<string, unknown> = {}
  for (const [name, file] of Object.entries(DATA_FILES)) parsed[name] = await read(file)
  // No prototype: a file named __proto__.json is a locale like any other, never the object's prototype.
  const locales: Record<string, unknown> = Object.create(null)
  const localeNames = await readdir(join(dir, LOCALES_FOLDER)).catch(() => [])
  for (const name of localeNames.filter((name) => name.endsWith('.json'))) {
    const lang = name.slice(0, -'.json'.length)
    locales[lang] = await read(localeFile(lang))
  }
  if (problems.length) return { ok: false, problems }
  const result = validateRegistry({ ...(parsed as Omit<DataFiles, 'locales'>), locales })
  const witnesses = await witnessPolicyProblems(parsed.registry, DATA_FILES.registry)
  if (result.ok && witnesses.length === 0) return result
  return {
    ok: false,
    problems: [...(result.ok ? [] : result.problems), ...witnesses].map((problem) => ({
      ...problem,
      file: join(dir, problem.file),
    })),
  }
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
