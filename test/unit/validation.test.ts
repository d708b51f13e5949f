/**
 * `npm run validate` on data a privacy team might write: every problem in one pass, with its
 * file, entry and field, and none that is not one; a locale copied from another language's;
 * characters that reverse, hide or disguise a name; a locale file named __proto__.
 */
import { cp, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatProblem, loadData } from '../../src/cli/load-data'
import { FIXTURE_DATA } from '../support/harness'

let work: string
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'validation-'))
})
afterAll(() => rm(work, { recursive: true, force: true }))

let copies = 0
/** A copy of the fixture dataset, changed by `edit`; its problems as `npm run validate` prints them. */
async function problemsOf(edit: (dir: string) => Promise<void>): Promise<string[]> {
  const dir = join(work, `data-${copies++}`)
  await cp(FIXTURE_DATA, dir, { recursive: true })
  await edit(dir)
  const result = await loadData(dir)
  return result.ok
    ? []
    : result.problems.map((problem) => formatProblem({ ...problem, file: problem.file.slice(dir.length + 1) }))
}

const json = async (dir: string, file: string, change: (value: any) => void) => {
  const value = JSON.parse(await readFile(join(dir, file), 'utf8'))
  change(value)
  await writeFile(join(dir, file), JSON.stringify(value, null, 2))
}

describe('npm run validate', () => {
  it('names every problem of a new language in one pass, and no false one', async () => {
    const problems = await problemsOf(async (dir) => {
      await json(dir, 'registry.json', (registry) => registry.languages.push('fr'))
      await cp(join(dir, 'locales', 'en.json'), join(dir, 'locales', 'fr.json'))
      await json(dir, 'announcements.json', (file) =>
        file.announcements.push({ remove: 'openai', effective: '2027-03-01' }),
      )
    })
    // Each file that holds a text, each entry, and the locale copied from English: all at once.
    const files = new Set(problems.map((problem) => problem.split(' › ')[0]))
    expect([...files].sort()).toEqual(['locales/fr.json', 'regions.json', 'registry.json', 'subprocessors.json'])
    expect(problems).toContain('subprocessors.json › twilio › purpose.fr: the fr text is missing')
    expect(problems).toContain(
      'locales/fr.json › name: "English" is not what fr calls itself ("français"): was this file copied from another language\'s?',
    )
    // The announcement names an entry that is there, though the entry lacks its French.
    expect(problems.filter((problem) => problem.startsWith('announcements.json'))).toEqual([])
  })

  it.each([
    ['a right-to-left override', 'Twilio\u202e, Inc.', 'U+202E'],
    ['a zero-width space', 'Twi\u200blio, Inc.', 'U+200B'],
    ['an escape sequence', 'Twilio\u001b[31m, Inc.', 'U+001B'],
  ])('refuses a name with %s', async (_name, name, code) => {
    const problems = await problemsOf((dir) =>
      json(dir, 'subprocessors.json', (file) => {
        file.subprocessors.find((entry: { id: string }) => entry.id === 'twilio').name = name
      }),
    )
    expect(problems).toEqual([
      `subprocessors.json › twilio › name: holds ${code}, a control, bidi or invisible character: it can reverse, hide or disguise what readers see`,
    ])
  })

  it('refuses a name that mixes Latin letters with a look-alike from another script', async () => {
    const problems = await problemsOf((dir) =>
      json(dir, 'subprocessors.json', (file) => {
        // The second letter is Cyrillic і (U+0456).
        file.subprocessors.find((entry: { id: string }) => entry.id === 'twilio').name = 'Twіlio, Inc.'
      }),
    )
    expect(problems).toEqual([
      'subprocessors.json › twilio › name: mixes Latin and Cyrillic letters ("Twіlio, Inc."): one may be a look-alike of another; write the name in one script',
    ])
  })

  it('reads a locale file named __proto__.json as a locale, never as the prototype of the others', async () => {
    const problems = await problemsOf((dir) =>
      rename(join(dir, 'locales', 'de.json'), join(dir, 'locales', '__proto__.json')),
    )
    expect(problems).toEqual([
      'locales/de.json › (whole file): registry.json declares "de", but there is no locales/de.json',
      'locales/__proto__.json › (whole file): "__proto__" is not in the languages registry.json declares',
    ])
  })
})
