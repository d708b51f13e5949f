/**
 * `witness --port P --key FILE --logs FILE [--witness-state FILE]`: a C2SP tlog-witness on
 * 127.0.0.1:P (put a TLS proxy in front to serve it). `POST /add-checkpoint` checks each
 * checkpoint against the logs in the log list and the latest one it cosigned, saves the new one
 * (a temporary file, fsync, rename) and only then answers its cosignature. Requests are handled
 * one at a time, so that check and save are one step: two answers never rest on one old size.
 */
import { open, readFile, rename } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { Context } from '../cli/context.js'
import { UsageError } from '../cli/exit.js'
import { serveUntilStopped } from '../cli/serve.js'
import { addCheckpoint, type LatestCheckpoint, MAX_REQUEST_BYTES, originOf } from '../cosign/add-checkpoint.js'
import { parseCosignerSigner } from '../cosign/cosignature.js'
import { parseLogList } from '../cosign/log-list.js'

const STATE_FORMAT = 'subprocessor-witness/1'
/** Conflicting checkpoints kept as proof of a log's misbehaviour, newest last. */
const MAX_CONFLICTS = 100

interface WitnessState {
  format: typeof STATE_FORMAT
  logs: Record<string, LatestCheckpoint>
  conflicts: { origin: string; at: string; latest: string; submitted: string }[]
}

async function loadState(file: string): Promise<WitnessState> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null
    throw error
  })
  if (text === null) return { format: STATE_FORMAT, logs: Object.create(null), conflicts: [] }
  const state = JSON.parse(text) as WitnessState
  if (state.format !== STATE_FORMAT) throw new Error(`${file} is not a witness state file (${STATE_FORMAT})`)
  return { ...state, logs: Object.assign(Object.create(null), state.logs) }
}

async function saveState(file: string, state: WitnessState): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`
  const handle = await open(temporary, 'w', 0o600)
  try {
    await handle.writeFile(`${JSON.stringify(state, null, 2)}\n`)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(temporary, file)
}

export async function witness(ctx: Context): Promise<number> {
  const port = ctx.number('port') ?? usage('witness needs --port P')
  const keyFile = ctx.options.key ?? usage('witness needs --key FILE, the private key keygen wrote')
  const listFile =
    ctx.options.logs ?? usage('witness needs --logs FILE, the logs it witnesses (witness-network.org log-list form)')
  const stateFile = ctx.options['witness-state']
  let signer: Awaited<ReturnType<typeof parseCosignerSigner>>
  let logs: Awaited<ReturnType<typeof parseLogList>>
  try {
    signer = await parseCosignerSigner(await readFile(keyFile, 'utf8'))
    logs = await parseLogList(await readFile(listFile, 'utf8'))
  } catch (error) {
    return usage((error as Error).message)
  }
  const state = await loadState(stateFile)
  let queue: Promise<unknown> = Promise.resolve()
  const oneAtATime = <T>(run: () => Promise<T>): Promise<T> => {
    const next = queue.then(run, run)
    queue = next.catch(() => {})
    return next
  }
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://witness')
    if (url.pathname !== '/add-checkpoint')
      return res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n')
    if (req.method !== 'POST')
      return res.writeHead(405, { Allow: 'POST', 'Content-Type': 'text/plain' }).end('add-checkpoint takes POST\n')
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req) {
      size += (chunk as Buffer).byteLength
      if (size > MAX_REQUEST_BYTES)
        return res.writeHead(413, { 'Content-Type': 'text/plain' }).end(`the body exceeds ${MAX_REQUEST_BYTES} bytes\n`)
      chunks.push(chunk as Buffer)
    }
    const body = Buffer.concat(chunks).toString('utf8')
    try {
      const answer = await oneAtATime(async () => {
        const origin = originOf(body) ?? ''
        const answer = await addCheckpoint(
          body,
          (o) => (logs.get(o) ?? []).map((log) => log.key),
          state.logs[origin] ?? null,
          signer,
          new Date(ctx.io.now?.() ?? Date.now()),
        )
        if (answer.save || answer.conflict) {
          const next: WitnessState = { ...state, logs: Object.assign(Object.create(null), state.logs) }
          if (answer.save) next.logs[origin] = answer.save
          if (answer.conflict)
            next.conflicts = [
              ...state.conflicts,
              {
                origin,
                at: new Date().toISOString(),
                latest: answer.conflict.latest.note,
                submitted: answer.conflict.submitted,
              },
            ].slice(-MAX_CONFLICTS)
          await saveState(stateFile, next)
          state.logs = next.logs
          state.conflicts = next.conflicts
        }
        if (answer.conflict)
          ctx.warn(`${origin}: a checkpoint that conflicts with the latest cosigned; kept in ${stateFile}`)
        if (answer.save) ctx.line(`${origin}: cosigned size ${answer.save.size}`)
        return answer
      })
      res.writeHead(answer.status, { 'Content-Type': answer.contentType }).end(answer.body)
    } catch (error) {
      ctx.warn(`witness fault: ${(error as Error).message}`)
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end('the witness could not save its state\n')
    }
  })
  await serveUntilStopped(ctx, server, port, (url) => [
    `Witnessing ${logs.size} log${logs.size === 1 ? '' : 's'} as ${signer.text}`,
    `Submission prefix: ${url} (POST /add-checkpoint); state in ${stateFile}`,
  ])
  return 0
}

function usage(message: string): never {
  throw new UsageError(message)
}
