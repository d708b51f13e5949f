// The client's pure parts, in Node: addresses, reading documents, diffs, the limiter, webhooks.
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { readChangeLog, readDiscovery, readList } from '../src/format'
import { limiter } from '../src/limiter'
import { diffLists, discoveryUrl } from '../src/watcher'
import { verifyDelivery } from '../src/webhook'

describe('discoveryUrl', () => {
  it.each([
    ['https://subprocessors.example.com', 'https://subprocessors.example.com/.well-known/subprocessors'],
    ['https://subprocessors.example.com/', 'https://subprocessors.example.com/.well-known/subprocessors'],
    ['http://127.0.0.1:8787', 'http://127.0.0.1:8787/.well-known/subprocessors'],
    [
      'https://example.com/registry/.well-known/subprocessors',
      'https://example.com/registry/.well-known/subprocessors',
    ],
  ])('%s → %s', (given, url) => expect(discoveryUrl(given)).toBe(url))

  it.each([
    ['subprocessors.example.com', '"subprocessors.example.com" is not a URL'],
    ['ftp://example.com', 'ftp://example.com is not http(s)'],
  ])('refuses %s', (given, message) => expect(() => discoveryUrl(given)).toThrow(message))
})

const DISCOVERY = {
  format: 'subprocessor-registry/1.0',
  conformance: ['core'],
  company: { name: 'Example Vendor Ltd.' },
  version: 1,
  languages: ['en'],
  defaultLanguage: 'en',
  lists: [{ region: 'all', lang: 'en', format: 'json', href: '/all.json' }],
}

describe('reading the documents', () => {
  it.each<[string, unknown, string]>([
    [
      'no format',
      { ...DISCOVERY, format: undefined },
      'u: format is missing: this is not a Sub-processor Registry document',
    ],
    [
      'a later major version',
      { ...DISCOVERY, format: 'subprocessor-registry/2.0' },
      'u follows "subprocessor-registry/2.0", which this client does not read',
    ],
    ['no core', { ...DISCOVERY, conformance: ['history'] }, 'u: conformance must list "core"'],
    ['no lists', { ...DISCOVERY, lists: [] }, 'u: lists must link at least one list'],
    [
      'history without its links',
      { ...DISCOVERY, conformance: ['core', 'history'] },
      'u: history.versions must be an array',
    ],
    [
      'evidence without a checkpoint',
      {
        ...DISCOVERY,
        conformance: ['core', 'evidence'],
        history: { versions: [], changeLogs: [] },
        evidence: { origin: 'o', tiles: '/t/' },
      },
      'u: evidence.checkpoint must link the checkpoint',
    ],
  ])('refuses discovery with %s, naming the field', (_name, doc, message) => {
    expect(() => readDiscovery('u', doc)).toThrow(message)
  })

  it('reads a later minor version as 1.0, and ignores members it does not know', () => {
    expect(
      readDiscovery('u', { ...DISCOVERY, format: 'subprocessor-registry/1.3', 'x-acme-rating': 'A' }).version,
    ).toBe(1)
  })

  it('names the entry and the change at fault', () => {
    const list = {
      format: 'subprocessor-registry/1.0',
      version: 2,
      publishedAt: '2026-01-01T00:00:00Z',
      subprocessors: [{ id: 'a', name: 'A' }, { name: 'B' }],
    }
    expect(() => readList('u', list)).toThrow('u: id (subprocessors[1]) must be a string')
    const change = {
      id: 'c',
      type: 'added',
      entry: { id: 'a' },
      version: 2,
      effectiveAt: '2026-01-01T00:00:00Z',
      regions: [],
    }
    const log = (changes: unknown[]) => ({ format: 'subprocessor-registry/1.0', version: 2, changes })
    expect(() => readChangeLog('u', log([{ ...change, version: 0 }]))).toThrow(
      'u: version (changes[0]) must be a version number',
    )
    expect(() => readChangeLog('u', log([{ ...change, effectiveAt: 'soon' }]))).toThrow(
      'u: effectiveAt (changes[0]) must be an instant',
    )
    // A change type of a later minor version is ignored, as every member a reader does not know (§8).
    expect(readChangeLog('u', log([{ ...change, type: 'renamed' }, change])).changes.map((c) => c.type)).toEqual([
      'added',
    ])
  })

  it('keeps only the members it reads: an extension is never stored', () => {
    const read = readDiscovery('u', { ...DISCOVERY, 'x-acme': { deep: [1, 2, 3] }, company: { name: 'V', logo: 'x' } })
    expect(JSON.stringify(read)).not.toContain('acme')
    expect(read.company).toEqual({ name: 'V' })
  })

  it('refuses a string longer than any reader needs', () => {
    expect(() => readDiscovery('u', { ...DISCOVERY, company: { name: 'V'.repeat(5000) } })).toThrow(
      'u: company.name must be a string',
    )
  })
})

