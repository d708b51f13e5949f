/**
 * subprocessor-watch against this project's own Worker, bundled and served by Miniflare:
 * three versions published by the real command (an announced addition, then an editorial
 * change), each read as typed events, witnessed in the signed log, and `conform` at every level.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { copyFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Miniflare } from 'miniflare'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JsonFileStore } from '../../client/src/node'
import { Watcher } from '../../client/src/watcher'
import {
  bundleWorker,
  FIXTURE_DATA,
  freePort,
  publishData,
  ROOT,
  servedVersion,
  serveRegistry,
} from '../support/harness'
import { ACME } from '../support/history'
import { TEST_VERIFIER_KEY } from '../support/keys'
import { formatSchema, WATCH_CLI, watch } from '../support/watch'
import { run as inProcess, serving } from '../../client/test/support'

const run = promisify(execFile)
const DAY = 24 * 60 * 60 * 1000
// Debian's python3-feedparser, which .ci/run installs. Without it the feed check is skipped, loudly, except in CI.
const FEEDPARSER = existsSync('/usr/lib/python3/dist-packages/feedparser')
if (!FEEDPARSER) {
  if (process.env.CI)
    throw new Error('The feed parser must run in CI, and it is missing. .ci/run installs python3-feedparser.')
  console.warn('\n!!  THE FEED PARSER CHECK IS SKIPPED: install python3-feedparser (Debian).\n')
}
let work: string
let persistTo: string
let registry: { mf: Miniflare; url: string }
let stateFile: string
const effective = new Date(Date.now() + 45 * DAY).toISOString().slice(0, 10)
const TWILIO_PURPOSE = {
  lv: 'LiveAgent izmanto Twilio kā savu VoIP pakalpojumu sniedzēju.',
  en: 'LiveAgent uses Twilio for voice calls.',
  de: 'LiveAgent nutzt Twilio für Sprachanrufe.',
}

/** data/ with these announcements. */
async function dataWith(name: string, announcements: unknown[]): Promise<string> {
  const dir = join(work, name)
  await cp(FIXTURE_DATA, dir, { recursive: true })
  await writeFile(join(dir, 'announcements.json'), JSON.stringify({ announcements }))
  return dir
}

async function publishVersion(data: string, version: number) {
  await publishData(data, persistTo)
  await servedVersion(registry.url, version)
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'watch-registry-'))
  persistTo = join(work, 'state')
  stateFile = join(work, 'portfolio.json')
  const { scriptPath } = await bundleWorker(join(work, 'dist'))
  registry = await serveRegistry({
    scriptPath,
    persistTo,
    bindings: {
      WEBHOOK_ALLOW_LOCAL_HTTP: 'true',
      WEBHOOK_RETRY_DELAYS: '0,0,0,0,0,0,0',
      WEBHOOK_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
    },
  })
  await publishVersion(FIXTURE_DATA, 1)
}, 240_000)

afterAll(async () => {
  await registry?.mf.dispose()
  await rm(work, { recursive: true, force: true })
})

