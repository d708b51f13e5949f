import { describe, expect, it } from 'vitest'
import { checkEndpointUrl } from '../../src/webhooks/endpoint'
import { changePayload, dueEvents, emissionKey, regionsOfInterest } from '../../src/webhooks/events'
import { RETRY_DELAYS_SECONDS, retryDelaySeconds, retrySchedule } from '../../src/webhooks/retry'
import { addedRecord } from '../support/history'

describe('checkEndpointUrl', () => {
  it.each<[string, boolean, string]>([
    ['https://hooks.vendor-risk.net/in', false, 'https://hooks.vendor-risk.net/in'],
    ['https://HOOKS.vendor-risk.net:8443/in?x=1#frag', false, 'https://hooks.vendor-risk.net:8443/in?x=1'],
    ['https://8.8.8.8/in', false, 'https://8.8.8.8/in'],
    ['https://[2606:4700::1111]/in', false, 'https://[2606:4700::1111]/in'],
    ['http://127.0.0.1:9000/in', true, 'http://127.0.0.1:9000/in'],
    ['http://localhost:9000/in', true, 'http://localhost:9000/in'],
    ['https://localhost/in', true, 'https://localhost/in'],
    ['http://[::1]:9000/in', true, 'http://[::1]:9000/in'],
  ])('accepts %s (local development: %s)', (raw, local, url) => {
    expect(checkEndpointUrl(raw, local)).toMatchObject({ ok: true, url })
  })

  it.each<[string, boolean, string]>([
    ['http://hooks.vendor-risk.net/in', false, 'must use https:'],
    ['http://hooks.vendor-risk.net/in', true, 'must use https:'],
    ['http://127.0.0.1/in', false, 'must use https:'],
    ['http://10.0.0.1/in', true, 'must use https:'],
    ['https://10.0.0.1/in', true, 'must name a public host, not a private address'],
    ['https://172.31.255.255/in', false, 'must name a public host, not a private address'],
    ['https://192.168.0.1/in', false, 'must name a public host, not a private address'],
    ['https://127.1/in', false, 'must name a public host, not a loopback address'],
    ['https://0177.0.0.1/in', false, 'must name a public host, not a loopback address'],
    ['https://0.0.0.0/in', false, 'must name a public host, not a "this network" address'],
    ['https://169.254.169.254/in', false, 'must name a public host, not a link-local address'],
    ['https://100.127.255.255/in', false, 'must name a public host, not a CGNAT address'],
    ['https://[::]/in', false, 'must name a public host, not an unspecified address'],
    ['https://[fd12::1]/in', false, 'must name a public host, not a private address'],
    ['https://[fe80::1]/in', false, 'must name a public host, not a link-local address'],
    ['https://[::ffff:127.0.0.1]/in', false, 'must name a public host, not a loopback address'],
    ['https://[64:ff9b::a9fe:a9fe]/in', false, 'must name a public host, not a link-local address'],
    ['https://localhost/in', false, 'must name a public host, not a special-use name (.localhost)'],
    ['https://a.b.localhost/in', false, 'must name a public host, not a special-use name (.localhost)'],
    ['gopher://hooks.vendor-risk.net/in', false, 'must use https:'],
    ['javascript:alert(1)', false, 'must use https:'],
    ['not a url', false, 'must be an absolute URL'],
    ['https://u@hooks.vendor-risk.net/in', false, 'must not carry a user name or password'],
  ])('refuses %s (local development: %s): %s', (raw, local, message) => {
    expect(checkEndpointUrl(raw, local)).toEqual({ ok: false, message })
  })

  it('accepts 100.63.255.255 and 100.128.0.0 beside the CGNAT range, and 172.32.0.1 beside the private one', () => {
    for (const host of ['100.63.255.255', '100.128.0.0', '172.32.0.1', '11.0.0.1'])
      expect(checkEndpointUrl(`https://${host}/`, false).ok).toBe(true)
  })
})

