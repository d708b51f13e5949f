/**
 * A privacy team's edit of data/ changes no test but those that show data/ as it is served, and
 * those run on a copy of data/ edited as the docs say (test/system/following-the-docs.test.ts).
 * Every other test reads the fixture dataset; data/source/, the source document, never changes.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { TESTS_ON_WORKING_DATA } from '../support/working-data'

const ROOT = resolve(import.meta.dirname, '..', '..')
/** This check, and the trial that runs the readers on a copy. */
const TRIAL = ['test/unit/working-data.test.ts', 'test/system/following-the-docs.test.ts']

/** The ways a file could reach data/: an import or URL up to it, or a path joined onto the root. */
const READS_DATA = [/(?:\.\.\/)+data\/(?!source\/)/, /(?:ROOT|'\.\.'),\s*'data'\s*\)/]

async function testFiles(): Promise<string[]> {
  const entries = await readdir(join(ROOT, 'test'), { recursive: true, withFileTypes: true })
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.parentPath.includes('fixtures'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)))
    .sort()
}

describe('the tests and data/', () => {
  it('reach data/ only through test/support/working-data.ts', async () => {
    const direct: string[] = []
    for (const file of await testFiles()) {
      if (file === 'test/support/working-data.ts') continue
      const text = await readFile(join(ROOT, file), 'utf8')
      for (const pattern of READS_DATA) if (pattern.test(text)) direct.push(`${file}: ${pattern.exec(text)![0]}`)
    }
    expect(direct).toEqual([])
  })

  it('read the working data in exactly the tests run on a copy of data/ after the docs’ steps', async () => {
    const readers: string[] = []
    for (const file of await testFiles())
      if (!TRIAL.includes(file) && /from '\.\.\/support\/working-data'/.test(await readFile(join(ROOT, file), 'utf8')))
        readers.push(file)
    // The e2e suite's setup publishes the data its test file reads; its browser helper only names its artifacts.
    expect(readers.filter((file) => file.endsWith('.test.ts'))).toEqual([...TESTS_ON_WORKING_DATA].sort())
  })
})
