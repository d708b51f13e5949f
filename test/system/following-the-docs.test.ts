/**
 * A privacy team that follows docs/changing-the-data.md must not break the build. On a copy of
 * data/, this does what the doc says, with its own commands: announce the doc's example addition,
 * amend it, and add a language. Then the data validates, the dry run shows the one record, and the
 * tests that read data/ (the docs' commands, the page in Chromium) pass on the copy. Every other
 * test reads the fixture dataset (test/unit/working-data.test.ts holds them to it).
 */
import { execFile } from 'node:child_process'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify, stripVTControlCharacters } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from '../support/harness'
import { TESTS_ON_WORKING_DATA, WORKING_DATA } from '../support/working-data'

const run = promisify(execFile)
const OFFLINE = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' }
/** A documented command, as the doc gives it, on the copy. */
const npm = (script: string, ...args: string[]) =>
  run('npm', ['run', '--silent', script, '--', ...args, '--data', data], { cwd: ROOT, env: OFFLINE })

let work: string
let data: string
let languages: string[]
let added: string

/** Every text in the declared languages gains the new one: the English, marked, as a translator's stand-in. */
function translate(node: unknown, into: string): void {
  if (!node || typeof node !== 'object') return
  if (Array.isArray(node)) {
    for (const child of node) translate(child, into)
    return
  }
  const record = node as Record<string, unknown>
  if (languages.every((lang) => typeof record[lang] === 'string') && Object.keys(record).length === languages.length) {
    record[into] = `[${into}] ${record.en}`
    return
  }
  for (const child of Object.values(record)) translate(child, into)
}
const editJson = async (file: string, edit: (value: any) => void) => {
  const value = JSON.parse(await readFile(join(data, file), 'utf8'))
  edit(value)
  await writeFile(join(data, file), `${JSON.stringify(value, null, 2)}\n`)
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'registry-docs-'))
  data = join(work, 'data')
  await cp(WORKING_DATA, data, { recursive: true })
  languages = JSON.parse(await readFile(join(data, 'registry.json'), 'utf8')).languages
})
afterAll(() => rm(work, { recursive: true, force: true }))

describe("docs/changing-the-data.md's steps, on a copy of data/", () => {
  it('announces the example addition with `npm run announce`, at the earliest date the notice allows', async () => {
    const doc = await readFile(join(ROOT, 'docs', 'changing-the-data.md'), 'utf8')
    const example = JSON.parse(/^ {3}```json\n([\s\S]*?)^ {3}```/m.exec(doc)![1]!.replace(/^ {3}/gm, ''))
    const entry = example.announcements.find((a: { add?: unknown }) => a.add).add
    // In whatever languages data/ has: one the example lacks gets a stand-in, one data/ lacks goes.
    for (const text of [entry.purpose, entry.location.text])
      for (const lang of Object.keys(text)) if (!languages.includes(lang)) delete text[lang]
    for (const lang of languages) {
      entry.purpose[lang] ??= `[${lang}] ${entry.purpose.en}`
      entry.location.text[lang] ??= `[${lang}] ${entry.location.text.en}`
    }
    added = entry.id
    await writeFile(join(work, 'entry.json'), JSON.stringify(entry))
    const { stdout } = await npm('announce', 'add', '--entry', join(work, 'entry.json'))
    expect(stdout).toMatch(new RegExp(`^Announced the addition of ${added} for \\d{4}-\\d{2}-\\d{2}\\.`))
  })

  it('amends it to a later date, under the same announcement', async () => {
    const { announcements } = JSON.parse(await readFile(join(data, 'announcements.json'), 'utf8'))
    const mine = announcements.find((a: { add?: { id: string } }) => a.add?.id === added)
    const later = new Date(Date.parse(mine.effective) + 14 * 24 * 60 * 60 * 1000).toISOString().slice(0, 10)
    await npm('announce', 'amend', added, '--effective', later)
    const { stdout } = await npm('announce', 'list')
    expect(stdout).toContain(added)
    expect(stdout).toContain(later)
  })

  it('adds a language: registry.json, a locale named in its own language, and every text', async () => {
    const code = ['fr', 'fi', 'pl', 'et'].find((lang) => !languages.includes(lang))!
    for (const file of ['registry.json', 'subprocessors.json', 'regions.json', 'announcements.json'])
      await editJson(file, (value) => translate(value, code))
    await editJson('registry.json', (registry) => registry.languages.push(code))
    const english = JSON.parse(await readFile(join(data, 'locales', 'en.json'), 'utf8'))
    const names: Record<string, string> = { fr: 'Français', fi: 'Suomi', pl: 'Polski', et: 'Eesti' }
    const mark = (value: unknown): unknown =>
      typeof value === 'string'
        ? `[${code}] ${value}`
        : Object.fromEntries(Object.entries(value as object).map(([key, inner]) => [key, mark(inner)]))
    await writeFile(
      join(data, 'locales', `${code}.json`),
      JSON.stringify({
        ...english,
        name: names[code],
        translation: { ...english.translation, notice: mark(english.translation.notice) },
        labels: mark(english.labels),
      }),
    )
    const { stdout } = await npm('validate')
    expect(stdout).toMatch(/^\S+ is valid: \d+ sub-processors, \d+ regions\.\n$/)
  })

  it('shows, in the dry run, the one record the publish would sign', async () => {
    const { stdout } = await npm('publish-data', '--dry-run')
    const records = stdout.split('\n').filter((line) => /^ {2}(added|removed|modified|corrected) /.test(line))
    expect(records).toEqual([expect.stringMatching(new RegExp(`^ {2}added +${added} `))])
    expect(stdout).toContain('Dry run: nothing written.')
  })

  it('leaves green the tests that read data/, run on the copy', async () => {
    const projects = TESTS_ON_WORKING_DATA.flatMap((file) => ['--project', file.split('/')[1]!])
    const outcome = await run(
      process.execPath,
      [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...projects, ...TESTS_ON_WORKING_DATA],
      { cwd: ROOT, env: { ...OFFLINE, REGISTRY_DATA: data }, maxBuffer: 64 * 1024 * 1024 },
    ).catch((failed: { stdout: string; stderr: string }) => failed)
    const printed = stripVTControlCharacters(`${outcome.stdout}\n${outcome.stderr}`)
    expect(printed, printed.slice(-4000)).toMatch(/Test Files {2}\d+ passed \(\d+\)/)
  }, 600_000)
})
