/**
 * The client checks the witnesses: a registry's checkpoints must carry the cosignatures its
 * witness policy (C2SP tlog-policy) requires, `check` says who witnessed, and a split view is
 * caught and proven. Registries are static files on loopback; the witnesses are the client's own
 * `witness` command, the same ones every watcher of a registry would share.
 */
import type { Server } from 'node:http'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../test/support/harness'
import { signerKey, TEST_SIGNER_KEY, TEST_VERIFIER_KEY } from '../../test/support/keys'
import {
  EXAMPLE_VENDOR,
  type StaticRegistry,
  serveStatic,
  writeStaticRegistry,
} from '../../test/support/static-registry'
import { WITNESSED_LOG_LIST } from '../../test/support/witness-protocol'
import { parseCosignerKey } from '../src/cosign/cosignature'
import { submitCheckpoint } from '../src/cosign/submit'
import { MerkleTree } from '../src/log/merkle'
import { tilePath } from '../src/log/tiles'
import { run, serving } from './support'

const ORIGIN = 'subprocessors.example.com/liveagent'
const KEY = signerKey(TEST_SIGNER_KEY, TEST_VERIFIER_KEY)
const ONE: StaticRegistry = {
  ...EXAMPLE_VENDOR,
  versions: EXAMPLE_VENDOR.versions.slice(0, 1),
  evidence: { origin: ORIGIN, signer: KEY },
}
const TWO: StaticRegistry = { ...EXAMPLE_VENDOR, evidence: { origin: ORIGIN, signer: KEY } }
/** Another first version under the same log: the other half of a split view. */
const FORKED: StaticRegistry = {
  ...ONE,
  versions: [{ ...ONE.versions[0]!, entries: ONE.versions[0]!.entries.slice(0, 1) }],
}

let work: string
const servers: Server[] = []
const witnesses: { name: string; url: string; key: string; stop: () => Promise<unknown>; id: string }[] = []
/** The newest witness of each policy name: the current case's. */
const newest = (names: string[]) => names.map((name) => [...witnesses].reverse().find((w) => w.name === name)!)

let started = 0

/** A witness of its own (key and state) under a policy name: every case's registry is the same log, so each case starts its own. */
async function startWitness(name: string) {
  const id = `${name}-${++started}`
  const keyFile = join(work, `${id}.key`)
  const made = await run(['keygen', '--name', `witness.example/${id}`, '--out', keyFile])
  const key = made.stdout.trim().split('\n').at(-1)!
  const served = await serving([
    'witness',
    '--port',
    String(await freePort()),
    '--key',
    keyFile,
    '--logs',
    join(work, 'logs.txt'),
    '--witness-state',
    join(work, `${id}-state.json`),
  ])
  witnesses.push({ name, url: served.url, key, stop: served.stop, id })
  return witnesses.at(-1)!
}

/** A static registry in `dir` (replaced), with its checkpoint cosigned by the witnesses named. */
async function publish(dir: string, registry: StaticRegistry, cosigners: string[]) {
  await writeStaticRegistry(dir, registry)
  const file = join(dir, 'log', 'checkpoint')
  const note = await readFile(file, 'utf8')
  const size = registry.versions.length
  const tile = new Uint8Array(await readFile(join(dir, 'log', 'tile', tilePath(0, 0, size))))
  const tree = await MerkleTree.fromLeafHashes(Array.from({ length: size }, (_, i) => tile.slice(i * 32, i * 32 + 32)))
  const asked = await Promise.all(
    newest(cosigners).map(async (w) => ({ name: w.name, key: await parseCosignerKey(w.key), url: w.url })),
  )
  // The log does not know where each witness stands: a 409 tells it, as the spec lets a log learn.
  const outcomes = await submitCheckpoint(asked, {
    note,
    size,
    proof: (old) => tree.consistencyProof(old, size),
    lastCosigned: () => 0,
    fetch,
  })
  await writeFile(file, `${note}${outcomes.flatMap((o) => ('cosignature' in o ? [o.cosignature.line] : [])).join('')}`)
  return outcomes
}

async function host(name: string, registry: StaticRegistry, cosigners: string[]) {
  const dir = join(work, name)
  await publish(dir, registry, cosigners)
  let served = dir
  const server = await serveStatic(() => served)
  servers.push(server.server)
  return { ...server, dir, serve: (other: string) => void (served = other) }
}

