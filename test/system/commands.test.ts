import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Validator } from '@seriousme/openapi-schema-validator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleWorker, FIXTURE_DATA, publishData, ROOT, serveRegistry, tsx } from '../support/harness'

let work: string
let bundle: Awaited<ReturnType<typeof bundleWorker>>

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'registry-system-'))
  bundle = await bundleWorker(join(work, 'dist'))
})
afterAll(() => rm(work, { recursive: true, force: true }))

async function copyOfData(name: string) {
  const dir = join(work, name)
  await cp(FIXTURE_DATA, dir, { recursive: true })
  return dir
}

async function failure(promise: Promise<unknown>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    await promise
  } catch (error) {
    return error as { code: number; stdout: string; stderr: string }
  }
  throw new Error('the command succeeded')
}

describe('npm run validate', () => {
  it('accepts data/', async () => {
    const { stdout } = await tsx(join(ROOT, 'src', 'cli', 'validate.ts'), ['--data', FIXTURE_DATA])
    expect(stdout).toContain('is valid: 14 sub-processors, 4 regions.')
  })

  it('exits non-zero and names the file, entry and field of every problem', async () => {
    const dir = await copyOfData('broken')
    const file = join(dir, 'subprocessors.json')
    const data = JSON.parse(await readFile(file, 'utf8'))
    data.subprocessors[1].location.countries = ['UK']
    data.subprocessors[8].regions = []
    await writeFile(file, JSON.stringify(data))
    await writeFile(join(dir, 'regions.json'), '{ "regions": [')
    const { code, stderr } = await failure(tsx(join(ROOT, 'src', 'cli', 'validate.ts'), ['--data', dir]))
    expect(code).toBe(1)
    expect(stderr).toContain(`1 problem in ${dir}:`)
    expect(stderr).toContain(`${join(dir, 'regions.json')} › (whole file):`)
    await cp(join(FIXTURE_DATA, 'regions.json'), join(dir, 'regions.json'))
    const again = await failure(tsx(join(ROOT, 'src', 'cli', 'validate.ts'), ['--data', dir]))
    expect(again.stderr).toBe(
      [
        `2 problems in ${dir}:`,
        `  ${file} › linode-uk › location.countries[0]: "UK" is not an ISO 3166-1 alpha-2 country code`,
        `  ${file} › quality-unit-llc › regions: must list at least one region`,
        '',
      ].join('\n'),
    )
  })

  it('refuses to publish invalid data and writes nothing', async () => {
    const dir = await copyOfData('invalid')
    await writeFile(join(dir, 'subprocessors.json'), '{"regionsBasis": {"lv": "x", "en": "x"}, "subprocessors": []}')
    const state = join(work, 'state-invalid')
    const { code, stderr } = await failure(publishData(dir, state))
    expect(code).toBe(1)
    expect(stderr).toContain('› subprocessors: must list at least one sub-processor')
    await expect(readFile(join(state, 'v3', 'kv'))).rejects.toThrow()
  })
})

describe('npm run publish-data', () => {
  it('prints what it wrote, and writes nothing the second time', async () => {
    const state = join(work, 'state-publish')
    const first = await publishData(FIXTURE_DATA, state)
    expect(first.stdout).toMatch(/Version 1 \(previous: none\), published at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z/)
    expect(first.stdout).toContain('300 representations')
    expect(first.stdout).toMatch(/lists {10}75 .*\(json .*, html .*, csv .*\)/)
    expect(first.stdout).toContain('the current pointer now names it.')
    const second = await publishData(FIXTURE_DATA, state)
    expect(second.stdout).toContain('Unchanged: version 1')
    expect(second.stdout).toContain('Nothing written.')
  })

  it('writes nothing on --dry-run', async () => {
    const state = join(work, 'state-dry')
    const dry = await publishData(FIXTURE_DATA, state, ['--dry-run'])
    expect(dry.stdout).toContain('Dry run: nothing written.')
    const real = await publishData(FIXTURE_DATA, state)
    expect(real.stdout).toContain('Version 1 (previous: none)')
  })

  it('prints the typed change set on --dry-run, and refuses a change announced with too little notice, writing nothing', async () => {
    const state = join(work, 'state-announce')
    await publishData(FIXTURE_DATA, state)
    const dir = await copyOfData('announced')
    const day = (days: number) => new Date(Date.now() + days * 24 * 3600 * 1000).toISOString().slice(0, 10)
    const announce = (effective: string) =>
      writeFile(
        join(dir, 'announcements.json'),
        JSON.stringify({
          announcements: [
            { remove: 'openai', effective: day(40) },
            { change: 'twilio', set: { regions: ['us'] }, effective },
          ],
        }),
      )

    await announce(day(45))
    const dry = await publishData(dir, state, ['--dry-run'])
    expect(dry.stdout).toContain('Changes in version 2 against version 1:\n')
    expect(dry.stdout).toContain(`  removed   openai                   OpenAI: takes effect ${day(40)}\n`)
    expect(dry.stdout).toContain(
      `  modified  twilio                   Twilio, Inc. [regions]: takes effect ${day(45)}, objections until ${day(45)}\n`,
    )
    expect(dry.stdout).toContain('Dry run: nothing written.')

    await announce(day(10))
    const { code, stderr } = await failure(publishData(dir, state))
    expect(code).toBe(1)
    expect(stderr).toContain(
      `twilio: a change of regions needs 30 days' notice, but it would take effect on ${day(10)}; the earliest date allowed is ${day(30)}.`,
    )
    const again = await publishData(FIXTURE_DATA, state)
    expect(again.stdout).toContain('Unchanged: version 1')
  })

  it("refuses a remote publish with the example's origin before anything is written, saying where to set the real one", async () => {
    const { code, stderr } = await failure(publishData(FIXTURE_DATA, join(work, 'state-remote'), ['--remote']))
    expect(code).toBe(64)
    expect(stderr).toContain(
      'The public origin: https://subprocessors.example.com is a special-use name (.example.com), not the origin of a deployed registry. Set PUBLIC_ORIGIN under [vars] in wrangler.toml',
    )
  })

  it('publishes through the wrangler CLI, the --remote path, into local KV that the bundle serves', async () => {
    const state = join(work, 'state-wrangler')
    const published = await publishData(FIXTURE_DATA, state, ['--via-wrangler'])
    expect(published.stdout).toContain('Published version 1 to local KV and D1, through the wrangler CLI')
    const again = await publishData(FIXTURE_DATA, state, ['--via-wrangler'])
    expect(again.stdout).toContain('Unchanged: version 1')
    const { mf, url } = await serveRegistry({ scriptPath: bundle.scriptPath, persistTo: state })
    try {
      const res = await fetch(`${url}/subprocessors/twilio.json?lang=lv`)
      expect(res.status).toBe(200)
      expect((await res.json<{ purpose: string }>()).purpose).toBe(
        'LiveAgent izmanto Twillio kā savu VoIP pakalpojumu sniedzēju.',
      )
    } finally {
      await mf.dispose()
    }
  })
})

