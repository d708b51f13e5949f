/**
 * The evidence an auditor keeps, end to end: three versions published by the real command, served
 * by the bundled Worker; each version's CSV checked offline by `npm run verify`, and the log checked
 * by tools nobody here wrote: Go's golang.org/x/mod/sumdb/note and tlog, from Debian. Then the
 * file, the key, the proof and the stored bytes are tampered with, and each is caught.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleWorker, FIXTURE_DATA, publishData, ROOT, servedVersion, serveRegistry, tsx } from '../support/harness'
import { GO_TOOLS, goRun } from '../support/go'
import { NEXT_VERIFIER_KEY, TEST_VERIFIER_KEY } from '../support/keys'

let work: string
let state: string
let scriptPath: string
let registry: { mf: Miniflare; url: string }
/** Per version: the evidence document as served right after its publish, and its EU CSV in English. */
const saved: { evidence: string; csv: string }[] = []

async function download(path: string, name?: string): Promise<string> {
  const res = await fetch(`${registry.url}${path}`)
  expect(res.status, path).toBe(200)
  const file = join(
    work,
    name ?? /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') ?? '')?.[1] ?? `download-${saved.length}`,
  )
  await writeFile(file, new Uint8Array(await res.arrayBuffer()))
  return file
}

/** data/ with a later "last updated" date: a new version with the same sub-processors. */
async function dataUpdatedOn(date: string): Promise<string> {
  const dir = join(work, `data-${date}`)
  await cp(FIXTURE_DATA, dir, { recursive: true })
  const registryFile = JSON.parse(await readFile(join(dir, 'registry.json'), 'utf8'))
  registryFile.lastUpdated = date
  await writeFile(join(dir, 'registry.json'), JSON.stringify(registryFile))
  return dir
}

async function verify(file: string, evidence: string, key = TEST_VERIFIER_KEY): Promise<{ code: number; out: string }> {
  try {
    // What `npm run verify` runs: the client's own command.
    const { stdout } = await tsx(join(ROOT, 'client', 'src', 'cli.ts'), [
      'verify',
      file,
      '--evidence',
      evidence,
      '--key',
      key,
    ])
    return { code: 0, out: stdout }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, out: failed.stdout + failed.stderr }
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'registry-evidence-'))
  state = join(work, 'state')
  scriptPath = (await bundleWorker(join(work, 'dist'))).scriptPath
  registry = await serveRegistry({ scriptPath, persistTo: state })
  for (const data of [FIXTURE_DATA, await dataUpdatedOn('2024-01-15'), await dataUpdatedOn('2024-02-20')]) {
    await publishData(data, state)
    const version = saved.length + 1
    await servedVersion(registry.url, version)
    saved.push({
      evidence: await download(`/versions/${version}/evidence`, `evidence-v${version}.json`),
      csv: await download(`/subprocessors.csv?region=eu&lang=en&version=${version}`),
    })
  }
}, 240_000)

afterAll(async () => {
  await registry?.mf.dispose()
  await rm(work, { recursive: true, force: true })
})

