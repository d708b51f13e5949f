/**
 * Witnessed time, end to end: a registry whose data/registry.json names three witnesses and a
 * quorum of two (the client's witness twice, and the witness Worker), published by the real
 * command and served by the bundled Worker. A witness that is down never blocks a publish; the
 * Worker's cron asks again until the quorum is met; the checkpoint, the evidence and the
 * tlog-proof carry the cosignatures, which `verify` checks against a policy.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateCosignerKey, parseCosignerKey, verifyCosignatures } from '../../client/src/cosign/cosignature'
import { run, serving } from '../../client/test/support'
import {
  bundleWitness,
  bundleWorker,
  FIXTURE_DATA,
  freePort,
  publishData,
  ROOT,
  servedVersion,
  serveRegistry,
} from '../support/harness'
import { GO_TOOLS, goRun } from '../support/go'
import { TEST_VERIFIER_KEY } from '../support/keys'
import { WITNESSED_LOG_LIST } from '../support/witness-protocol'

let work: string
let state: string
let data: string
let registry: Awaited<ReturnType<typeof serveRegistry>>
let cloudflareWitness: Miniflare | undefined
const names = ['w1', 'w2', 'w3'] as const
const keys = {} as Record<(typeof names)[number], { signer: string; verifier: string }>
const ports = {} as Record<(typeof names)[number], number>
const running: Partial<Record<'w1' | 'w2', Awaited<ReturnType<typeof serving>>>> = {}
let witnessScript: string

async function startNodeWitness(name: 'w1' | 'w2') {
  running[name] = await serving([
    'witness',
    '--port',
    String(ports[name]),
    '--key',
    join(work, `${name}.key`),
    '--logs',
    join(work, 'logs.txt'),
    '--witness-state',
    join(work, `${name}-state.json`),
  ])
}

async function stopNodeWitness(name: 'w1' | 'w2') {
  await running[name]?.stop()
  delete running[name]
}

async function startCloudflareWitness() {
  cloudflareWitness = new Miniflare({
    host: '127.0.0.1',
    port: ports.w3,
    modules: true,
    scriptPath: witnessScript,
    modulesRoot: dirname(witnessScript),
    compatibilityDate: '2026-04-26',
    durableObjects: { WITNESS_LOG: { className: 'WitnessedLog', useSQLite: true } },
    durableObjectsPersist: join(work, 'w3-objects'),
    bindings: { WITNESSED_LOGS: WITNESSED_LOG_LIST, WITNESS_SIGNING_KEY: keys.w3.signer },
  })
  await cloudflareWitness.ready
}

const policyLines = (quorum: string) => [
  ...names.map((name) => `witness ${name} ${keys[name].verifier} http://127.0.0.1:${ports[name]}`),
  `group two-of-three ${quorum} w1 w2 w3`,
  'quorum two-of-three',
]

async function checkpointNow() {
  return (await fetch(`${registry.url}/log/checkpoint`)).text()
}

async function cosignersOf(note: string) {
  const cosigners = await Promise.all(names.map((name) => parseCosignerKey(keys[name].verifier)))
  return (await verifyCosignatures(note, cosigners)).map((c) => names[cosigners.indexOf(c.key)])
}

/** The Worker's Cron Trigger, run now. */
async function cron() {
  await (await registry.mf.getWorker('registry')).scheduled({ cron: '* * * * *' })
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'witnessing-'))
  state = join(work, 'state')
  witnessScript = await bundleWitness(join(work, 'witness-bundle'))
  for (const name of names) {
    keys[name] = await generateCosignerKey(`witness.example/${name}`)
    ports[name] = await freePort()
    await writeFile(join(work, `${name}.key`), `${keys[name].signer}\n`)
  }
  await writeFile(join(work, 'logs.txt'), WITNESSED_LOG_LIST)
  data = join(work, 'data')
  await cp(FIXTURE_DATA, data, { recursive: true })
  const registryFile = JSON.parse(await readFile(join(data, 'registry.json'), 'utf8'))
  registryFile.evidence.witnessPolicy = policyLines('2')
  await writeFile(join(data, 'registry.json'), JSON.stringify(registryFile, null, 2))
  const { scriptPath } = await bundleWorker(join(work, 'dist'))
  registry = await serveRegistry({ scriptPath, persistTo: state })
  await startNodeWitness('w1')
  await startNodeWitness('w2')
}, 180_000)

