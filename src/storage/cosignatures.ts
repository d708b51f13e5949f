/**
 * Where witnesses' cosignatures are kept: every one in D1 (one row per witness and tree size, so
 * the publisher and the cron add without losing each other's), and the checkpoint as readers get
 * it (the log's signed note followed by every cosignature of its size) in KV, written again from
 * D1 after each addition. Only a log with witnesses has such a value: the others serve the note
 * the release holds.
 */
import { cosignedCheckpointKey } from './keys'
import type { KvRecord } from './writer'

export interface StoredCosignature {
  /** The witness's verifier key. */
  witness: string
  /** The note signature line, with its newline. */
  line: string
  /** The time the cosignature states, Unix seconds. */
  time: number
}

/** The cosignature table, whether D1 is a binding (local, the Worker) or reached through the wrangler CLI. */
export interface CosignatureTable {
  /** Adds cosignatures of the tree of `size` (a witness's first one for a size stays); returns all of that size. */
  add(size: number, cosignatures: StoredCosignature[]): Promise<StoredCosignature[]>
  /** The largest size each witness (by verifier key) has cosigned. */
  lastCosigned(): Promise<Map<string, number>>
}

export const INSERT_COSIGNATURE_SQL =
  'INSERT INTO cosignatures (size, witness, line, time) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (size, witness) DO NOTHING'
export const COSIGNATURES_OF_SQL = 'SELECT witness, line, time FROM cosignatures WHERE size = ?1 ORDER BY witness'
export const LAST_COSIGNED_SQL = 'SELECT witness, MAX(size) AS size FROM cosignatures GROUP BY witness'

export const toStored = (rows: Record<string, unknown>[]): StoredCosignature[] =>
  rows.map((row) => ({ witness: String(row.witness), line: String(row.line), time: Number(row.time) }))

export function d1Cosignatures(db: D1Database): CosignatureTable {
  return {
    async add(size, cosignatures) {
      const results = await db.batch([
        ...cosignatures.map(({ witness, line, time }) =>
          db.prepare(INSERT_COSIGNATURE_SQL).bind(size, witness, line, time),
        ),
        db.prepare(COSIGNATURES_OF_SQL).bind(size),
      ])
      return toStored(results.at(-1)!.results as Record<string, unknown>[])
    },
    async lastCosigned() {
      const { results } = await db.prepare(LAST_COSIGNED_SQL).all<{ witness: string; size: number }>()
      return new Map(results.map((row) => [row.witness, Number(row.size)]))
    },
  }
}

/** The checkpoint as readers get it: the log's note, then each cosignature line. */
export function cosignedCheckpointRecord(size: number, note: string, cosignatures: StoredCosignature[]): KvRecord {
  return { key: cosignedCheckpointKey(size), value: `${note}${cosignatures.map((c) => c.line).join('')}` }
}
