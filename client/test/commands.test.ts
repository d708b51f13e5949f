/**
 * Every command, in-process, as a person or a cron job runs it: help and usage, adding (the key
 * given is the key enforced; private hosts only when allowed), what a check costs and prints,
 * two runs at once, a crash, webhooks end to end (subscribe, then receive each delivery once),
 * diff, and conform's own bounds.
 */
import { createServer, type Server } from 'node:http'
import type { LookupAddress } from 'node:dns'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signerKey, TEST_SIGNER_KEY, TEST_VERIFIER_KEY } from '../../test/support/keys'
import {
  EXAMPLE_VENDOR,
  type StaticRegistry,
  serveStatic,
  staticRegistryFiles,
  writeStaticRegistry,
} from '../../test/support/static-registry'
import { USAGE } from '../src/cli/main'
import { recording, run, serving } from './support'

const ORIGIN = 'subprocessors.example.com/liveagent'
const KEY = signerKey(TEST_SIGNER_KEY, TEST_VERIFIER_KEY)
const SIGNED: StaticRegistry = { ...EXAMPLE_VENDOR, evidence: { origin: ORIGIN, signer: KEY } }
const DAY = 24 * 60 * 60 * 1000

let work: string
const servers: Server[] = []

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'client-commands-'))
})

afterAll(async () => {
  for (const server of servers) server.close()
  await rm(work, { recursive: true, force: true })
})

/** A static registry of its own, on its own port. */
async function host(name: string, registry: StaticRegistry, intercept?: Parameters<typeof serveStatic>[1]) {
  const dir = join(work, name)
  await writeStaticRegistry(dir, registry)
  const served = await serveStatic(() => dir, intercept)
  servers.push(served.server)
  return { ...served, dir }
}

const stateFile = (name: string) => join(work, `${name}.json`)

describe('the command line', () => {
  it('prints its help and exits 0 with --help; a missing or unknown command or option is a usage error, 64', async () => {
    const help = await run(['--help'])
    expect(help).toEqual({ code: 0, stdout: `${USAGE}\n`, stderr: '' })
    expect((await run(['check', '--help'])).code).toBe(0)
    const none = await run([])
    expect(none.code).toBe(64)
    expect(none.stderr).toContain('Usage: subprocessor-watch <command>')
    const unknown = await run(['frobnicate\u001b[31m'])
    expect(unknown.code).toBe(64)
    expect(unknown.stderr).toContain('unknown command "frobnicate<U+001B>[31m"')
    expect((await run(['check', '--no-such-option'])).code).toBe(64)
    expect((await run(['diff', 'https://a.example.org', '--from', 'x', '--to', '2'])).stderr).toContain(
      '--from must be a positive number',
    )
  })

  it('exits 70 on a fault of its own, never 1, which means "changes"', async () => {
    const file = stateFile('corrupt')
    await writeFile(file, '{"format": "subprocessor-watch-state/2", "registries": ')
    const ran = await run(['check', '--state', file])
    expect(ran.code).toBe(70)
    expect(ran.stderr).toContain('This is a fault of subprocessor-watch itself')
  })
})

