/**
 * The record says exactly what changed, end to end: the bundled Worker as `npm start` serves it,
 * data published by the real command, and a subscribed receiver. Three edits of an ordinary week,
 * each followed through the JSON change log, the Atom feed, the webhooks and the page:
 *
 * 1. a translation fixed: of an announced addition (amended, not announced again) and of an
 *    entry in force (a correction, never pushed);
 * 2. a language added: no record, nothing pushed, nothing announced again;
 * 3. an announcement amended to a later date: the same id, an `amended` event.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { XMLParser } from 'fast-xml-parser'
import type { Miniflare } from 'miniflare'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleWorker, FIXTURE_DATA, publishData, serveRegistry, servedVersion } from '../support/harness'
import { loadData } from '../../src/cli/load-data'
import { ACME, withLanguage } from '../support/history'
import { formatSchema } from '../support/watch'

const DAY = 24 * 60 * 60 * 1000
const effective = new Date(Date.now() + 45 * DAY).toISOString().slice(0, 10)
const later = new Date(Date.now() + 60 * DAY).toISOString().slice(0, 10)

let work: string
let persistTo: string
let registry: { mf: Miniflare; url: string }
let receiver: Server
const deliveries: { type: string; id: string; change: string }[] = []
let secret = ''

interface LogChange {
  id: string
  type: string
  entry: { id: string }
  version: number
  effectiveAt: string
  amended: { version: number; changed: string[] }[]
  withdrawn: unknown
}

/** The data as published at each step: the fixture, with these edits. */
async function dataDir(name: string, edit: (dir: string) => Promise<void>): Promise<string> {
  const dir = join(work, name)
  await cp(FIXTURE_DATA, dir, { recursive: true })
  await edit(dir)
  return dir
}
const editJson = async (dir: string, file: string, change: (value: any) => void) => {
  const value = JSON.parse(await readFile(join(dir, file), 'utf8'))
  change(value)
  await writeFile(join(dir, file), JSON.stringify(value, null, 2))
}
const announce = (dir: string, announcements: unknown[]) =>
  editJson(dir, 'announcements.json', (file) => {
    file.announcements = announcements
  })

async function publish(dir: string, version: number) {
  await publishData(dir, persistTo)
  await servedVersion(registry.url, version)
  // The cron tick, as Cloudflare (and npm start) runs it every minute.
  const worker = await registry.mf.getWorker('registry')
  await worker.scheduled({ scheduledTime: new Date(), cron: '* * * * *' })
  await new Promise((resolve) => setTimeout(resolve, 1500))
}

const get = (path: string) => fetch(`${registry.url}${path}`)
const changeLog = async (lang = 'en') =>
  ((await (await get(`/changes.json?region=all&lang=${lang}&since=0`)).json()) as { changes: LogChange[] }).changes
const atomIds = async () => {
  const feed = new XMLParser({ ignoreAttributes: false }).parse(
    await (await get('/changes.atom?region=eu&lang=en')).text(),
  )
  const entries = feed.feed.entry === undefined ? [] : [feed.feed.entry].flat()
  return entries.map((entry: { id: string; category: { '@_term': string }[] }) => [
    entry.id.split('/change/')[1],
    [entry.category].flat().map((category) => category['@_term']),
  ])
}
const upcoming = async () =>
  (
    ((await (await get('/subprocessors.json?region=eu&lang=en')).json()) as { upcoming?: { id: string }[] }).upcoming ??
    []
  ).map((change) => change.id)
const page = async (lang = 'en') => (await get(`/subprocessors.html?region=eu&lang=${lang}`)).text()
const since = (count: number) => deliveries.slice(count).map((d) => `${d.type} ${d.change}`)

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'change-scenarios-'))
  persistTo = join(work, 'state')
  receiver = createServer(async (req, res) => {
    let body = ''
    for await (const chunk of req) body += chunk
    const event = JSON.parse(body)
    if (event.type === 'webhook.verification') return res.end(JSON.stringify({ challenge: event.data.challenge }))
    const payload = new Webhook(secret).verify(body, req.headers as Record<string, string>) as typeof event
    deliveries.push({ type: payload.type, id: String(req.headers['webhook-id']), change: payload.data.change.id })
    res.writeHead(204).end()
  })
  await new Promise<void>((listening) => receiver.listen(0, '127.0.0.1', listening))
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
  await publish(FIXTURE_DATA, 1)
  const port = (receiver.address() as AddressInfo).port
  const subscribed = await get('/webhooks').then(() =>
    fetch(`${registry.url}/webhooks`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: `http://127.0.0.1:${port}/hooks`, regions: ['all'] }),
    }),
  )
  expect(subscribed.status).toBe(201)
  secret = ((await subscribed.json()) as { secret: string }).secret
  // Version 2 announces Acme: the week starts from there.
  await publish(await dataDir('v2', (dir) => announce(dir, [{ add: ACME, effective }])), 2)
}, 240_000)

afterAll(async () => {
  receiver?.close()
  await registry?.mf.dispose()
  await rm(work, { recursive: true, force: true })
})

