/**
 * The example webhook payload in docs/vendor-risk-tools.md is what the registry sends: the record
 * computed by the change set for the announcement it describes, made into a subscriber's payload
 * by the Worker's own function. Computed on the fixture dataset (data/ as transcribed), which the
 * example's Twilio-based entry is copied from.
 */
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadData } from '../../src/cli/load-data'
import { computeChanges } from '../../src/publish/input/changes'
import { summarize } from '../../src/publish/render/change-log'
import type { RegistryData } from '../../src/publish/input/schema'
import { changePayload } from '../../src/webhooks/events'

const ROOT = resolve(import.meta.dirname, '..', '..')
const PUBLISHED = '2026-11-29T07:45:20.000Z'

/** The payload for Acme Mail, announced in version 2 for a European subscriber reading English. */
async function acmeMailAnnounced() {
  const loaded = await loadData(join(ROOT, 'test', 'fixtures', 'data'))
  if (!loaded.ok) throw new Error('test/fixtures/data does not validate')
  const before = loaded.data
  const twilio = before.subprocessors.subprocessors.find((entry) => entry.id === 'twilio')!
  const after: RegistryData = {
    ...before,
    announcements: [
      {
        add: {
          ...twilio,
          notes: undefined,
          id: 'acme-mail',
          name: 'Acme Mail, Inc.',
          purpose: { lv: 'E-pasta sūtīšana', en: 'Sending email', de: 'E-Mail-Versand' },
          regions: ['eu', 'uk'],
        },
        effective: '2026-12-30',
      },
    ],
  }
  const first = computeChanges(null, before, { version: 1, publishedAt: '2026-11-01T09:00:00.000Z' }, (change) =>
    summarize(before, change),
  )
  const changes = computeChanges(
    { stamp: { version: 1, publishedAt: '2026-11-01T09:00:00.000Z' }, data: before, changes: first },
    after,
    { version: 2, publishedAt: PUBLISHED },
    (change) => summarize(after, change),
  )
  const change = changes.find((record) => record.entry === 'acme-mail')!
  return changePayload(
    { event: 'subprocessors.change.announced', change },
    2,
    ['eu'],
    ['en'],
    'https://subprocessors.example.com',
  )
}

describe('the example payload in docs/vendor-risk-tools.md', () => {
  it('is the payload the registry sends for the announcement it describes', async () => {
    const markdown = await readFile(join(ROOT, 'docs', 'vendor-risk-tools.md'), 'utf8')
    const example = /```json\n(\{\n {2}"type": "subprocessors\.change\.announced"[\s\S]*?)```/.exec(markdown)?.[1]
    expect(example, 'docs/vendor-risk-tools.md has no announced payload').toBeDefined()
    expect(JSON.parse(example!)).toEqual(JSON.parse(JSON.stringify(await acmeMailAnnounced())))
  })
})
