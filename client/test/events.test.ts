// From a change log to events, and each event in words: tables of the cases a vendor-risk team meets.
import { describe, expect, it } from 'vitest'
import { announcedBetween, type ChangeEvent, classify, eventLine } from '../src/events'
import type { Change } from '../src/format'

const NOW = Date.parse('2026-12-01T00:00:00Z')
const LATER = '2027-01-15T00:00:00.000Z'
const EARLIER = '2026-11-01T00:00:00.000Z'

const change = (over: Partial<Change> & Pick<Change, 'id' | 'type' | 'version'>): Change => ({
  entry: { id: 'acme', name: 'Acme Inc.' },
  regions: ['eu', 'uk'],
  announcedAt: '2026-10-01T00:00:00.000Z',
  effectiveAt: LATER,
  objectionDeadline: LATER,
  withdrawn: null,
  amended: [],
  ...over,
})

const ADD_LATER = change({ id: 'v3/acme/added', type: 'added', version: 3 })
const REMOVE_NOW = change({
  id: 'v3/old/removed',
  type: 'removed',
  version: 3,
  effectiveAt: EARLIER,
  objectionDeadline: null,
})
const WITHDRAWN = change({ id: 'v2/acme/added', type: 'added', version: 2, withdrawn: { version: 3, at: EARLIER } })
const SEEN = change({ id: 'v2/seen/modified', type: 'modified', version: 2, effectiveAt: EARLIER })

describe('classify', () => {
  it.each<[string, Change[], number, Change[], [string, string][], string[]]>([
    ['nothing new', [SEEN], 2, [], [], []],
    ['an announcement for later', [ADD_LATER, SEEN], 2, [], [['announced', ADD_LATER.id]], [ADD_LATER.id]],
    ['a change in force at once', [REMOVE_NOW], 2, [], [['removed', REMOVE_NOW.id]], []],
    [
      'a withdrawal in a later version, of a change seen as pending',
      [WITHDRAWN],
      2,
      [{ ...WITHDRAWN, withdrawn: null }],
      [['withdrawn', WITHDRAWN.id]],
      [],
    ],
    [
      'a pending change whose day has come',
      [],
      3,
      [change({ id: 'v3/due/added', type: 'added', version: 3, effectiveAt: EARLIER })],
      [['effective', 'v3/due/added']],
      [],
    ],
    [
      'the same announcement read twice is pending once',
      [ADD_LATER],
      2,
      [ADD_LATER],
      [['announced', ADD_LATER.id]],
      [ADD_LATER.id],
    ],
    [
      'an announcement amended after it was read: one amended event, and the pending change replaced',
      [
        {
          ...ADD_LATER,
          effectiveAt: '2027-02-01T00:00:00.000Z',
          amended: [{ version: 4, at: EARLIER, changed: ['effectiveAt'], material: false }],
        },
      ],
      3,
      [ADD_LATER],
      [['amended', ADD_LATER.id]],
      [ADD_LATER.id],
    ],
    [
      'an amendment read with its announcement is one announcement',
      [{ ...ADD_LATER, amended: [{ version: 3, at: EARLIER, changed: ['regions'], material: true }] }],
      2,
      [],
      [['announced', ADD_LATER.id]],
      [ADD_LATER.id],
    ],
  ])('%s', (_name, log, since, pending, events, stillPending) => {
    const classified = classify(log, since, pending, NOW)
    expect(classified.events.map((e) => [e.kind, e.change.id])).toEqual(events)
    expect(classified.pending.map((c) => c.id)).toEqual(stillPending)
  })

  it('gives events oldest first, as the log is newest first', () => {
    const second = change({ id: 'v4/b/added', type: 'added', version: 4 })
    expect(classify([second, ADD_LATER], 2, [], NOW).events.map((e) => e.change.version)).toEqual([3, 4])
  })

  it('gives a withdrawal the version that withdrew it', () => {
    expect(classify([WITHDRAWN], 2, [], NOW).events[0]).toMatchObject({ kind: 'withdrawn', version: 3 })
  })
})

describe('announcedBetween', () => {
  it('takes the announcements and withdrawals of versions after `from`, up to `to`', () => {
    const log = [ADD_LATER, WITHDRAWN, SEEN]
    expect(announcedBetween(log, 2, 3)).toEqual({ announced: [ADD_LATER], withdrawn: [WITHDRAWN] })
    expect(announcedBetween(log, 1, 2)).toEqual({ announced: [SEEN, WITHDRAWN], withdrawn: [] })
    expect(announcedBetween(log, 3, 3)).toEqual({ announced: [], withdrawn: [] })
  })
})

const event = (over: Partial<ChangeEvent>): ChangeEvent => ({
  kind: 'announced',
  registry: 'https://r.example.org/.well-known/subprocessors',
  vendor: 'LiveAgent',
  change: 'c',
  type: 'added',
  subprocessor: { id: 'acme', name: 'Acme Inc.' },
  fields: [],
  changed: [],
  regions: ['eu', 'uk'],
  effectiveAt: LATER,
  objectionDeadline: LATER,
  version: 3,
  summary: null,
  ...over,
})

describe('eventLine', () => {
  it.each<[string, Partial<ChangeEvent>, string]>([
    [
      'an announced addition',
      {},
      'announced addition of Acme Inc. (eu, uk), effective 2027-01-15, object by 2027-01-15',
    ],
    [
      'an announced removal',
      { type: 'removed', objectionDeadline: null },
      'announced removal of Acme Inc. (eu, uk), effective 2027-01-15',
    ],
    [
      'an announced change of regions',
      { type: 'modified', fields: ['regions'], regions: ['eu', 'uk', 'us', 'apac'] },
      'announced change to Acme Inc. [regions] (eu, uk, us, apac), effective 2027-01-15, object by 2027-01-15',
    ],
    [
      'an addition in force',
      { kind: 'added', effectiveAt: EARLIER },
      'added Acme Inc. (eu, uk), in force since 2026-11-01',
    ],
    [
      'a removal in force',
      { kind: 'removed', type: 'removed', effectiveAt: EARLIER },
      'removed Acme Inc. (eu, uk), since 2026-11-01',
    ],
    [
      'a change in force',
      { kind: 'modified', type: 'modified', fields: ['purpose', 'location'], effectiveAt: EARLIER },
      'changed Acme Inc. [purpose, location] (eu, uk), in force since 2026-11-01',
    ],
    [
      'a withdrawal',
      { kind: 'withdrawn' },
      'withdrawn in version 3: the addition of Acme Inc. (eu, uk), which was to take effect 2027-01-15',
    ],
    [
      'an announcement now in force',
      { kind: 'effective' },
      'in force: the addition of Acme Inc. (eu, uk), since 2027-01-15',
    ],
    [
      'an amended announcement',
      { kind: 'amended', version: 4, changed: ['effectiveAt', 'regions'] },
      'amended in version 4 [effectiveAt, regions]: addition of Acme Inc. (eu, uk), effective 2027-01-15, object by 2027-01-15',
    ],
    [
      'an entry without a name',
      { subprocessor: { id: 'acme', name: null } },
      'announced addition of acme (eu, uk), effective 2027-01-15, object by 2027-01-15',
    ],
  ])('%s', (_name, over, line) => expect(eventLine(event(over))).toBe(line))
})
