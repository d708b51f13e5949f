/**
 * `npm run announce -- <what> …`: announces, amends or withdraws a change in data/announcements.json,
 * and checks the data before it keeps the edit. What it asks for, it asks on the terminal when a
 * flag does not give it; a script gives every flag.
 *
 *   list                                          what is announced, with each one's date
 *   add --entry FILE [--effective DATE]           a whole new entry, from a JSON file
 *   remove ID [--effective DATE]                  an entry, from a date
 *   change ID --set FIELD=JSON … [--effective DATE]  fields of an entry, from a date
 *   amend ID [--effective DATE] [--set FIELD=JSON …] the announcement about ID, under its own id
 *   withdraw ID                                   the announcement about ID, taken back
 *
 * A date that needs notice defaults to the earliest the notice period allows; `npm run
 * publish-data -- --dry-run` then shows the records the publish will sign.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline/promises'
import { parseArgs } from 'node:util'
import type { Announcement } from '../publish/input/schema'
import { DATA_FILES } from '../publish/input/validate'
import { formatProblem, loadData } from './load-data'

const DAY_MS = 24 * 60 * 60 * 1000

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    data: { type: 'string', default: 'data' },
    entry: { type: 'string' },
    effective: { type: 'string' },
    set: { type: 'string', multiple: true },
  },
})

const [what, id] = positionals
const file = join(values.data, DATA_FILES.announcements)
const terminal = process.stdin.isTTY ? createInterface({ input: process.stdin, output: process.stdout }) : null

function fail(message: string): never {
  console.error(message)
  process.exit(64)
}

async function ask(question: string, given: string | undefined, fallback?: string): Promise<string> {
  if (given !== undefined) return given
  if (!terminal) {
    if (fallback !== undefined) return fallback
    fail(`${question}: give it as a flag (see the top of src/cli/announce.ts)`)
  }
  const answer = (await terminal.question(`${question}${fallback ? ` [${fallback}]` : ''}: `)).trim()
  return answer || fallback || ask(question, undefined, fallback)
}

const loaded = await loadData(values.data)
if (!loaded.ok) {
  for (const problem of loaded.problems) console.error(`  ${formatProblem(problem)}`)
  fail(`${values.data} has problems already: fix them first (npm run validate).`)
}
const data = loaded.data
const announcements: Announcement[] = JSON.parse(await readFile(file, 'utf8')).announcements
const idOf = (a: Announcement) => (a.add?.id ?? a.remove ?? a.change)!
/** The first date a change that needs notice may take effect: a full notice period from now, at midnight UTC. */
const earliest = new Date(Math.ceil((Date.now() + data.registry.notice.periodDays * DAY_MS) / DAY_MS) * DAY_MS)
  .toISOString()
  .slice(0, 10)

/** Fields to set, `name=value` with the value as JSON (a bare word is a string). */
function fields(pairs: string[] | undefined): Record<string, unknown> {
  return Object.fromEntries(
    (pairs ?? []).map((pair) => {
      const at = pair.indexOf('=')
      if (at < 1) fail(`--set ${pair}: write it FIELD=VALUE, the value as JSON, e.g. regions='["us"]'`)
      const text = pair.slice(at + 1)
      try {
        return [pair.slice(0, at), JSON.parse(text)]
      } catch {
        return [pair.slice(0, at), text]
      }
    }),
  )
}

function announced(target: string): Announcement {
  const found = announcements.find((a) => idOf(a) === target)
  if (!found)
    fail(`Nothing is announced about "${target}". Announced: ${announcements.map(idOf).join(', ') || 'nothing'}.`)
  return found
}

let next: Announcement[] = announcements
let done = ''
switch (what) {
  case 'list':
    for (const a of announcements)
      console.log(
        `${idOf(a).padEnd(24)} ${a.add ? 'add' : a.remove ? 'remove' : 'change'}  ${a.effective ?? 'when published'}`,
      )
    if (!announcements.length) console.log('Nothing is announced.')
    process.exit(0)
    break
  case 'add': {
    const path = await ask('The new entry, as a JSON file', values.entry)
    const entry = JSON.parse(await readFile(path, 'utf8'))
    const effective = await ask('Effective (a date, or an RFC 3339 instant)', values.effective, earliest)
    next = [...announcements, { add: entry, effective }]
    done = `Announced the addition of ${entry.id} for ${effective}.`
    break
  }
  case 'remove': {
    const target = await ask('The id of the entry to remove', id)
    const effective = await ask('Effective', values.effective)
    next = [...announcements, { remove: target, effective }]
    done = `Announced the removal of ${target} for ${effective}.`
    break
  }
  case 'change': {
    const target = await ask('The id of the entry to change', id)
    const set = fields(values.set ?? [await ask('The field to set, FIELD=VALUE', undefined)])
    const effective = await ask('Effective', values.effective, earliest)
    next = [...announcements, { change: target, set: set as Announcement['set'], effective }]
    done = `Announced a change of ${Object.keys(set).join(', ')} of ${target} for ${effective}.`
    break
  }
  case 'amend': {
    const target = await ask('The id the announcement is about', id)
    const old = announced(target)
    const set = fields(values.set)
    const amended: Announcement = { ...old, ...(values.effective ? { effective: values.effective } : {}) }
    if (old.add) amended.add = { ...old.add, ...set } as Announcement['add']
    else if (old.change) amended.set = { ...old.set, ...set } as Announcement['set']
    else if (Object.keys(set).length) fail('A removal has no fields to set: amend its --effective date.')
    if (!values.effective && !Object.keys(set).length)
      amended.effective = await ask('The new effective date', undefined, old.effective)
    next = announcements.map((a) => (a === old ? amended : a))
    done = `Amended the announcement about ${target}: it keeps its id, and the change log says what moved.`
    break
  }
  case 'withdraw': {
    const target = await ask('The id the announcement is about', id)
    const old = announced(target)
    next = announcements.filter((a) => a !== old)
    done = `Withdrew the announcement about ${target}: the change log marks it withdrawn at the next publish.`
    break
  }
  default:
    fail('usage: npm run announce -- list | add | remove ID | change ID | amend ID | withdraw ID (src/cli/announce.ts)')
}
terminal?.close()

// The edit is kept only if the data still validates: nothing half-written is left behind.
const before = await readFile(file, 'utf8')
await writeFile(file, `${JSON.stringify({ announcements: next }, null, 2)}\n`)
const checked = await loadData(values.data)
if (!checked.ok) {
  await writeFile(file, before)
  for (const problem of checked.problems) console.error(`  ${formatProblem(problem)}`)
  fail(`Not announced: ${file} is as it was.`)
}
console.log(done)
console.log('See the records the publish will sign: npm run publish-data -- --dry-run')
