/**
 * The format served without this codebase: a folder of files (test/fixtures/static-registry)
 * behind a plain static file server that refuses query strings. The client adds, checks, diffs
 * and exports it, and `conform` passes it at Core and History.
 */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from '../support/harness'
import { signerKey, TEST_SIGNER_KEY, TEST_VERIFIER_KEY } from '../support/keys'
import {
  EXAMPLE_VENDOR,
  type StaticRegistry,
  serveStatic,
  staticEvidence,
  staticRegistryFiles,
  writeStaticRegistry,
} from '../support/static-registry'
import { formatSchema, watch } from '../support/watch'

const FIXTURE = join(ROOT, 'test', 'fixtures', 'static-registry')
const DAY = 24 * 60 * 60 * 1000
let work: string
let root = FIXTURE
let host: Awaited<ReturnType<typeof serveStatic>>
let state: string

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'watch-static-'))
  state = join(work, 'state.json')
  host = await serveStatic(() => root)
})

afterAll(async () => {
  host?.server.close()
  await rm(work, { recursive: true, force: true })
})

describe('a registry that is only static files', () => {
  it('is the committed fixture, file for file', async () => {
    for (const [path, content] of await staticRegistryFiles(EXAMPLE_VENDOR))
      expect(await readFile(join(FIXTURE, path), typeof content === 'string' ? 'utf8' : undefined), path).toEqual(
        content,
      )
  })

  it("follows the format's published JSON Schema", async () => {
    const follows = await formatSchema()
    const read = async (path: string) => JSON.parse(await readFile(join(FIXTURE, path), 'utf8'))
    expect(follows('Discovery', await read('.well-known/subprocessors'))).toEqual([])
    for (const path of ['lists/all.en.json', 'versions/1/all.en.json', 'versions/2/all.en.json'])
      expect(follows('List', await read(path)), path).toEqual([])
    expect(follows('ChangeLog', await read('changes.json'))).toEqual([])
    expect(follows('Versions', await read('versions.json'))).toEqual([])
    // At the Evidence level: each manifest, and the evidence document an auditor is given.
    const signed = {
      ...EXAMPLE_VENDOR,
      evidence: {
        origin: 'subprocessors.example.com/liveagent',
        signer: signerKey(TEST_SIGNER_KEY, TEST_VERIFIER_KEY),
      },
    }
    const files = await staticRegistryFiles(signed)
    expect(follows('Manifest', JSON.parse(String(files.get('versions/2/manifest.json'))))).toEqual([])
    expect(follows('Evidence', JSON.parse(await staticEvidence(signed, 1)))).toEqual([])
  })

  it('is added, with no key to pin, and checked with one request answered 304', async () => {
    const added = await watch('add', host.url, '--state', state, '--allow-private')
    expect(added.stdout).toContain(
      `Watching Example Vendor (${host.url}/.well-known/subprocessors): version 2, 2 sub-processors.`,
    )
    expect(added.stdout).toContain('It serves no signed log: changes are watched, evidence is not.')
    expect(added.code).toBe(0)

    host.requests.length = 0
    const checked = await watch('check', '--state', state)
    expect(checked.stdout).toContain('1 registry: 0 changed, 1 unchanged, 0 evidence failures, 0 errors.')
    expect(checked.code).toBe(0)
    expect(host.requests).toEqual([{ path: '/.well-known/subprocessors', status: 304 }])
  })

  it('diffs two versions from the version index', async () => {
    const { code, stdout } = await watch('diff', host.url, '--from', '1', '--to', '2', '--json', '--allow-private')
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toEqual({
      registry: `${host.url}/.well-known/subprocessors`,
      from: 1,
      to: 2,
      added: [],
      removed: [],
      modified: [
        {
          id: 'example-mail',
          name: 'Example Mail Inc.',
          fields: [{ field: 'location', before: { text: 'United States' }, after: { text: 'Ireland' } }],
        },
      ],
      // The change version 2 announced ahead of its day, from the change log.
      announced: [expect.objectContaining({ id: 'v2/example-mail/modified/2026-03-01T09:00:00.000Z', version: 2 })],
      withdrawn: [],
    })
  })

  it('passes conform at Core and History, and declares nothing more', async () => {
    const { code, stdout } = await watch('conform', host.url, '--json', '--allow-private')
    const report = JSON.parse(stdout) as { levels: unknown; checks: { ok: boolean; must: string; detail?: string }[] }
    expect(report.checks.filter((check) => !check.ok)).toEqual([])
    expect(report.levels).toEqual({
      core: 'pass',
      history: 'pass',
      evidence: 'not-declared',
      push: 'not-declared',
      objections: 'not-declared',
    })
    expect(code).toBe(0)
    // No check asked for a query string: the static host would have answered 400.
    expect(host.requests.filter((request) => request.status >= 400)).toEqual([])
  })

  it('reports a new version as typed events, with effective dates and objection deadlines', async () => {
    const now = Date.now()
    const effective = new Date(now + 40 * DAY).toISOString()
    const v3: StaticRegistry = {
      ...EXAMPLE_VENDOR,
      versions: [
        ...EXAMPLE_VENDOR.versions,
        {
          publishedAt: new Date(now - DAY).toISOString(),
          entries: [
            ...EXAMPLE_VENDOR.versions[1]!.entries,
            {
              id: 'example-analytics',
              name: 'Example Analytics GmbH',
              purpose: 'Product analytics',
              location: 'Austria',
              regions: ['eu'],
            },
          ],
          changes: [
            {
              type: 'added',
              entry: { id: 'example-analytics', name: 'Example Analytics GmbH' },
              regions: ['eu'],
              version: 3,
              announcedAt: '2026-02-01T00:00:00.000Z',
              effectiveAt: new Date(now - DAY).toISOString(),
              objectionDeadline: new Date(now - DAY).toISOString(),
            },
            {
              type: 'removed',
              entry: { id: 'example-hosting', name: 'Example Hosting Ltd.' },
              regions: ['eu'],
              version: 3,
              announcedAt: new Date(now - DAY).toISOString(),
              effectiveAt: effective,
              objectionDeadline: effective,
            },
          ],
        },
      ],
    }
    root = join(work, 'v3')
    await cp(FIXTURE, root, { recursive: true })
    await writeStaticRegistry(root, v3)

    const { code, stdout } = await watch('check', '--state', state, '--json')
    const { reports } = JSON.parse(stdout) as { reports: { outcome: string; version: number; events: unknown[] }[] }
    expect(reports[0]).toMatchObject({ outcome: 'changed', version: 3 })
    // In the order the log gives them: oldest first.
    expect(reports[0]!.events).toEqual([
      expect.objectContaining({
        kind: 'added',
        subprocessor: { id: 'example-analytics', name: 'Example Analytics GmbH' },
        version: 3,
      }),
      expect.objectContaining({
        kind: 'announced',
        vendor: 'Example Vendor',
        type: 'removed',
        subprocessor: { id: 'example-hosting', name: 'Example Hosting Ltd.' },
        regions: ['eu'],
        effectiveAt: effective,
        objectionDeadline: effective,
        version: 3,
      }),
    ])
    expect(code).toBe(1)
    expect((await watch('check', '--state', state)).code).toBe(0)
  })

  it('exports the portfolio as CSV that opens cleanly in a spreadsheet', async () => {
    const { code, stdout } = await watch('export', '--format', 'csv', '--state', state)
    expect(code).toBe(0)
    const lines = stdout.split('\r\n')
    expect(lines[0]).toBe(
      '\ufeffvendor,registry,version,published,evidence,last_check,subprocessor_id,name,purpose,location,regions',
    )
    expect(lines.slice(1, -1).map((line) => line.split(',').slice(6, 7)[0])).toEqual([
      'example-hosting',
      'example-mail',
      'example-analytics',
    ])
    expect(lines[1]).toContain(`Example Vendor,${host.url}/.well-known/subprocessors,3,`)
    expect(lines[1]).toContain(',not-offered,unchanged ')
  })
})