describe('subprocessor-watch verify, which npm run verify runs', () => {
  it("says of each version's CSV what it is, when it was in force, and where the log holds it", async () => {
    for (const [i, { evidence, csv }] of saved.entries()) {
      expect(csv).toMatch(new RegExp(`liveagent-subprocessors-eu-en-v${i + 1}\\.csv$`))
      const { code, out } = await verify(csv, evidence)
      expect(out).toContain(
        `Verified: the file is, byte for byte, the list for region eu, language en, csv (/subprocessors.csv?region=eu&lang=en) of version ${i + 1}, in force from `,
      )
      expect(out).toContain(`included in the log at size ${i + 1} under key ${TEST_VERIFIER_KEY}.`)
      expect(code).toBe(0)
    }
  })

  it('verifies against the newest evidence too, which proves an older version into a larger tree', async () => {
    const newest = join(work, 'evidence-v1-at-3.json')
    await writeFile(newest, await (await fetch(`${registry.url}/versions/1/evidence`)).text())
    const { code, out } = await verify(saved[0]!.csv, newest)
    expect(out).toContain('of version 1, in force from')
    expect(out).toContain('included in the log at size 3')
    expect(code).toBe(0)
  })

  it.each<[string, (paths: { csv: string; evidence: string }) => Promise<[string, string, string?]>, number, string]>([
    [
      'a tampered file',
      async ({ csv, evidence }) => {
        const bytes = await readFile(csv)
        bytes.set([bytes[bytes.length - 3]! ^ 1], bytes.length - 3)
        const copy = join(work, 'tampered', 'liveagent-subprocessors-eu-en-v2.csv')
        await mkdir(join(work, 'tampered'), { recursive: true })
        await writeFile(copy, bytes)
        return [copy, evidence]
      },
      2,
      'The file is not what it claims to be: the list for region eu, language en, csv',
    ],
    [
      'a file the manifest does not list',
      async ({ evidence }) => {
        const other = join(work, 'notes.txt')
        await writeFile(other, 'minutes of a meeting\n')
        return [other, evidence]
      },
      3,
      'lists no representation with these bytes',
    ],
    [
      'a key that did not sign the checkpoint',
      async ({ csv, evidence }) => [csv, evidence, NEXT_VERIFIER_KEY],
      4,
      'The checkpoint is not signed by',
    ],
    [
      'a proof that does not match',
      async ({ csv, evidence }) => {
        const doc = JSON.parse(await readFile(evidence, 'utf8'))
        doc.inclusionProof[0] = Buffer.alloc(32, 7).toString('base64')
        const altered = join(work, 'altered-proof.json')
        await writeFile(altered, JSON.stringify(doc))
        return [csv, altered]
      },
      5,
      'The inclusion proof does not lead from the manifest of version 2',
    ],
    [
      'a manifest changed inside the evidence',
      async ({ csv, evidence }) => {
        const doc = JSON.parse(await readFile(evidence, 'utf8'))
        doc.manifest = doc.manifest.replace('"version":2', '"version":2 ')
        const altered = join(work, 'altered-manifest.json')
        await writeFile(altered, JSON.stringify(doc))
        return [csv, altered]
      },
      5,
      'The inclusion proof does not lead',
    ],
    [
      'an evidence document that is not one',
      async ({ csv }) => [csv, await download('/subprocessors.json?region=eu&lang=en', 'list.json')],
      6,
      'is not a sub-processor registry evidence document',
    ],
  ])('names %s, with its exit code', async (_, prepare, code, message) => {
    const [file, evidence, key] = await prepare(saved[1]!)
    const result = await verify(file, evidence, key)
    expect(result.out).toContain(message)
    expect(result.code).toBe(code)
  })
})

// Debian's golang-go and golang-golang-x-mod-dev, which .ci/run installs. Without them the Go check is skipped, loudly, except in CI.
if (!GO_TOOLS) {
  if (process.env.CI)
    throw new Error(
      'The Go verifier must run in CI, and Go or golang.org/x/mod is missing. .ci/run installs golang-go and golang-golang-x-mod-dev.',
    )
  console.warn(
    "\n!!  THE GO VERIFIER IS SKIPPED: install golang-go and golang-golang-x-mod-dev (Debian) to check the log with Go's sumdb.\n",
  )
}

describe.runIf(GO_TOOLS)("Go's golang.org/x/mod/sumdb, which nobody here wrote", () => {
  it('opens every checkpoint with the published key, and accepts the inclusion and consistency proofs', async () => {
    const discovery = await fetch(`${registry.url}/.well-known/subprocessors`).then((res) =>
      res.json<{ evidence: { verifierKey: string } }>(),
    )
    expect(discovery.evidence.verifierKey).toBe(TEST_VERIFIER_KEY)
    const { stdout } = await goRun(work, join(ROOT, 'test', 'system', 'go', 'verify-log.go'), [
      registry.url,
      discovery.evidence.verifierKey,
      ...saved.map((s) => s.evidence),
    ])
    expect(stdout).toBe(
      [
        'checkpoint: subprocessors.example.com/liveagent, 3 versions',
        'version 1: included; tree 1 consistent with tree 3',
        'version 2: included; tree 2 consistent with tree 3',
        'version 3: included; tree 3 consistent with tree 3',
        '',
      ].join('\n'),
    )
  }, 180_000)

  it('refuses the log when a key other than the published one is pinned', async () => {
    await expect(
      goRun(work, join(ROOT, 'test', 'system', 'go', 'verify-log.go'), [
        registry.url,
        NEXT_VERIFIER_KEY,
        saved[0]!.evidence,
      ]),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining('note.Open: note has no verifiable signatures') as unknown as string,
    })
  }, 180_000)
})
