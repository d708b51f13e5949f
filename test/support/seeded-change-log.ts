/**
 * A change log written straight into KV, in the shape `src/domain/change.ts` documents, for the
 * webhook tests until publishing writes `v{n}/changelog.json` itself. Every test that uses it
 * publishes real data first; when the change log lands, these records give way to a publish of
 * the announced change.
 */
import type { ChangeRecord } from '../../src/domain/change'
import { changeLogKey } from '../../src/storage/keys'

interface KvWriter {
  put(key: string, value: string): Promise<unknown>
}

/** Writes the change log of `version`: every record up to it. */
export async function seedChangeLog(kv: KvWriter, version: number, records: ChangeRecord[]): Promise<void> {
  await kv.put(changeLogKey(version), JSON.stringify(records))
}

/** An `added` record for an entry, announced in `version` at `announcedAt`, effective `noticeDays` later. */
export function addedRecord(entry: string, version: number, announcedAt: string, noticeDays = 30, overrides: Partial<ChangeRecord> = {}): ChangeRecord {
  const effectiveAt = new Date(Date.parse(announcedAt) + noticeDays * 24 * 3600 * 1000).toISOString()
  const day = effectiveAt.slice(0, 10)
  return {
    id: `v${version}-${entry}-added-${effectiveAt}`,
    type: 'added',
    entry,
    name: 'Acme Mail, Inc.',
    summary: { lv: `Jauns apakšapstrādātājs Acme Mail, Inc. no ${day}.`, en: `New sub-processor Acme Mail, Inc. from ${day}.` },
    fields: [],
    regions: ['eu', 'uk'],
    announcedIn: version,
    announcedAt,
    effectiveAt,
    objectionDeadline: effectiveAt,
    requiresNotice: true,
    shortNotice: null,
    withdrawnIn: null,
    withdrawnAt: null,
    ...overrides,
  }
}
