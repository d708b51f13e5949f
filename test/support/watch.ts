// Runs the subprocessor-watch CLI as a user's shell does, from its TypeScript source.
import { readFile } from 'node:fs/promises'
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

/**
 * The format's published JSON Schema (docs/format/1.0.schema.json), as any reader would load it:
 * `follows('List', doc)` is the validation errors of `doc` against one of its documents.
 */
export async function formatSchema(): Promise<(name: string, doc: unknown) => unknown[]> {
  const { Ajv2020 } = await import('ajv/dist/2020.js')
  const addFormats = (await import('ajv-formats')).default as unknown as { default: (ajv: unknown) => void }
  const ajv = new Ajv2020({ allErrors: true, strict: true })
  addFormats.default(ajv)
  const schema = JSON.parse(await readFile(join(ROOT, 'docs', 'format', '1.0.schema.json'), 'utf8'))
  ajv.addSchema(schema)
  return (name, doc) => {
    const validate = ajv.getSchema(`${schema.$id}#/$defs/${name}`)!
    return validate(doc) ? [] : (validate.errors ?? [])
  }
}