describe('subprocessor-watch and this registry', () => {
  it('adds the registry, pinning the key its discovery publishes, and verifies its evidence', async () => {
    const { code, stdout } = await watch('add', registry.url, '--state', stateFile, '--allow-private')
    expect(stdout).toContain(
      `Watching LiveAgent (${registry.url}/.well-known/subprocessors): version 1, 14 sub-processors.`,
    )
    expect(stdout).toContain(`Pinned on first sight, from its discovery document:\n  ${TEST_VERIFIER_KEY}`)
    expect(code).toBe(0)
    const state = JSON.parse(await readFile(stateFile, 'utf8'))
    expect(state.registries[`${registry.url}/.well-known/subprocessors`]).toMatchObject({
      vendor: 'LiveAgent',
      version: 1,
      evidence: 'verified',
      log: { origin: 'subprocessors.example.com/liveagent', keys: [TEST_VERIFIER_KEY], size: 1 },
      allowPrivate: true,
    })
  })

  it('reports an announced addition with its effective date and objection deadline', async () => {
    await publishVersion(await dataWith('v2', [{ add: ACME, effective }]), 2)
    const { code, stdout } = await watch('check', '--state', stateFile, '--json')
    const [report] = JSON.parse(stdout).reports
    expect(report).toMatchObject({ outcome: 'changed', version: 2, evidence: 'verified' })
    expect(report.events).toEqual([
      {
        kind: 'announced',
        registry: `${registry.url}/.well-known/subprocessors`,
        vendor: 'LiveAgent',
        change: `v2/acme-analytics/added/${effective}T00:00:00.000Z`,
        type: 'added',
        subprocessor: { id: 'acme-analytics', name: 'Acme Analytics, Inc.' },
        fields: [],
        changed: [],
        regions: ['eu', 'uk'],
        effectiveAt: `${effective}T00:00:00.000Z`,
        objectionDeadline: `${effective}T00:00:00.000Z`,
        version: 2,
        summary: expect.stringContaining('Acme Analytics, Inc.'),
      },
    ])
    expect(code).toBe(1)
  })

  it('polls again at the cost of one 304: nothing published, nothing downloaded', async () => {
    const statuses: number[] = []
    const watcher = new Watcher(new JsonFileStore(stateFile), {
      allowPrivate: true,
      fetch: async (input, init) => {
        const res = await fetch(input, init)
        statuses.push(res.status)
        return res
      },
    })
    const { reports } = await watcher.check()
    expect(reports[0]).toMatchObject({ outcome: 'unchanged', evidence: 'verified', events: [] })
    // Discovery's version changes with every publish (format §4.2): its 304 says nothing was published.
    expect(statuses).toEqual([304])
  })

  it('reports an editorial change at once, and the addition as effective once its day has come', async () => {
    const v3 = await dataWith('v3', [
      { add: ACME, effective },
      { change: 'twilio', set: { purpose: TWILIO_PURPOSE } },
    ])
    await publishVersion(v3, 3)
    const later = join(work, 'later.json')
    await copyFile(stateFile, later)
    const { code, stdout } = await watch('check', '--state', stateFile, '--json')
    expect(JSON.parse(stdout).reports[0].events).toEqual([
      expect.objectContaining({ kind: 'modified', subprocessor: { id: 'twilio', name: 'Twilio, Inc.' }, version: 3 }),
    ])
    expect(code).toBe(1)

    const inTwoMonths = new Watcher(new JsonFileStore(later), { allowPrivate: true, now: () => Date.now() + 60 * DAY })
    const { events } = await inTwoMonths.check()
    expect(events.map((event) => [event.kind, event.subprocessor.id])).toEqual([
      ['modified', 'twilio'],
      ['effective', 'acme-analytics'],
    ])
  })

  it('diffs two versions', async () => {
    const { code, stdout } = await watch('diff', registry.url, '--from', '1', '--to', '3', '--json', '--allow-private')
    expect(code).toBe(0)
    const diff = JSON.parse(stdout)
    expect(diff).toMatchObject({ from: 1, to: 3, added: [], removed: [], withdrawn: [] })
    expect(diff.announced.map((c: { id: string }) => c.id)).toEqual([
      `v2/acme-analytics/added/${effective}T00:00:00.000Z`,
    ])
    expect(diff.modified).toEqual([
      {
        id: 'twilio',
        name: 'Twilio, Inc.',
        fields: [
          {
            field: 'purpose',
            before: 'LiveAgent uses Twilio as its VoIP service provider.',
            after: TWILIO_PURPOSE.en,
          },
        ],
      },
    ])
  })

  it('passes conform at every level', async () => {
    const { code, stdout } = await watch('conform', registry.url, '--json', '--allow-private')
    const report = JSON.parse(stdout)
    expect(report.checks.filter((check: { ok: boolean }) => !check.ok)).toEqual([])
    expect(report.levels).toEqual({
      core: 'pass',
      history: 'pass',
      evidence: 'pass',
      push: 'pass',
      objections: 'not-declared',
    })
    expect(code).toBe(0)
  })

  it("serves every document the format's published JSON Schema describes", async () => {
    const follows = await formatSchema()
    const get = (path: string) => fetch(new URL(path, registry.url)).then((res) => res.json() as Promise<any>)
    const discovery = await get('/.well-known/subprocessors')
    expect(follows('Discovery', discovery)).toEqual([])
    const list = await get(
      discovery.lists.find((l: { region: string; format: string }) => l.region === 'all' && l.format === 'json').href,
    )
    expect(follows('List', list)).toEqual([])
    expect(follows('Entry', await get(list.subprocessors[0].href))).toEqual([])
    const log = await get(discovery.history.changeLogs[0].href)
    expect(log.changes.length).toBeGreaterThan(0)
    expect(follows('ChangeLog', log)).toEqual([])
    const versions = await get(discovery.history.versions[0].href)
    expect(follows('Versions', versions)).toEqual([])
    expect(follows('Manifest', await get(versions.versions[0].links.manifest))).toEqual([])
    expect(follows('Evidence', await get(versions.versions[0].links.evidence))).toEqual([])
    // And the schema is not a check that cannot fail.
    expect(follows('List', { ...list, format: 'subprocessor-registry/2.0' })).not.toEqual([])
  })

  // Debian's feedparser (6.0) reads Atom; JSON Feed's absolute links are held by test/feeds.test.ts and conform.
  it.runIf(FEEDPARSER)('has an Atom feed whose every link the Universal Feed Parser reads as absolute', async () => {
    const file = join(work, 'changes.atom')
    await writeFile(file, await (await fetch(`${registry.url}/changes.atom?region=eu&lang=en`)).text())
    const script = [
      'import feedparser, json, sys',
      'd = feedparser.parse(open(sys.argv[1], encoding="utf-8").read())',
      'links = [l.href for l in d.feed.get("links", [])] + [l.href for e in d.entries for l in e.get("links", [])]',
      'print(json.dumps({"version": d.version, "bozo": bool(d.bozo), "entries": len(d.entries), "links": links}))',
    ].join('\n')
    const feed = JSON.parse((await run('/usr/bin/python3', ['-c', script, file])).stdout)
    expect(feed).toMatchObject({ version: 'atom10', bozo: false, entries: 2 })
    // Three for the feed, two for each entry; a publish to local storage links from what npm start serves.
    expect(feed.links).toHaveLength(7)
    for (const href of feed.links) expect(href).toMatch(/^http:\/\/127\.0\.0\.1:8787\//)
  })

  it('exports the portfolio with each vendor version and evidence status', async () => {
    const { code, stdout } = await watch('export', '--format', 'json', '--state', stateFile)
    expect(code).toBe(0)
    const { registries, rows } = JSON.parse(stdout)
    expect(registries).toBe(1)
    expect(rows).toHaveLength(14)
    expect(rows).toContainEqual(
      expect.objectContaining({
        vendor: 'LiveAgent',
        version: 3,
        evidence: 'verified',
        subprocessor_id: 'twilio',
        purpose: TWILIO_PURPOSE.en,
      }),
    )
  })
})

describe('subprocessor-watch receive', () => {
  let receiver: ChildProcess
  let port: number
  const secret = `whsec_${Buffer.from('a test secret of 32 bytes, here!').toString('base64')}`

  beforeAll(async () => {
    port = await freePort()
    receiver = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        WATCH_CLI,
        'receive',
        '--port',
        String(port),
        '--secret',
        secret,
        '--log',
        join(work, 'deliveries.jsonl'),
      ],
      {
        cwd: ROOT,
      },
    )
    await new Promise<void>((ready) =>
      receiver.stdout!.on('data', (chunk) => String(chunk).includes('Receiving') && ready()),
    )
  })
  afterAll(() => receiver?.kill())

  const deliver = (body: string, headers: Record<string, string>) =>
    fetch(`http://127.0.0.1:${port}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body,
    })

  it('records a delivery signed as Standard Webhooks signs it, and refuses a tampered one', async () => {
    const body = JSON.stringify({
      type: 'subprocessors.change.announced',
      data: { change: { entry: 'acme-analytics' } },
    })
    const now = new Date()
    const signature = new Webhook(secret).sign('msg_1', now, body)
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signature,
    }
    expect((await deliver(body, headers)).status).toBe(204)
    const tampered = await deliver(body.replace('acme', 'acne'), headers)
    expect(tampered.status).toBe(400)
    expect(await tampered.json()).toEqual({ error: 'No matching signature found' })
    const recorded = (await readFile(join(work, 'deliveries.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(recorded).toEqual([
      expect.objectContaining({ id: 'msg_1', type: 'subprocessors.change.announced', payload: JSON.parse(body) }),
    ])
  })
})

describe('subprocessor-watch subscribe, then receive', () => {
  it("subscribes through the registry's verification of intent, keeps the secret, and records each announced change once", async () => {
    const port = await freePort()
    const endpoint = `http://127.0.0.1:${port}/hooks`
    const subscribed = await inProcess([
      'subscribe',
      registry.url,
      '--endpoint',
      endpoint,
      '--port',
      String(port),
      '--regions',
      'eu',
      '--languages',
      'en',
      '--state',
      stateFile,
      '--allow-private',
    ])
    expect(subscribed.stderr).toBe('')
    expect(subscribed.stdout).toMatch(/^Subscribed http:\/\/127\.0\.0\.1:\d+\/hooks to LiveAgent \(.*\): sub_\S+\.\n/)
    expect(subscribed.code).toBe(0)
    const { subscriptions } = JSON.parse(await readFile(stateFile, 'utf8'))
    expect(Object.values(subscriptions)).toEqual([
      expect.objectContaining({ endpoint, regions: ['eu'], secret: expect.stringMatching(/^whsec_/) }),
    ])

    const log = join(work, 'subscribed.jsonl')
    const receiver = await serving(['receive', '--port', String(port), '--log', log, '--state', stateFile])
    await publishVersion(
      await dataWith('v4', [
        { add: ACME, effective },
        { change: 'twilio', set: { purpose: TWILIO_PURPOSE } },
        { remove: 'openai', effective },
      ]),
      4,
    )
    const worker = await registry.mf.getWorker('registry')
    const recorded = async () =>
      (await readFile(log, 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { id: string; type: string; payload: { data: { change: { id: string } } } })
    const removal = `v4/openai/removed/${effective}T00:00:00.000Z`
    const delivered = async () => (await recorded()).some((d) => d.payload.data.change.id === removal)
    for (let i = 0; i < 100 && !(await delivered()); i++) {
      await worker.scheduled({ scheduledTime: new Date(), cron: '* * * * *' })
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    // A tick more: what was delivered is not delivered again, and a retry would be recorded once.
    await worker.scheduled({ scheduledTime: new Date(), cron: '* * * * *' })
    await new Promise((resolve) => setTimeout(resolve, 500))
    const ran = await receiver.stop()
    const deliveries = await recorded()
    // The announcements in the subscription's region, the removal among them; each event recorded once.
    const events = deliveries.map((d) => `${d.type} ${d.payload.data.change.id}`)
    expect(events).toEqual(
      expect.arrayContaining([
        `subprocessors.change.announced v2/acme-analytics/added/${effective}T00:00:00.000Z`,
        `subprocessors.change.announced ${removal}`,
      ]),
    )
    expect(new Set(events).size).toBe(events.length)
    expect(new Set(deliveries.map((d) => d.id)).size).toBe(deliveries.length)
    expect(ran.stdout).toContain('subprocessors.change.announced msg_')
    expect(ran.code).toBe(0)
  })
})
