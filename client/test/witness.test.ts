/**
 * `keygen` and `witness`: the client's own C2SP tlog-witness, answering over HTTP exactly as the
 * spec gives each status and body (test/support/witness-protocol.ts), with its state in a file
 * that holds the latest checkpoint per log and the conflicting ones it was sent.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../test/support/harness'
import { describeWitness, WITNESSED_LOG_LIST, WITNESSED_ORIGIN } from '../../test/support/witness-protocol'
import { toBase64 } from '../src/bytes'
import { parseCosignerKey } from '../src/cosign/cosignature'
import { run, serving } from './support'

let work: string
let witnessKey: string
let keyFile: string
let listFile: string
let stateFile: string
let witness: Awaited<ReturnType<typeof serving>>

const start = async () =>
  serving([
    'witness',
    '--port',
    String(await freePort()),
    '--key',
    keyFile,
    '--logs',
    listFile,
    '--witness-state',
    stateFile,
  ])

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'client-witness-'))
  keyFile = join(work, 'witness.key')
  listFile = join(work, 'logs.txt')
  stateFile = join(work, 'witness-state.json')
  const made = await run(['keygen', '--name', 'witness.example/w1', '--out', keyFile])
  expect(made.code).toBe(0)
  witnessKey = made.stdout.trim().split('\n').at(-1)!
  await writeFile(listFile, WITNESSED_LOG_LIST)
  witness = await start()
})

afterAll(async () => {
  await witness?.stop()
  await rm(work, { recursive: true, force: true })
})

describe('keygen', () => {
  it('prints a cosignature verifier key (type 0x04) and writes the private key, readable by its owner only', async () => {
    const key = await parseCosignerKey(witnessKey)
    expect(key.name).toBe('witness.example/w1')
    expect(Buffer.from(witnessKey.split('+').slice(2).join('+'), 'base64')[0]).toBe(0x04)
    expect((await readFile(keyFile, 'utf8')).startsWith('PRIVATE+KEY+witness.example/w1+')).toBe(true)
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600)
  })

  it('never overwrites a key', async () => {
    const again = await run(['keygen', '--name', 'witness.example/w1', '--out', keyFile])
    expect(again.code).toBe(64)
    expect(again.stderr).toContain('exists: keygen never overwrites a key')
  })
})

describeWitness('subprocessor-watch witness', {
  url: () => witness.url,
  verifierKey: () => witnessKey,
  restart: async () => {
    await witness.stop()
    witness = await start()
  },
})

describe('the witness state file', () => {
  it('holds the latest checkpoint per log, and keeps a validly signed conflicting one as proof of misbehaviour', async () => {
    const state = JSON.parse(await readFile(stateFile, 'utf8'))
    expect(state.format).toBe('subprocessor-witness/1')
    expect(Object.keys(state.logs).sort()).toEqual(['other.example/log', WITNESSED_ORIGIN])
    expect(state.conflicts.map((c: { origin: string }) => c.origin)).toEqual([WITNESSED_ORIGIN, WITNESSED_ORIGIN])
    expect(state.conflicts[1].submitted).toContain(`${WITNESSED_ORIGIN}\n7\n${toBase64(new Uint8Array(32))}\n`)
  })
})
