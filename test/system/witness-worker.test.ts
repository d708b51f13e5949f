/**
 * The witness on Cloudflare: src/witness bundled as `wrangler deploy` uploads it, served by
 * Miniflare with its Durable Objects persisted, answering add-checkpoint exactly as the client's
 * command does (test/support/witness-protocol.ts), restart included.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { Miniflare } from 'miniflare'
import { afterAll, beforeAll } from 'vitest'
import { generateCosignerKey } from '../../client/src/cosign/cosignature'
import { bundleWitness } from '../support/harness'
import { describeWitness, WITNESSED_LOG_LIST } from '../support/witness-protocol'

let work: string
let scriptPath: string
let key: { signer: string; verifier: string }
let mf: Miniflare
let url: string

async function start() {
  mf = new Miniflare({
    host: '127.0.0.1',
    port: 0,
    modules: true,
    scriptPath,
    modulesRoot: dirname(scriptPath),
    compatibilityDate: '2026-04-26',
    durableObjects: { WITNESS_LOG: { className: 'WitnessedLog', useSQLite: true } },
    durableObjectsPersist: join(work, 'durable-objects'),
    bindings: { WITNESSED_LOGS: WITNESSED_LOG_LIST, WITNESS_SIGNING_KEY: key.signer },
  })
  url = (await mf.ready).toString().replace(/\/$/, '')
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'witness-worker-'))
  scriptPath = await bundleWitness(join(work, 'bundle'))
  key = await generateCosignerKey('witness.example/cloudflare')
  await start()
})

afterAll(async () => {
  await mf?.dispose()
  await rm(work, { recursive: true, force: true })
})

describeWitness('the witness Worker (Durable Objects)', {
  url: () => url,
  verifierKey: () => key.verifier,
  restart: async () => {
    await mf.dispose()
    await start()
  },
})