describe('the deployable bundle', () => {
  it('is at most 64 KiB gzipped and carries no publish-time code', async () => {
    expect(bundle.gzipBytes).toBeLessThanOrEqual(64 * 1024)
    const source = await readFile(bundle.scriptPath, 'utf8')
    for (const publishOnly of ['Invalid input: expected', 'toJSONSchema', 'renderListHtml', 'countries-list'])
      expect(source).not.toContain(publishOnly)
  })

  it('serves an OpenAPI document that a real OpenAPI 3.1 validator accepts', async () => {
    const state = join(work, 'state-openapi')
    await publishData(FIXTURE_DATA, state)
    const { mf, url } = await serveRegistry({ scriptPath: bundle.scriptPath, persistTo: state })
    try {
      const document = await fetch(`${url}/openapi.json`).then((res) => res.json() as Promise<Record<string, unknown>>)
      const validator = new Validator()
      const result = await validator.validate(document)
      expect(result.errors ?? []).toEqual([])
      expect(result.valid).toBe(true)
      expect(validator.version).toBe('3.1')
      const list = await fetch(`${url}/subprocessors.json?region=eu&lang=en`)
      expect(list.status).toBe(200)
      const revalidated = await fetch(`${url}/subprocessors.json?region=eu&lang=en`, {
        headers: { 'If-None-Match': list.headers.get('ETag')! },
      })
      expect(revalidated.status).toBe(304)
    } finally {
      await mf.dispose()
    }
  })
})

describe('npm run announce', () => {
  const announce = (dir: string, ...args: string[]) =>
    tsx(join(ROOT, 'src', 'cli', 'announce.ts'), [...args, '--data', dir])
  const announcements = async (dir: string) =>
    JSON.parse(await readFile(join(dir, 'announcements.json'), 'utf8')).announcements

  it('announces, amends and withdraws, keeping only edits after which the data validates', async () => {
    const dir = join(work, 'data-announce')
    await cp(FIXTURE_DATA, dir, { recursive: true })
    const entry = join(work, 'acme.json')
    await writeFile(
      entry,
      JSON.stringify({
        id: 'acme-analytics',
        name: 'Acme Analytics, Inc.',
        category: 'service',
        purpose: { lv: 'Produktu analītika', en: 'Product analytics', de: 'Produktanalyse' },
        location: { countries: ['DE'], text: { lv: 'Vācija', en: 'Germany', de: 'Deutschland' } },
        regions: ['eu', 'uk'],
        assurances: [],
      }),
    )
    expect((await announce(dir, 'add', '--entry', entry, '--effective', '2027-03-01')).stdout).toContain(
      'Announced the addition of acme-analytics for 2027-03-01.',
    )
    expect((await announce(dir, 'remove', 'openai', '--effective', '2027-02-01')).stdout).toContain(
      'Announced the removal of openai for 2027-02-01.',
    )
    expect((await announce(dir, 'amend', 'acme-analytics', '--effective', '2027-04-01')).stdout).toContain(
      'Amended the announcement about acme-analytics: it keeps its id',
    )
    expect((await announce(dir, 'withdraw', 'openai')).stdout).toContain('Withdrew the announcement about openai')
    expect(await announcements(dir)).toEqual([
      expect.objectContaining({ add: expect.objectContaining({ id: 'acme-analytics' }), effective: '2027-04-01' }),
    ])
    // An edit the data refuses leaves the file as it was.
    const before = await readFile(join(dir, 'announcements.json'), 'utf8')
    const refused = await failure(announce(dir, 'remove', 'no-such-entry', '--effective', '2027-02-01'))
    expect(refused.code).toBe(64)
    expect(refused.stderr).toContain('"no-such-entry" is not an entry in subprocessors.json')
    expect(await readFile(join(dir, 'announcements.json'), 'utf8')).toBe(before)
    // A second announcement about one entry is refused: an entry has one announcement at a time.
    const twice = await failure(announce(dir, 'change', 'acme-analytics', '--set', 'regions=["eu"]'))
    expect(twice.stderr).toContain('another announcement above is about "acme-analytics"')
  })
})
