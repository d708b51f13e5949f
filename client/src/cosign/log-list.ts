/**
 * The logs a witness witnesses, in witness-network.org's log-list form:
 *
 *   logs/v0
 *   vkey <verifier key>
 *   origin <origin line>|none      (none: the key's name)
 *   qpd <requests per day>
 *   contact <anything>
 *
 * Blank lines and `#` comments are ignored; an item starts at each `vkey` line.
 */
import { parseVerifierKey, type VerifierKey } from '../log/signed-note.js'

export interface ListedLog {
  origin: string
  key: VerifierKey
  /** Requests per day the log may make; null when the list leaves it out. */
  qpd: number | null
  contact: string | null
}

export class LogListError extends Error {}

export async function parseLogList(text: string): Promise<Map<string, ListedLog[]>> {
  const lines = text
    .split('\n')
    .map((line, i) => ({ line: line.trim(), n: i + 1 }))
    .filter(({ line }) => line !== '' && !line.startsWith('#'))
  if (lines[0]?.line !== 'logs/v0') throw new LogListError('a log list starts with the line "logs/v0"')
  const logs = new Map<string, ListedLog[]>()
  let current: (Omit<ListedLog, 'origin'> & { origin: string | null }) | null = null
  const finish = () => {
    if (!current) return
    const origin = current.origin ?? current.key.name
    logs.set(origin, [...(logs.get(origin) ?? []), { ...current, origin }])
  }
  for (const { line, n } of lines.slice(1)) {
    const space = line.search(/[ \t]/)
    const [keyword, value] = space < 0 ? [line, ''] : [line.slice(0, space), line.slice(space).trim()]
    if (keyword === 'vkey') {
      finish()
      try {
        current = { key: await parseVerifierKey(value), origin: null, qpd: null, contact: null }
      } catch (error) {
        throw new LogListError(`log list line ${n}: ${(error as Error).message}`)
      }
      continue
    }
    if (!current) throw new LogListError(`log list line ${n}: ${keyword} before any vkey line`)
    if (keyword === 'origin') current.origin = value === 'none' ? null : value
    else if (keyword === 'qpd') {
      if (!/^[0-9]+$/.test(value)) throw new LogListError(`log list line ${n}: qpd is a number`)
      current.qpd = Number(value)
    } else if (keyword === 'contact') current.contact = value
    else if (keyword !== 'bastion') throw new LogListError(`log list line ${n}: unknown line ${keyword.slice(0, 40)}`)
  }
  finish()
  return logs
}
