// The client's core inside workerd, as a Worker would run it: against this registry, through its fetch.
import { describe, expect, it } from 'vitest'
import { MemoryStore } from '../client/src/state'
import { Watcher } from '../client/src/watcher'
import { fetchWorker, ORIGIN, publish, useFreshStorage } from './helpers'
import { ACME, announcing, at } from './support/history'
import { fixtureData } from './helpers'

useFreshStorage()

/** The Worker's own fetch, as a peer Worker's service binding would give it. */
const viaWorker = (input: string, init?: RequestInit) => {
  const url = new URL(input)
  return fetchWorker(`${url.pathname}${url.search}`, init as RequestInit<IncomingRequestCfProperties>)
}

describe('subprocessor-watch in a Worker', () => {
  it('adds the registry, verifies its log, and reads an announced change as an event', async () => {
    await publish(fixtureData(), at('2026-11-20T10:00:00Z'))
    // The test's origin is a special-use name (`.example`): allowed as a private host would be.
    const watcher = new Watcher(new MemoryStore(), {
      fetch: viaWorker,
      allowPrivate: true,
      now: () => Date.parse('2026-11-20T12:00:00Z'),
    })
    const { registry } = await watcher.add(ORIGIN)
    expect(registry).toMatchObject({ vendor: 'LiveAgent', version: 1, evidence: 'verified' })

    await publish(announcing(fixtureData(), { add: ACME, effective: '2027-01-15' }), at('2026-11-21T10:00:00Z'))
    const { reports, events } = await watcher.check()
    expect(reports[0]).toMatchObject({ outcome: 'changed', version: 2, evidence: 'verified' })
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'announced',
        subprocessor: { id: 'acme-analytics', name: 'Acme Analytics, Inc.' },
        effectiveAt: '2027-01-15T00:00:00.000Z',
        objectionDeadline: '2027-01-15T00:00:00.000Z',
      }),
    ])
  })
})