async function policyFile(name: string, quorum: string, members = ['w1', 'w2']) {
  const file = join(work, `${name}.policy`)
  const lines = newest(members).map((w) => `witness ${w.name} ${w.key} ${w.url}`)
  await writeFile(
    file,
    [`# ${name}`, ...lines, `group mine ${quorum} ${members.join(' ')}`, 'quorum mine', ''].join('\n'),
  )
  return file
}

const stateFile = (name: string) => join(work, `${name}.state.json`)

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'client-witnessed-'))
  await writeFile(join(work, 'logs.txt'), WITNESSED_LOG_LIST)
})

const startPair = async () => {
  await startWitness('w1')
  await startWitness('w2')
}

afterAll(async () => {
  for (const server of servers) server.close()
  for (const w of witnesses) await w.stop()
  await rm(work, { recursive: true, force: true })
})

describe('a watcher with a witness policy', () => {
  it('says who witnessed each checkpoint; one below the quorum is an evidence failure, and the last good state stays', async () => {
    await startPair()
    const registry = await host('quorum', ONE, ['w1', 'w2'])
    const state = stateFile('quorum')
    const policy = await policyFile('both', 'all')
    const added = await run([
      'add',
      registry.url,
      '--key',
      TEST_VERIFIER_KEY,
      '--policy',
      policy,
      '--state',
      state,
      '--allow-private',
    ])
    expect(added.stdout).toContain('Its checkpoints must carry the cosignatures your witness policy requires.')
    expect(added.code).toBe(0)
    const first = await run(['check', '--state', state, '--allow-private'])
    expect(first.stdout).toContain('Example Vendor: witnessed by 2 of 2 (w1, w2); the quorum is 2 of 2.')
    expect(first.stdout).toMatch(/Example Vendor\s+1\s+unchanged\s+verified\s+2 of 2\s+0/)
    expect(first.code).toBe(0)

    // Version 2, and only w1 has seen it: from 1, after its 409 told the log where it stood.
    const outcomes = await publish(registry.dir, TWO, ['w1'])
    expect(outcomes.map((o) => ('cosignature' in o ? o.witness.name : o.failure))).toEqual(['w1'])
    const saved = await readFile(state, 'utf8')
    const short = await run(['check', '--state', state, '--allow-private'])
    expect(short.stdout).toContain("is witnessed by 1 of 2 (w1), short of the policy's quorum (2 of 2)")
    expect(short.code).toBe(2)
    const kept = JSON.parse(await readFile(state, 'utf8'))
    expect(Object.values(kept.registries as Record<string, { version: number }>)[0]!.version).toBe(1)
    expect(JSON.stringify(JSON.parse(saved).registries)).toBe(JSON.stringify(kept.registries))

    // w2 catches up: the version is read, witnessed by both.
    await publish(registry.dir, TWO, ['w1', 'w2'])
    const caught = await run(['check', '--state', state, '--allow-private'])
    expect(caught.stdout).toContain('witnessed by 2 of 2 (w1, w2)')
    expect(caught.code).toBe(1)
  })

  it('refuses a checkpoint whose cosignature by a policy witness does not verify', async () => {
    await startPair()
    const registry = await host('forged-cosignature', ONE, ['w1'])
    const state = stateFile('forged-cosignature')
    const policy = await policyFile('one', 'any')
    const file = join(registry.dir, 'log', 'checkpoint')
    const note = await readFile(file, 'utf8')
    const name = `witness.example/${newest(['w1'])[0]!.id}`
    const line = note.slice(note.lastIndexOf(`— ${name} `))
    const sig = Buffer.from(line.trim().split(' ').at(-1)!, 'base64')
    sig[20] = sig[20]! ^ 1
    await writeFile(file, note.replace(line, `— ${name} ${sig.toString('base64')}\n`))
    const added = await run([
      'add',
      registry.url,
      '--key',
      TEST_VERIFIER_KEY,
      '--policy',
      policy,
      '--state',
      state,
      '--allow-private',
    ])
    expect(added.stderr).toContain("a witness's cosignature on the checkpoint")
    expect(added.stderr).toContain('does not verify')
    expect(added.code).toBe(2)
  })

  it('refuses a checkpoint larger than 64 KiB, which it would otherwise keep in its state', async () => {
    await startPair()
    const registry = await host('bloated', ONE, ['w1'])
    const file = join(registry.dir, 'log', 'checkpoint')
    const junk = Array.from(
      { length: 90 },
      (_, i) => `— junk.example/${i} ${Buffer.alloc(700, i).toString('base64')}\n`,
    )
    await writeFile(file, `${await readFile(file, 'utf8')}${junk.join('')}`)
    const state = stateFile('bloated')
    const added = await run(['add', registry.url, '--key', TEST_VERIFIER_KEY, '--state', state, '--allow-private'])
    expect(added.stderr).toContain('is larger than 64 KiB')
    expect(added.code).toBe(2)
  })

  it('applies a global policy (check --policy) to registries added without one', async () => {
    await startPair()
    const registry = await host('global', ONE, ['w2'])
    const state = stateFile('global')
    expect(
      (await run(['add', registry.url, '--key', TEST_VERIFIER_KEY, '--state', state, '--allow-private'])).code,
    ).toBe(0)
    const plain = await run(['check', '--state', state, '--allow-private'])
    expect(plain.stdout).toMatch(/Example Vendor\s+1\s+unchanged\s+verified\s+—\s+0/)
    const needsW1 = await run([
      'check',
      '--state',
      state,
      '--allow-private',
      '--policy',
      await policyFile('w1-only', 'all', ['w1']),
    ])
    expect(needsW1.stdout).toContain("witnessed by 0 of 1 (none), short of the policy's quorum (1 of 1)")
    expect(needsW1.code).toBe(2)
    const anyOfTwo = await run([
      'check',
      '--state',
      state,
      '--allow-private',
      '--policy',
      await policyFile('any', 'any'),
    ])
    expect(anyOfTwo.stdout).toContain('witnessed by 1 of 2 (w2); the quorum is 1 of 2.')
    expect(anyOfTwo.code).toBe(0)
  })
})

