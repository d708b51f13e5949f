// Requests that never reach the Worker: workerd answers them itself. docs/errors.md
// says so, and this keeps it true.
import { mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleWorker, FIXTURE_DATA, publishData, serveRegistry } from '../support/harness'

let work: string
let server: Awaited<ReturnType<typeof serveRegistry>>

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'registry-platform-'))
  const { scriptPath } = await bundleWorker(join(work, 'dist'))
  await publishData(FIXTURE_DATA, join(work, 'state'))
  server = await serveRegistry({ scriptPath, persistTo: join(work, 'state') })
})
afterAll(async () => {
  await server?.mf.dispose()
  await rm(work, { recursive: true, force: true })
})

/** Sends one request line as written, and reads back the status line and body. */
function rawRequest(requestLine: string): Promise<{ status: number; body: string }> {
  const { port } = new URL(server.url)
  return new Promise((resolve, reject) => {
    let received = ''
    const socket = connect(Number(port), '127.0.0.1', () =>
      socket.write(`${requestLine}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`),
    )
    const done = () => {
      socket.destroy()
      const [head = '', body = ''] = received.split('\r\n\r\n')
      resolve({ status: Number(head.split(' ')[1]), body })
    }
    socket.on('data', (chunk) => {
      received += chunk
      const [head = '', body] = received.split('\r\n\r\n')
      const length = /content-length: (\d+)/i.exec(head)?.[1]
      if (body !== undefined && length !== undefined && Buffer.byteLength(body) >= Number(length)) done()
    })
    socket.on('end', done)
    socket.on('error', reject)
  })
}

describe('methods and targets workerd answers before the Worker', () => {
  it.each(['FOO', 'TRACK'])('answers an unknown method token %s with 501', async (method) => {
    expect(await rawRequest(`${method} /subprocessors.json HTTP/1.1`)).toEqual({
      status: 501,
      body: 'ERROR: Unrecognized request method.',
    })
  })

  it.each(['CONNECT 127.0.0.1:443 HTTP/1.1', 'GET http://127.0.0.1/subprocessors.json HTTP/1.1', 'OPTIONS * HTTP/1.1'])(
    'answers %s with a plain 500',
    async (line) => {
      expect(await rawRequest(line)).toEqual({ status: 500, body: 'Internal Server Error' })
    },
  )

  it.each(['TRACE', 'PROPFIND', 'PATCH'])('lets %s through to the Worker, which answers 405', async (method) => {
    const { status, body } = await rawRequest(`${method} /subprocessors.json HTTP/1.1`)
    expect(status).toBe(405)
    expect(JSON.parse(body)).toMatchObject({ error: { code: 'method_not_allowed' } })
  })
})