describe('add', () => {
  it('is idempotent: adding a registry already watched changes nothing and exits 0', async () => {
    const { url } = await host('twice', SIGNED)
    const file = stateFile('twice')
    expect((await run(['add', url, '--state', file, '--allow-private'])).code).toBe(0)
    const before = await readFile(file, 'utf8')
    const again = await run(['add', url, '--state', file, '--allow-private'])
    expect(again.stdout).toBe(
      `Already watching Example Vendor (${url}/.well-known/subprocessors): version 2. Nothing changed.\n`,
    )
    expect(again.code).toBe(0)
    expect(await readFile(file, 'utf8')).toBe(before)
  })

  it('enforces a key given: a registry that keeps no signed log is refused with exit 2, and nothing is stored', async () => {
    const { url } = await host('unsigned', EXAMPLE_VENDOR)
    const file = stateFile('unsigned')
    const ran = await run(['add', url, '--key', TEST_VERIFIER_KEY, '--state', file, '--allow-private'])
    expect(ran.stderr).toContain('keeps no signed log, so the key you gave cannot be checked')
    expect(ran.code).toBe(2)
    await expect(readFile(file)).rejects.toThrow('ENOENT')
    const signed = await host('signed-given', SIGNED)
    const given = await run(['add', signed.url, '--key', TEST_VERIFIER_KEY, '--state', file, '--allow-private'])
    expect(given.stdout).toContain(`Pinned the key you gave, and checked the log against it:\n  ${TEST_VERIFIER_KEY}`)
    const stored = JSON.parse(await readFile(file, 'utf8')).registries[`${signed.url}/.well-known/subprocessors`]
    expect(stored).toMatchObject({ evidence: 'verified', log: { keys: [TEST_VERIFIER_KEY], size: 2 } })
  })

  it('refuses a private or loopback host unless allowed, and a name that resolves to one', async () => {
    const { url } = await host('loopback', SIGNED)
    const file = stateFile('private')
    const refused = await run(['add', url, '--state', file])
    expect(refused.stderr).toContain(`${url} is not served over HTTPS`)
    expect(refused.code).toBe(3)
    const literal = await run(['add', 'https://10.0.0.7', '--state', file])
    expect(literal.stderr).toContain('https://10.0.0.7 is a private address, not a public host')
    // A public-looking name whose address is private: refused as the connection is made, whatever the name.
    const lookup = ((_name: string, _options: object, callback: (e: null, a: LookupAddress[]) => void) =>
      callback(null, [{ address: '169.254.169.254', family: 4 }])) as unknown as typeof import('node:dns').lookup
    const resolved = await run(['add', 'https://registry.vendor-tests.dev', '--state', file], { lookup })
    expect(resolved.stderr).toContain(
      'could not be reached: registry.vendor-tests.dev resolves to 169.254.169.254, a link-local address',
    )
    expect(resolved.code).toBe(3)
    await expect(readFile(file)).rejects.toThrow('ENOENT')
  })

  it('shows the key on a terminal with its control characters neutralised, and pins it only on yes', async () => {
    const hostile = `${TEST_VERIFIER_KEY}\u001b]52;c;ZXZpbA==\u0007`
    const served = await host('prompt', SIGNED, (req, res) => {
      if (req.url !== '/.well-known/subprocessors') return false
      void staticRegistryFiles(SIGNED).then((files) => {
        const discovery = JSON.parse(String(files.get('.well-known/subprocessors')))
        discovery.evidence.verifierKey = hostile
        res.writeHead(200).end(JSON.stringify(discovery))
      })
      return true
    })
    const file = stateFile('prompt')
    const declined = await run(['add', served.url, '--state', file, '--allow-private'], { answers: ['n'] })
    expect(declined.stdout).toContain(`signs its log with:\n  ${TEST_VERIFIER_KEY}<U+001B>]52;c;ZXZpbA==<U+0007>`)
    expect(declined.stdout).not.toContain('\u001b')
    expect(declined.stdout).toContain('Not added.')
    await expect(readFile(file)).rejects.toThrow('ENOENT')
  })
})