describe('a split view', () => {
  it('is refused by a shared witness, so the watcher shown the other view fails its quorum', async () => {
    const w3 = await startWitness('w3')
    const policy = await policyFile('shared', 'all', ['w3'])
    // One view for watcher A, another of the same size for watcher B; the registry asks w3 to cosign both.
    const a = await host('view-a', ONE, ['w3'])
    const b = await host('view-b', FORKED, [])
    const refused = await publish(b.dir, FORKED, ['w3'])
    expect(refused.map((o) => ('failure' in o ? o.failure : 'cosigned'))).toEqual(['answered 422'])
    const witnessState = JSON.parse(await readFile(join(work, `${newest(['w3'])[0]!.id}-state.json`), 'utf8'))
    expect(witnessState.conflicts).toHaveLength(1)
    const stateA = stateFile('watcher-a')
    const stateB = stateFile('watcher-b')
    const addedA = await run([
      'add',
      a.url,
      '--key',
      TEST_VERIFIER_KEY,
      '--policy',
      policy,
      '--state',
      stateA,
      '--allow-private',
    ])
    expect(addedA.code).toBe(0)
    const addedB = await run([
      'add',
      b.url,
      '--key',
      TEST_VERIFIER_KEY,
      '--policy',
      policy,
      '--state',
      stateB,
      '--allow-private',
    ])
    expect(addedB.stderr).toContain("witnessed by 0 of 1 (none), short of the policy's quorum (1 of 1)")
    expect(addedB.code).toBe(2)
    expect(w3.name).toBe('w3')
  })

  it('is caught and proven by a watcher shown both: the two signed notes are printed and kept, and check exits 2', async () => {
    // Each view cosigned by a witness that never saw the other; the watcher accepts either witness.
    await startPair()
    const registry = await host('switching', ONE, ['w1'])
    const other = join(work, 'switching-other')
    await publish(other, FORKED, ['w2'])
    const state = stateFile('switching')
    const policy = await policyFile('either', 'any')
    const added = await run([
      'add',
      registry.url,
      '--key',
      TEST_VERIFIER_KEY,
      '--policy',
      policy,
      '--state',
      state,
      '--allow-private',
    ])
    expect(added.code).toBe(0)
    const seen = await readFile(join(registry.dir, 'log', 'checkpoint'), 'utf8')
    const served = await readFile(join(other, 'log', 'checkpoint'), 'utf8')
    registry.serve(other)
    const caught = await run(['check', '--state', state, '--allow-private'])
    expect(caught.stdout).toContain(
      'the log at size 1 now has another root: the registry showed two histories of its log (a split view)',
    )
    expect(caught.stdout).toContain(`The checkpoint seen before:\n${seen}\nThe checkpoint served now:\n${served}`)
    expect(caught.code).toBe(2)
    const kept = JSON.parse(await readFile(state, 'utf8'))
    expect(Object.values(kept.checks as Record<string, { splitView?: object }>)[0]!.splitView).toEqual({ seen, served })
    // The last good state stands, so every later check says so again until the registry answers for it.
    expect((await run(['check', '--state', state, '--allow-private'])).code).toBe(2)
  })
})