describe('retry schedule', () => {
  it('retries for more than 24 hours, each delay within the 12 hours Queues allows', () => {
    expect(RETRY_DELAYS_SECONDS.reduce((sum, delay) => sum + delay, 0)).toBeGreaterThanOrEqual(24 * 3600)
    expect(
      RETRY_DELAYS_SECONDS.every(
        (delay, i) => delay <= 12 * 3600 && (i === 0 || delay >= RETRY_DELAYS_SECONDS[i - 1]!),
      ),
    ).toBe(true)
  })

  it.each([
    [1, 5],
    [2, 300],
    [7, 36000],
    [8, null],
  ])('after attempt %i waits %s seconds', (attempt, delay) => {
    expect(retryDelaySeconds(attempt)).toBe(delay)
  })

  it('reads a compressed local schedule of the same length, and refuses any other', () => {
    expect(retrySchedule(undefined)).toBe(RETRY_DELAYS_SECONDS)
    expect(retrySchedule('0,0,1,1,2,2,3')).toEqual([0, 0, 1, 1, 2, 2, 3])
    expect(() => retrySchedule('1,2')).toThrow('WEBHOOK_RETRY_DELAYS must list 7 whole seconds')
    expect(() => retrySchedule('0,0,0,0,0,0,99999')).toThrow('each at most 43200')
  })
})

describe('dueEvents', () => {
  const at = '2026-11-20T10:00:00.000Z'
  const change = addedRecord('acme', 3, at, 30)
  const effective = Date.parse(change.effectiveAt)
  const withdrawn = { ...change, withdrawnIn: 4, withdrawnAt: '2026-11-25T10:00:00.000Z' }
  const names = (due: ReturnType<typeof dueEvents>) => due.map((d) => d.event.replace('subprocessors.change.', ''))

  it.each<[string, typeof change, number, number, string[], string[]]>([
    ['a new announcement', change, 2, effective - 1, [], ['announced']],
    ['an announcement already processed', change, 3, effective - 1, [], []],
    ['an effective instant that has passed', change, 3, effective, [], ['effective']],
    [
      'an effective instant already emitted',
      change,
      3,
      effective,
      [emissionKey(change.id, 'subprocessors.change.effective')],
      [],
    ],
    ['a withdrawal', withdrawn, 3, effective + 1, [], ['withdrawn']],
    ['an announcement and its withdrawal together', withdrawn, 2, effective - 1, [], ['announced', 'withdrawn']],
    ['a withdrawal already processed', withdrawn, 4, effective + 1, [], []],
  ])('%s', (_, record, lastVersion, now, emitted, expected) => {
    expect(names(dueEvents([record], lastVersion, now, new Set(emitted)))).toEqual(expected)
  })
})

describe('regionsOfInterest', () => {
  const change = addedRecord('acme', 1, '2026-11-20T10:00:00.000Z', 30, { regions: ['eu', 'uk'] })
  it.each([
    [['eu'], ['eu']],
    [['uk', 'us'], ['uk']],
    [['us', 'apac'], []],
    [['all'], ['all', 'eu', 'uk']],
  ])('a subscriber of %j hears about %j', (regions, expected) => {
    expect(regionsOfInterest(change, { regions, languages: null, events: [] })).toEqual(expected)
  })
})

describe('the links of a change event', () => {
  const ORIGIN = 'https://registry.example'
  it.each([
    ['added', 'subprocessors.change.announced', false, 3],
    ['added', 'subprocessors.change.withdrawn', false, 4],
    ['added', 'subprocessors.change.effective', true, 3],
    ['removed', 'subprocessors.change.announced', true, 3],
    ['removed', 'subprocessors.change.effective', false, 3],
    ['modified', 'subprocessors.change.announced', true, 3],
    ['modified', 'subprocessors.change.effective', true, 3],
  ] as const)(
    '%s, %s: an entry link %s, the change log since the version before %i',
    (type, event, hasEntry, touched) => {
      const change = addedRecord('acme-mail', 3, '2026-11-20T10:00:00.000Z', 30, {
        type,
        ...(event === 'subprocessors.change.withdrawn'
          ? { withdrawnIn: 4, withdrawnAt: '2026-11-25T10:00:00.000Z' }
          : {}),
      })
      const { links } = changePayload({ event, change }, 4, ['eu'], ['en'], ORIGIN).data
      expect(links.change).toEqual({ en: `${ORIGIN}/changes.json?lang=en&since=${touched - 1}` })
      expect(links.entry).toEqual(hasEntry ? { en: `${ORIGIN}/subprocessors/acme-mail.json?lang=en` } : undefined)
    },
  )
})
