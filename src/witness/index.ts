/**
 * A C2SP tlog-witness on Cloudflare: the same `add-checkpoint` as `subprocessor-watch witness`,
 * with each log's latest checkpoint in a Durable Object of its own (one per origin). The object
 * answers one request at a time (blockConcurrencyWhile) and writes before it answers, so check
 * and save are one step, everywhere the Worker runs. The Worker holds the witness's private key
 * as a secret; the logs it witnesses are a var in witness-network.org's log-list form.
 */
import { DurableObject } from 'cloudflare:workers'
import {
  addCheckpoint,
  type LatestCheckpoint,
  MAX_REQUEST_BYTES,
  originOf,
} from '../../client/src/cosign/add-checkpoint'
import { type CosignerSigner, parseCosignerSigner } from '../../client/src/cosign/cosignature'
import { type ListedLog, parseLogList } from '../../client/src/cosign/log-list'

export interface WitnessEnv {
  WITNESS_LOG: DurableObjectNamespace<WitnessedLog>
  /** The logs witnessed, in log-list form (logs/v0, vkey, origin, qpd, contact). */
  WITNESSED_LOGS: string
  /** PRIVATE+KEY+… as `subprocessor-watch keygen` wrote it: a secret. */
  WITNESS_SIGNING_KEY: string
}

/** Conflicting checkpoints a log's object keeps as proof of misbehaviour. */
const MAX_CONFLICTS = 100

interface Configured {
  logs: Map<string, ListedLog[]>
  signer: CosignerSigner
}

// Parsed once per isolate: the config is fixed for a deployment.
let configured: { source: string; value: Promise<Configured> } | null = null

function configuration(env: WitnessEnv): Promise<Configured> {
  const source = `${env.WITNESSED_LOGS}\n${env.WITNESS_SIGNING_KEY}`
  if (configured?.source !== source) {
    const value = (async () => ({
      logs: await parseLogList(env.WITNESSED_LOGS ?? ''),
      signer: await parseCosignerSigner(env.WITNESS_SIGNING_KEY ?? ''),
    }))()
    configured = { source, value }
  }
  return configured.value
}

const keysOf = (logs: Map<string, ListedLog[]>) => (origin: string) => (logs.get(origin) ?? []).map((log) => log.key)

const answerText = (status: number, body: string, contentType = 'text/plain; charset=utf-8') =>
  new Response(body, { status, headers: { 'Content-Type': contentType } })

/** One log's record: its latest cosigned checkpoint, and the conflicting ones it was sent. */
export class WitnessedLog extends DurableObject<WitnessEnv> {
  async fetch(request: Request): Promise<Response> {
    const body = await request.text()
    const { logs, signer } = await configuration(this.env)
    return this.ctx.blockConcurrencyWhile(async () => {
      const latest = (await this.ctx.storage.get<LatestCheckpoint>('latest')) ?? null
      const answer = await addCheckpoint(body, keysOf(logs), latest, signer, new Date())
      if (answer.save) await this.ctx.storage.put('latest', answer.save)
      if (answer.conflict) {
        // One value per conflict (two notes of at most 64 KiB each), the oldest dropped past the cap.
        const count = ((await this.ctx.storage.get<number>('conflicts')) ?? 0) + 1
        const { latest, submitted } = answer.conflict
        await this.ctx.storage.put({
          conflicts: count,
          [`conflict/${count}`]: { at: new Date().toISOString(), latest: latest.note, submitted },
        })
        if (count > MAX_CONFLICTS) await this.ctx.storage.delete(`conflict/${count - MAX_CONFLICTS}`)
      }
      return answerText(answer.status, answer.body, answer.contentType)
    })
  }
}

export default {
  async fetch(request, env): Promise<Response> {
    const { pathname } = new URL(request.url)
    if (pathname !== '/add-checkpoint') return answerText(404, 'not found\n')
    if (request.method !== 'POST') {
      const refused = answerText(405, 'add-checkpoint takes POST\n')
      refused.headers.set('Allow', 'POST')
      return refused
    }
    const length = Number(request.headers.get('Content-Length') ?? 0)
    if (length > MAX_REQUEST_BYTES) return answerText(413, `the body exceeds ${MAX_REQUEST_BYTES} bytes\n`)
    const bytes = new Uint8Array(await request.arrayBuffer())
    if (bytes.byteLength > MAX_REQUEST_BYTES) return answerText(413, `the body exceeds ${MAX_REQUEST_BYTES} bytes\n`)
    const body = new TextDecoder().decode(bytes)
    const { logs, signer } = await configuration(env)
    const origin = originOf(body)
    // Malformed, or a log not witnessed here: answered without waking any log's object.
    if (origin === null || !logs.has(origin)) {
      const answer = await addCheckpoint(body, keysOf(logs), null, signer, new Date())
      return answerText(answer.status, answer.body, answer.contentType)
    }
    return env.WITNESS_LOG.get(env.WITNESS_LOG.idFromName(origin)).fetch('https://witness/add-checkpoint', {
      method: 'POST',
      body,
    })
  },
} satisfies ExportedHandler<WitnessEnv>