describe('check', () => {
  it('costs one conditional request per unchanged registry', async () => {
    const { url } = await host('cheap', SIGNED)
    const file = stateFile('cheap')
    await run(['add', url, '--state', file, '--allow-private'])
    const { fetch, urls } = recording()
    const ran = await run(['check', '--state', file, '--allow-private', '--json'], { fetch })
    expect(JSON.parse(ran.stdout).reports[0]).toMatchObject({ outcome: 'unchanged', evidence: 'verified' })
    expect(urls).toEqual([`${url}/.well-known/subprocessors`])
  })

  it("says what each event is, with names' control and bidi characters shown as code points; --json keeps them", async () => {
    const now = Date.now()
    const vendor = 'Evil\u001b[2J Corp \u202eredaeR'
    const effective = new Date(now + 40 * DAY).toISOString()
    const announced = (type: 'added' | 'removed', id: string, name: string) => ({
      type,
      entry: { id, name },
      regions: ['eu'],
      version: 3,
      announcedAt: new Date(now - DAY).toISOString(),
      effectiveAt: effective,
      objectionDeadline: type === 'added' ? effective : null,
    })
    const v2 = EXAMPLE_VENDOR.versions[1]!
    const registry: StaticRegistry = { ...EXAMPLE_VENDOR, vendor, versions: EXAMPLE_VENDOR.versions.slice(0, 2) }
    const { url, dir } = await host('events', registry)
    const file = stateFile('events')
    await run(['add', url, '--state', file, '--allow-private'])
    await writeStaticRegistry(dir, {
      ...registry,
      versions: [
        ...registry.versions,
        {
          publishedAt: new Date(now - DAY).toISOString(),
          entries: v2.entries,
          changes: [
            announced('added', 'example-spy', 'Spy\u202e Ltd.'),
            announced('removed', 'example-mail', 'Example Mail Inc.'),
          ],
        },
      ],
    })
    const { code, stdout } = await run(['check', '--state', file, '--allow-private'])
    const day = effective.slice(0, 10)
    expect(stdout).toContain(
      `Evil<U+001B>[2J Corp <U+202E>redaeR: announced addition of Spy<U+202E> Ltd. (eu), effective ${day}, object by ${day}`,
    )
    expect(stdout).toContain(
      `Evil<U+001B>[2J Corp <U+202E>redaeR: announced removal of Example Mail Inc. (eu), effective ${day}`,
    )
    expect([...stdout].filter((c) => c === '\u001b' || c === '\u202e')).toEqual([])
    expect(code).toBe(1)
    const json = await run(['check', '--state', file, '--allow-private', '--json'])
    expect(json.stdout).toContain('"Evil\\u001b[2J Corp \u202eredaeR"')
  })

  it('saves each registry on its own: one that cannot be read does not hold back another', async () => {
    const good = await host('progress', SIGNED)
    const bad = await host('nested', SIGNED)
    const file = stateFile('two')
    await run(['add', good.url, '--state', file, '--allow-private'])
    await run(['add', bad.url, '--state', file, '--allow-private'])
    const discovery = String(
      (await staticRegistryFiles({ ...SIGNED, versions: [...SIGNED.versions, SIGNED.versions[1]!] })).get(
        '.well-known/subprocessors',
      ),
    )
    await writeFile(
      join(bad.dir, '.well-known', 'subprocessors'),
      `${discovery.trimEnd().slice(0, -1)}, "x-acme": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
    )
    await writeStaticRegistry(good.dir, {
      ...SIGNED,
      versions: [...SIGNED.versions, { ...SIGNED.versions[1]!, publishedAt: '2026-05-01T09:00:00.000Z' }],
    })
    const ran = await run(['check', '--state', file, '--allow-private', '--json'])
    expect(ran.code).toBe(3)
    const state = JSON.parse(await readFile(file, 'utf8'))
    expect(state.registries[`${good.url}/.well-known/subprocessors`]).toMatchObject({
      version: 3,
      evidence: 'verified',
    })
    expect(state.registries[`${bad.url}/.well-known/subprocessors`]).toMatchObject({ version: 2 })
  })

  it('an add made during a slow check is not lost when the check saves', async () => {
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const slow = await host('slow', SIGNED, (req, res) => {
      if (req.headers['if-none-match'] === undefined) return false
      void held.then(() => res.writeHead(304, { ETag: String(req.headers['if-none-match']) }).end())
      return true
    })
    const other = await host('other', EXAMPLE_VENDOR)
    const file = stateFile('concurrent')
    await run(['add', slow.url, '--state', file, '--allow-private'])
    const checking = run(['check', '--state', file, '--allow-private'])
    await new Promise((wait) => setTimeout(wait, 100))
    const added = await run(['add', other.url, '--state', file, '--allow-private'])
    expect(added.code).toBe(0)
    release()
    expect((await checking).code).toBe(0)
    expect(Object.keys(JSON.parse(await readFile(file, 'utf8')).registries).sort()).toEqual(
      [`${other.url}/.well-known/subprocessors`, `${slow.url}/.well-known/subprocessors`].sort(),
    )
  })
})

describe('diff', () => {
  it("names the changes announced between two versions, not only the lists' difference", async () => {
    const now = Date.now()
    const effective = new Date(now + 40 * DAY).toISOString()
    const registry: StaticRegistry = {
      ...EXAMPLE_VENDOR,
      versions: [
        ...EXAMPLE_VENDOR.versions,
        {
          ...EXAMPLE_VENDOR.versions[1]!,
          publishedAt: new Date(now).toISOString(),
          changes: [
            {
              type: 'removed',
              entry: { id: 'example-mail', name: 'Example Mail Inc.' },
              regions: ['eu', 'us'],
              version: 3,
              announcedAt: new Date(now).toISOString(),
              effectiveAt: effective,
              objectionDeadline: null,
            },
          ],
        },
      ],
    }
    const { url } = await host('diff', registry)
    const ran = await run(['diff', url, '--from', '2', '--to', '3', '--allow-private'])
    expect(ran.stdout).toBe(
      `${url}/.well-known/subprocessors: version 2 → 3\n  announced  removal of Example Mail Inc. (eu, us), effective ${effective.slice(0, 10)} (version 3)\n`,
    )
    const none = await run(['diff', url, '--from', '2', '--to', '2', '--allow-private'])
    expect(none.stdout).toContain('no change, and nothing announced or withdrawn')
  })
})

/** The example vendor's discovery, declaring the Push level. */
async function pushDiscovery(): Promise<Record<string, unknown> & { conformance: string[] }> {
  const discovery = JSON.parse(String((await staticRegistryFiles(EXAMPLE_VENDOR)).get('.well-known/subprocessors')))
  discovery.conformance.push('push')
  discovery.push = {
    subscribe: '/webhooks',
    events: ['subprocessors.change.announced'],
    signatures: 'standard-webhooks',
  }
  return discovery
}

/** A registry at the Push level whose subscription endpoint verifies intent as this registry's Worker does. */
async function pushRegistry(): Promise<{ url: string; received: () => unknown[]; secret: string }> {
  const secret = `whsec_${Buffer.from('a test secret of 32 bytes, here!').toString('base64')}`
  const requests: unknown[] = []
  const server = createServer(async (req, res) => {
    if (req.method === 'GET' && req.url === '/.well-known/subprocessors') {
      return res.writeHead(200, { ETag: '"d"' }).end(JSON.stringify(await pushDiscovery()))
    }
    let body = ''
    for await (const chunk of req) body += chunk
    const request = JSON.parse(body)
    requests.push(request)
    const challenge = 'challenge-for-this-test'
    const verification = JSON.stringify({
      type: 'webhook.verification',
      data: { subscription: 'sub_1', challenge, verificationToken: request.verificationToken },
    })
    const answer = await fetch(request.url, { method: 'POST', body: verification }).then((r) => r.text())
    if (JSON.parse(answer).challenge !== challenge) {
      return res.writeHead(422).end(JSON.stringify({ error: { code: 'verification_failed', message: 'no echo' } }))
    }
    res.writeHead(201, { 'Content-Type': 'application/json' }).end(
      JSON.stringify({
        id: 'sub_1',
        url: request.url,
        events: ['subprocessors.change.announced'],
        secret,
        managementToken: 'whmt_1',
      }),
    )
  })
  servers.push(server)
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening))
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, received: () => requests, secret }
}

const freePort = async () => {
  const server = createServer()
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening))
  const { port } = server.address() as { port: number }
  await new Promise((closed) => server.close(closed))
  return port
}

describe('webhooks, end to end', () => {
  it('subscribe answers the verification for its own request only, and keeps the secret; receive records each delivery once', async () => {
    const registry = await pushRegistry()
    const file = stateFile('push')
    const port = await freePort()
    const endpoint = `http://127.0.0.1:${port}/hooks`
    const subscribed = await run([
      'subscribe',
      registry.url,
      '--endpoint',
      endpoint,
      '--port',
      String(port),
      '--regions',
      'eu',
      '--state',
      file,
      '--allow-private',
    ])
    expect(subscribed.stdout).toContain(
      `Subscribed ${endpoint} to Example Vendor (${registry.url}/.well-known/subprocessors): sub_1.`,
    )
    expect(subscribed.code).toBe(0)
    expect(registry.received()).toEqual([
      expect.objectContaining({ url: endpoint, regions: ['eu'], verificationToken: expect.any(String) }),
    ])
    expect(JSON.parse(await readFile(file, 'utf8')).subscriptions.sub_1).toMatchObject({
      secret: registry.secret,
      managementToken: 'whmt_1',
    })

    const log = join(work, 'deliveries.jsonl')
    const receiver = await serving(['receive', '--port', String(port), '--log', log, '--state', file])
    const at = receiver.url
    const body = JSON.stringify({ type: 'subprocessors.change.announced', data: { change: { entry: 'example-spy' } } })
    const now = new Date()
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new Webhook(registry.secret).sign('msg_1', now, body),
    }
    const deliver = (payload: string) => fetch(at, { method: 'POST', headers, body: payload })
    expect((await deliver(body)).status).toBe(204)
    expect((await deliver(body)).status).toBe(204)
    const tampered = await deliver(body.replace('spy', 'spa'))
    expect(tampered.status).toBe(400)
    const ran = await receiver.stop()
    expect(ran.stdout).toContain('subprocessors.change.announced msg_1: verified and recorded')
    expect(ran.stdout).toContain('subprocessors.change.announced msg_1: already recorded; acknowledged again')
    const recorded = (await readFile(log, 'utf8')).trim().split('\n')
    expect(recorded.map((line) => JSON.parse(line).id)).toEqual(['msg_1'])
  })
})