afterAll(async () => {
  await stopNodeWitness('w1')
  await stopNodeWitness('w2')
  await cloudflareWitness?.dispose()
  await registry?.mf.dispose()
  await rm(work, { recursive: true, force: true })
})

describe('a registry with witnesses', () => {
  it('publish-data asks every witness; one that is down does not block the publish', async () => {
    const { stdout } = await publishData(data, state)
    expect(stdout).toContain('Published version 1')
    expect(stdout).toMatch(/Witnesses of checkpoint 1: w1 cosigned at \S+, w2 cosigned at \S+\./)
    expect(stdout).toContain('  w3 did not cosign: unreachable')
    expect(stdout).toContain("The witness policy's quorum is met.")
    await servedVersion(registry.url, 1)
    const note = await checkpointNow()
    expect(note.startsWith(`subprocessors.example.com/liveagent\n1\n`)).toBe(true)
    expect(await cosignersOf(note)).toEqual(['w1', 'w2'])
  })

  it('publishes while the quorum is down, and the cron asks again until it is met', async () => {
    await stopNodeWitness('w1')
    await stopNodeWitness('w2')
    const registryFile = JSON.parse(await readFile(join(data, 'registry.json'), 'utf8'))
    registryFile.lastUpdated = '2024-01-15'
    await writeFile(join(data, 'registry.json'), JSON.stringify(registryFile, null, 2))
    const { stdout } = await publishData(data, state)
    expect(stdout).toContain('Published version 2')
    expect(stdout).toContain('Witnesses of checkpoint 2: none has cosigned yet.')
    expect(stdout).toContain("quorum is not met yet: the version is published, and the Worker's cron submits")
    await servedVersion(registry.url, 2)
    expect(await cosignersOf(await checkpointNow())).toEqual([])

    // w1 is back, and cosigns 2 from the 1 it saw, with the proof the Worker builds from its tiles.
    await startNodeWitness('w1')
    await cron()
    expect(await cosignersOf(await checkpointNow())).toEqual(['w1'])
    // w3 starts fresh (old size 0); with it the quorum is met.
    await startCloudflareWitness()
    await cron()
    expect(await cosignersOf(await checkpointNow())).toEqual(['w1', 'w3'])
    const w1State = JSON.parse(await readFile(join(work, 'w1-state.json'), 'utf8'))
    expect(w1State.logs['subprocessors.example.com/liveagent'].size).toBe(2)
    // Met: w2 is not asked again (it is down, and nothing else changes).
    await startNodeWitness('w2')
    await cron()
    expect(await cosignersOf(await checkpointNow())).toEqual(['w1', 'w3'])
  })

  it("serves each version's evidence and tlog-proof with the cosigned checkpoint, which verify checks against a policy", async () => {
    const checkpoint = await checkpointNow()
    const evidence = await (await fetch(`${registry.url}/versions/1/evidence`)).json<{
      checkpoint: string
      links: { proof: string }
    }>()
    expect(evidence.checkpoint).toBe(checkpoint)
    expect(evidence.links.proof).toBe('/versions/1/proof')
    const res = await fetch(`${registry.url}/versions/1/proof`)
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toBe('text/plain; charset=utf-8')
    expect(res.headers.get('Content-Disposition')).toBe('attachment; filename="liveagent-subprocessors-v1.tlog-proof"')
    const proof = await res.text()
    expect(
      proof
        .split('\n')
        .slice(0, 3)
        .map((line) => line.split(' ')[0]),
    ).toEqual(['c2sp.org/tlog-proof@v1', 'extra', 'index'])
    expect(proof).toContain('\nindex 0\n')
    expect(proof.endsWith(`\n\n${checkpoint}`)).toBe(true)

    const proofFile = join(work, 'v1.tlog-proof')
    await writeFile(proofFile, proof)
    const csv = join(work, 'liveagent-subprocessors-eu-en-v1.csv')
    await writeFile(
      csv,
      new Uint8Array(
        await (await fetch(`${registry.url}/subprocessors.csv?region=eu&lang=en&version=1`)).arrayBuffer(),
      ),
    )
    const policy = join(work, 'policy.txt')
    await writeFile(policy, `${policyLines('2').join('\n')}\n`)
    const verified = await run(['verify', csv, '--evidence', proofFile, '--key', TEST_VERIFIER_KEY, '--policy', policy])
    expect(verified.stdout).toContain('of version 1, in force from')
    expect(verified.stdout).toMatch(
      /Witnessed: w1 cosigned at \S+, w3 cosigned at \S+; the policy's quorum \(2 of 3\) is met\./,
    )
    expect(verified.code).toBe(0)

    const unchecked = await run(['verify', csv, '--evidence', proofFile, '--key', TEST_VERIFIER_KEY])
    expect(unchecked.stdout).toContain(
      'The checkpoint carries 2 cosignatures by witnesses; give --policy to check them.',
    )
    expect(unchecked.code).toBe(0)

    const strict = join(work, 'policy-all.txt')
    await writeFile(strict, `${policyLines('all').join('\n')}\n`)
    const short = await run(['verify', csv, '--evidence', proofFile, '--key', TEST_VERIFIER_KEY, '--policy', strict])
    expect(short.stderr).toContain("cosigned by w1, w3, short of the policy's quorum (3 of 3)")
    expect(short.code).toBe(7)
  })
})