describe('what an ordinary week records', () => {
  const acme = `v2/acme-analytics/added/${effective}T00:00:00.000Z`

  it('starts from one announced addition, announced once', async () => {
    expect((await changeLog()).map((c) => c.id)).toEqual([acme])
    expect(await upcoming()).toEqual([acme])
    expect(since(0)).toEqual([`subprocessors.change.announced ${acme}`])
  })

  it("1. a translation fixed: the announcement amended under its own id, an entry's text corrected, nothing pushed but the amendment", async () => {
    const pushed = deliveries.length
    const v3 = await dataDir('v3', async (dir) => {
      await announce(dir, [
        { add: { ...ACME, purpose: { ...ACME.purpose, de: 'Ein synthetischer Dienst für Tests.' } }, effective },
      ])
      await editJson(dir, 'subprocessors.json', (file) => {
        file.subprocessors.find((e: { id: string }) => e.id === 'twilio').purpose.de =
          'LiveAgent nutzt Twilio als VoIP-Anbieter.'
      })
    })
    await publish(v3, 3)
    const log = await changeLog()
    expect(log.map((c) => [c.id, c.type, c.amended.map((a) => `${a.version}:${a.changed.join('+')}`)])).toEqual([
      [expect.stringMatching(/^v3\/twilio\/corrected\//), 'corrected', []],
      [acme, 'added', ['3:purpose']],
    ])
    expect(await upcoming()).toEqual([acme])
    // As the format's published schema describes a change log: a reader built from it takes both.
    const follows = await formatSchema()
    expect(follows('ChangeLog', await (await get('/changes.json?region=all&lang=en&since=0')).json())).toEqual([])
    const atom = await atomIds()
    expect(atom.map(([id]) => id)).toEqual([expect.stringMatching(/^v3\/twilio\/corrected\//), acme])
    expect(atom[0]![1]).toEqual(['corrected', 'effective'])
    // The correction is no change in the facts: never pushed. The amendment is.
    expect(since(pushed)).toEqual([`subprocessors.change.amended ${acme}`])
    const html = await page()
    expect(html.match(/Acme Analytics, Inc\./g)?.length).toBe(1)
  })

  it('2. a language added: no record, nothing pushed, and every record in the new language too', async () => {
    const pushed = deliveries.length
    const before = (await changeLog()).map((c) => c.id)
    // As docs/changing-the-data.md says: the language declared, its locale, and every text in it.
    const v4 = await dataDir('v4', async (dir) => {
      const loaded = await loadData(join(work, 'v3'))
      if (!loaded.ok) throw new Error('v3 does not validate')
      const data = withLanguage(loaded.data, 'fr', 'en', 'Français')
      await writeFile(join(dir, 'registry.json'), JSON.stringify(data.registry, null, 2))
      await writeFile(join(dir, 'regions.json'), JSON.stringify(data.regions, null, 2))
      await writeFile(join(dir, 'subprocessors.json'), JSON.stringify(data.subprocessors, null, 2))
      await writeFile(join(dir, 'announcements.json'), JSON.stringify({ announcements: data.announcements }, null, 2))
      await writeFile(join(dir, 'locales', 'fr.json'), JSON.stringify(data.locales.fr, null, 2))
    })
    await publish(v4, 4)
    expect((await changeLog()).map((c) => c.id)).toEqual(before)
    expect((await changeLog('fr')).map((c) => c.id)).toEqual(before)
    expect(await upcoming()).toEqual([acme])
    expect(since(pushed)).toEqual([])
    const versions = ((await (await get('/versions.json?lang=en')).json()) as { versions: unknown }).versions as {
      version: number
      languages?: string[]
    }[]
    expect(versions[0]).toMatchObject({ version: 4, languages: ['lv', 'en', 'de', 'fr'] })
    expect((await page('fr')).match(/Acme Analytics, Inc\./g)?.length).toBe(1)
  })

  it('3. an announcement moved to a later date: the same id, amended, and one amended event', async () => {
    const pushed = deliveries.length
    const v5 = await dataDir('v5', async (dir) => {
      await cp(join(work, 'v4'), dir, { recursive: true })
      await editJson(dir, 'announcements.json', (file) => {
        file.announcements[0].effective = later
      })
    })
    await publish(v5, 5)
    const [latest] = (await changeLog()).filter((c) => c.entry.id === 'acme-analytics')
    expect(latest).toMatchObject({
      id: acme,
      version: 2,
      effectiveAt: `${later}T00:00:00.000Z`,
      amended: [
        expect.objectContaining({ version: 3 }),
        expect.objectContaining({ version: 5, changed: ['effectiveAt'] }),
      ],
      withdrawn: null,
    })
    expect(await upcoming()).toEqual([acme])
    expect((await atomIds()).filter(([id]) => id === acme)).toHaveLength(1)
    expect(since(pushed)).toEqual([`subprocessors.change.amended ${acme}`])
    // Each delivery once: an amendment has its own webhook-id.
    expect(new Set(deliveries.map((d) => d.id)).size).toBe(deliveries.length)
    expect(await (await get('/changes.html?region=eu&lang=en')).text()).toContain('Amended in version 5')
  })
})