describe('diffLists', () => {
  const hosting = { id: 'hosting', name: 'Hosting Ltd.', location: { text: 'Germany' }, href: '/a' }
  const mail = { id: 'mail', name: 'Mail Inc.', location: { text: 'United States' } }
  it.each([
    ['nothing', [hosting, mail], [hosting, mail], { added: [], removed: [], modified: [] }],
    [
      'an addition and a removal',
      [hosting],
      [mail],
      { added: [{ id: 'mail', name: 'Mail Inc.' }], removed: [{ id: 'hosting', name: 'Hosting Ltd.' }], modified: [] },
    ],
    [
      'a changed field, and not a changed link',
      [hosting],
      [{ ...hosting, location: { text: 'Austria' }, href: '/b' }],
      {
        added: [],
        removed: [],
        modified: [
          {
            id: 'hosting',
            name: 'Hosting Ltd.',
            fields: [{ field: 'location', before: { text: 'Germany' }, after: { text: 'Austria' } }],
          },
        ],
      },
    ],
  ])('%s', (_name, before, after, expected) => expect(diffLists(before, after)).toEqual(expected))
})

describe('limiter', () => {
  it('runs at most `total` tasks at once, and at most `perHost` on any one host', async () => {
    const run = limiter(4, 2)
    const running = new Map<string, number>()
    let total = 0
    let peakTotal = 0
    const peakByHost = new Map<string, number>()
    const task = (host: string) =>
      run(host, async () => {
        total++
        running.set(host, (running.get(host) ?? 0) + 1)
        peakTotal = Math.max(peakTotal, total)
        peakByHost.set(host, Math.max(peakByHost.get(host) ?? 0, running.get(host)!))
        await new Promise((done) => setTimeout(done, 5))
        total--
        running.set(host, running.get(host)! - 1)
      })
    await Promise.all(['a', 'a', 'a', 'a', 'b', 'b', 'b', 'c', 'c', 'd'].map(task))
    expect(peakTotal).toBe(4)
    expect(Math.max(...peakByHost.values())).toBe(2)
  })
})

describe('verifyDelivery', () => {
  const secret = `whsec_${Buffer.from('a test secret of 32 bytes, here!').toString('base64')}`
  const body = JSON.stringify({ type: 'subprocessors.change.announced', data: {} })
  const signed = (at: Date, payload = body) => ({
    'webhook-id': 'msg_1',
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign('msg_1', at, payload),
  })

  it('accepts a delivery signed with the secret', () => {
    expect(verifyDelivery(secret, signed(new Date()), body)).toEqual({
      id: 'msg_1',
      type: 'subprocessors.change.announced',
      payload: JSON.parse(body),
    })
  })
  it.each<[string, () => [Record<string, string>, string], string]>([
    [
      'a changed body',
      () => [signed(new Date()), body.replace('announced', 'effective')],
      'No matching signature found',
    ],
    ['a timestamp 10 minutes old', () => [signed(new Date(Date.now() - 600_000)), body], 'Message timestamp too old'],
    [
      'no signature',
      () => [{ 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)) }, body],
      'Missing required headers',
    ],
  ])('refuses %s', (_name, make, message) => {
    const [headers, payload] = make()
    expect(() => verifyDelivery(secret, headers, payload)).toThrow(message)
  })
})