// Skipped without Go, as test/system/evidence.test.ts says loudly (never in CI).
describe.runIf(GO_TOOLS)("the cosigned checkpoint, opened by Go's golang.org/x/mod/sumdb/note", () => {
  it('verifies the log signature with note.NewVerifier and each cosignature with a verifier written from the spec', async () => {
    const checkpoint = await checkpointNow()
    const file = join(work, 'cosigned-checkpoint')
    await writeFile(file, checkpoint)
    const cosigners = await Promise.all(names.map((name) => parseCosignerKey(keys[name].verifier)))
    const times = await verifyCosignatures(checkpoint, cosigners)
    const script = join(ROOT, 'test', 'system', 'go', 'cosigned', 'verify-cosigned.go')
    const { stdout } = await goRun(work, script, [file, TEST_VERIFIER_KEY, ...names.map((name) => keys[name].verifier)])
    expect(stdout).toBe(
      ['log: subprocessors.example.com/liveagent', ...times.map((c) => `${c.key.name} time ${c.time}`), ''].join('\n'),
    )
    expect(times.map((c) => c.key.name)).toEqual(['witness.example/w1', 'witness.example/w3'])
    // A cosignature whose time was changed no longer verifies, in Go as here.
    const line = checkpoint.slice(checkpoint.indexOf('— witness.example/w1 '))
    const sig = Buffer.from(line.split('\n')[0]!.split(' ')[2]!, 'base64')
    sig[11] = sig[11]! ^ 1
    await writeFile(file, checkpoint.replace(line.split('\n')[0]!, `— witness.example/w1 ${sig.toString('base64')}`))
    await expect(goRun(work, script, [file, TEST_VERIFIER_KEY, keys.w1.verifier])).rejects.toMatchObject({
      stderr: expect.stringContaining('note.Open: invalid signature') as unknown as string,
    })
  }, 180_000)
})