describe('conform', () => {
  it('fails a CSV list with a cell that begins a formula', async () => {
    const { url, dir } = await host('formula', EXAMPLE_VENDOR)
    const csv = String(await readFile(join(dir, 'lists', 'all.en.csv'), 'utf8')).replace(',Hosting,', ',=1+1,')
    await writeFile(join(dir, 'lists', 'all.en.csv'), csv)
    const ran = await run(['conform', url, '--allow-private', '--json'])
    const report = JSON.parse(ran.stdout)
    expect(report.checks.filter((c: { ok: boolean }) => !c.ok)).toEqual([
      expect.objectContaining({ level: 'core', detail: expect.stringContaining('begins with "="') }),
    ])
    expect(report.unobservable.length).toBeGreaterThan(0)
    expect(ran.code).toBe(1)
  })

  it("probes Push without following a redirect, and reads no more than an error document's worth", async () => {
    const elsewhere: string[] = []
    const other = createServer((req, res) => {
      elsewhere.push(String(req.url))
      res.end('{}')
    })
    servers.push(other)
    await new Promise<void>((listening) => other.listen(0, '127.0.0.1', listening))
    let answer: 'redirect' | 'bomb' = 'redirect'
    // 100 MB of zeros, gzipped to about 100 KB.
    const bomb = gzipSync(Buffer.alloc(100 * 1024 * 1024))
    const discovery = await pushDiscovery()
    const { url } = await host('probe', EXAMPLE_VENDOR, (req, res) => {
      if (req.url === '/.well-known/subprocessors' && !req.headers['if-none-match']) {
        res.writeHead(200, { ETag: '"p"' }).end(JSON.stringify(discovery))
        return true
      }
      if (req.url === '/.well-known/subprocessors') {
        res.writeHead(304, { ETag: '"p"' }).end()
        return true
      }
      if (req.url !== '/webhooks') return false
      if (answer === 'redirect') {
        res.writeHead(307, { Location: `http://127.0.0.1:${(other.address() as { port: number }).port}/steal` }).end()
        return true
      }
      // 100 MB of zeros, gzipped to about 100 KB.
      res.writeHead(400, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }).end(bomb)
      return true
    })
    const probe = async () => {
      const report = JSON.parse((await run(['conform', url, '--allow-private', '--json'])).stdout)
      return report.checks.find((c: { must: string }) => c.must.startsWith('a subscription request'))
    }
    expect(await probe()).toMatchObject({
      ok: false,
      detail: expect.stringContaining('answered 307, a redirect; conform follows none'),
    })
    expect(elsewhere).toEqual([])
    answer = 'bomb'
    const before = process.memoryUsage().rss
    expect(await probe()).toMatchObject({ ok: false, detail: expect.stringContaining('sent more than 65536 bytes') })
    expect(process.memoryUsage().rss - before).toBeLessThan(50 * 1024 * 1024)
  })
})
