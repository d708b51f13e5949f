/**
 * The receiver in docs/vendor-risk-tools.md, run as written (on a free port): it answers what is
 * not an event with 400 and stays up, echoes its own verification, and accepts a delivery signed
 * with the secret in subscription.json.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, ROOT } from '../support/harness'

const SECRET = `whsec_${Buffer.from('a receiver test secret, 32 bytes').toString('base64')}`
let receiver: ChildProcess
let base: string
const dir = join(ROOT, '.wrangler', 'tmp', 'doc-receiver')

beforeAll(async () => {
  const markdown = await readFile(join(ROOT, 'docs', 'vendor-risk-tools.md'), 'utf8')
  const code = /```js\n(\/\/ receiver\.mjs[\s\S]*?)```/.exec(markdown)?.[1]
  if (!code) throw new Error('docs/vendor-risk-tools.md has no receiver.mjs example')
  const port = await freePort()
  // Inside the repository, so that the example's import of standardwebhooks resolves as a user's would.
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'receiver.mjs'), code.replace('.listen(8788,', `.listen(${port},`))
  await writeFile(join(dir, 'subscription.json'), JSON.stringify({ secret: SECRET }))
  receiver = spawn(process.execPath, ['receiver.mjs'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  base = `http://127.0.0.1:${port}`
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(base).then(
        () => true,
        () => false,
      )
    )
      return
    await new Promise((done) => setTimeout(done, 50))
  }
  throw new Error('the receiver did not start')
})

afterAll(async () => {
  receiver?.kill()
  await rm(dir, { recursive: true, force: true })
})

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/hooks`, { method: 'POST', body, headers })

describe('the documented webhook receiver', () => {
  it.each([
    ['a GET', () => fetch(base)],
    ['a body that is not JSON', () => post('hello')],
    ['JSON null', () => post('null')],
    ['JSON without a type', () => post('{"data":{}}')],
    ['an event with no data', () => post('{"type":"webhook.verification"}')],
  ])('answers %s with 4xx and stays up', async (_, send) => {
    const res = await send()
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
    expect(receiver.exitCode).toBeNull()
  })

  it('echoes the challenge of its own verification only', async () => {
    const own = await post(
      JSON.stringify({
        type: 'webhook.verification',
        data: { challenge: 'c-1', verificationToken: 'my-receiver-7d1e' },
      }),
    )
    expect(await own.json()).toEqual({ challenge: 'c-1' })
    expect(
      (
        await post(
          JSON.stringify({ type: 'webhook.verification', data: { challenge: 'c-2', verificationToken: 'other' } }),
        )
      ).status,
    ).toBe(403)
  })

  it('accepts a signed delivery, and refuses one signed with another secret', async () => {
    const body = JSON.stringify({
      type: 'subprocessors.change.announced',
      data: { change: { summary: { en: 'Acme added' } } },
    })
    const sign = (secret: string) => new Webhook(secret).sign('msg_1', new Date(), body)
    const headers = (secret: string) => ({
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
      'webhook-signature': sign(secret),
    })
    expect((await post(body, headers(SECRET))).status).toBe(204)
    expect(
      (await post(body, headers(`whsec_${Buffer.from('another secret of thirty-two byte').toString('base64')}`)))
        .status,
    ).toBe(400)
  })
})
