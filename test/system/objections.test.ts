/**
 * Objections end to end through the bundled Worker: the operator registers a customer with
 * `npm run customers`, the customer objects with `subprocessor-watch object` and keeps a receipt
 * that `receipts` checks again, the operator lists it, and the same objection sent 20 times at
 * once over HTTP is stored once, with one receipt for every sender.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { run } from '../../client/test/support'
import { bundleWorker, FIXTURE_DATA, publishData, ROOT, servedVersion, serveRegistry, tsx } from '../support/harness'
import { ACME } from '../support/history'
import { GO_TOOLS, goRun } from '../support/go'
import { TEST_RECEIPT_SIGNER_KEY, TEST_RECEIPT_VERIFIER_KEY } from '../support/keys'
import { formatSchema } from '../support/watch'

let work: string
let state: string
let data: string
let effective: string
let registry: Awaited<ReturnType<typeof serveRegistry>>
let customerKey: string
let change: string
const ADMIN = 'admin-token-for-objection-tests'
/** The objection and receipt `object` kept, before the receipt is tampered with. */
let untampered: { objection: string; receipt: string }

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'objections-'))
  state = join(work, 'state')
  data = join(work, 'data')
  await cp(FIXTURE_DATA, data, { recursive: true })
  effective = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10)
  const registryFile = JSON.parse(await readFile(join(data, 'registry.json'), 'utf8'))
  registryFile.evidence.receiptKey = TEST_RECEIPT_VERIFIER_KEY
  await writeFile(join(data, 'registry.json'), JSON.stringify(registryFile, null, 2))
  // The list first, then the announcement: a change of version 1 would be part of the baseline.
  await publishData(data, state)
  await writeFile(join(data, 'announcements.json'), JSON.stringify({ announcements: [{ add: ACME, effective }] }))
  await publishData(data, state)
  const { scriptPath } = await bundleWorker(join(work, 'dist'))
  registry = await serveRegistry({
    scriptPath,
    persistTo: state,
    bindings: { RECEIPT_SIGNING_KEY: TEST_RECEIPT_SIGNER_KEY, ADMIN_TOKEN: ADMIN },
  })
  await servedVersion(registry.url, 2)
  change = `v2/acme-analytics/added/${effective}T00:00:00.000Z`
  const made = await run([
    'keygen',
    '--note',
    '--name',
    'acme-gmbh.example/objections',
    '--out',
    join(work, 'customer.key'),
  ])
  customerKey = made.stdout.trim().split('\n').at(-1)!
  const { stdout } = await tsx(join(ROOT, 'src', 'cli', 'customers.ts'), [
    'add',
    '--name',
    'Acme GmbH',
    '--key',
    customerKey,
    '--persist-to',
    state,
  ])
  expect(stdout).toContain('Added Acme GmbH as cus_')
}, 180_000)

afterAll(async () => {
  await registry?.mf.dispose()
  await rm(work, { recursive: true, force: true })
})

describe('the receipt key', () => {
  it('is in discovery, with where objections go, and in the manifest, where the log records each rotation', async () => {
    const discovery = await (await fetch(`${registry.url}/.well-known/subprocessors`)).json<{ objections: unknown }>()
    expect(discovery.objections).toEqual({
      submit: '/objections',
      inclusion: '/objections/{digest}/inclusion',
      receiptKey: TEST_RECEIPT_VERIFIER_KEY,
    })
    const manifest = await (await fetch(`${registry.url}/versions/1/manifest`)).json<{ receiptKey: string }>()
    expect(manifest.receiptKey).toBe(TEST_RECEIPT_VERIFIER_KEY)
  })

  it('passes conform at every level, Objections included, and follows the format schema', async () => {
    const report = JSON.parse((await run(['conform', registry.url, '--json', '--allow-private'])).stdout)
    expect(report.checks.filter((check: { ok: boolean }) => !check.ok)).toEqual([])
    expect(report.checks.filter((check: { level: string }) => check.level === 'objections')).toHaveLength(4)
    expect(report.levels).toEqual({ core: 'pass', history: 'pass', evidence: 'pass', push: 'pass', objections: 'pass' })
    const follows = await formatSchema()
    const discovery = await (await fetch(`${registry.url}/.well-known/subprocessors`)).json()
    expect(follows('Discovery', discovery)).toEqual([])
    expect(follows('Manifest', await (await fetch(`${registry.url}/versions/1/manifest`)).json())).toEqual([])
    expect(follows('Discovery', { ...(discovery as object), objections: { submit: '/objections' } })).not.toEqual([])
  })

  it('makes the page say how to object as signed data, with the id of each change open to objection', async () => {
    const page = await (await fetch(`${registry.url}/subprocessors.html?region=eu&lang=en`)).text()
    expect(page).toContain(
      'To object, write to <a href="mailto:andrej@liveagent.com">andrej@liveagent.com</a> before the objection deadline. Customers registered for signed objections can also object with <code>subprocessor-watch object</code>, naming the change&#39;s id; the registry answers with a signed receipt.</p>',
    )
    expect(page).toContain(`<code>${change}</code>`)
  })
})

describe('an objection, from the customer to the operator', () => {
  it('is signed and sent by subprocessor-watch object, which checks and keeps the receipt', async () => {
    const receipts = join(work, 'receipts.jsonl')
    const watch = join(work, 'watch.json')
    expect((await run(['add', registry.url, '--yes', '--allow-private', '--state', watch])).code).toBe(0)
    const before = await run(['check', '--state', watch, '--receipts', receipts])
    expect(before.stdout).toContain(`LiveAgent: ${change} may be objected to until `)
    expect(before.stdout).toContain('; you have not objected.')
    const args = [
      'object',
      registry.url,
      change,
      '--reason',
      'data-location',
      '--text',
      'Our EU data may not go to a US analytics vendor.',
      '--key',
      join(work, 'customer.key'),
      '--receipts',
      receipts,
      '--allow-private',
    ]
    const sent = await run(args)
    expect(sent.stdout).toMatch(
      /^Received at \S+Z: the receipt is signed by subprocessors\.example\.com\/liveagent\/receipts\+c470dda0\+/,
    )
    expect(sent.code).toBe(0)
    const after = await run(['check', '--state', watch, '--receipts', receipts])
    expect(after.stdout).toMatch(/LiveAgent: \S+ may be objected to until \S+; you objected, received \S+Z\./)
    const listed = await run(['receipts', '--receipts', receipts, '--state', watch])
    expect(listed.stdout).toMatch(
      new RegExp(
        `^${change.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: received \\S+Z by subprocessors\\.example\\.com/liveagent; the receipt verifies\\.\\n  Not committed to yet: the next version the registry publishes commits to it\\.\\n$`,
      ),
    )
    expect(listed.code).toBe(0)
    const kept = JSON.parse((await readFile(receipts, 'utf8')).trim())
    untampered = kept
    await writeFile(
      receipts,
      `${JSON.stringify({ ...kept, receipt: kept.receipt.replace('received 2', 'received 1') })}\n`,
    )
    expect((await run(['receipts', '--receipts', receipts, '--state', watch])).code).toBe(2)
    await writeFile(receipts, `${JSON.stringify(kept)}\n`)

    const operator = await fetch(`${registry.url}/objections`, { headers: { Authorization: `Bearer ${ADMIN}` } })
    const body = await operator.json<{ changes: { change: string; objections: { customer: { name: string } }[] }[] }>()
    expect(body.changes.map((c) => [c.change, c.objections.map((o) => o.customer.name)])).toEqual([
      [change, ['Acme GmbH']],
    ])
  })

  it('is stored once when sent 20 times at once over HTTP, and every sender gets the same receipt', async () => {
    const { generateKey, parseSignerKey, signNote } = await import('../../client/src/log/signed-note')
    const { objectionText } = await import('../../client/src/objections/protocol')
    const signer = await parseSignerKey(await readFile(join(work, 'customer.key'), 'utf8'))
    const note = await signNote(
      objectionText({
        registry: 'subprocessors.example.com/liveagent',
        change,
        category: 'other',
        reason: 'Sent twenty times at once.',
        objectedAt: '2026-12-07T00:00:00Z',
      }),
      [signer],
    )
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${registry.url}/objections`, {
          method: 'POST',
          body: note,
          headers: { 'Content-Type': 'text/plain' },
        }).then(async (res) => ({ status: res.status, body: await res.text() })),
      ),
    )
    expect(new Set(answers.map((a) => a.body)).size).toBe(1)
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1)
    expect(answers.filter((a) => a.status === 200)).toHaveLength(19)
    const operator = await fetch(`${registry.url}/objections`, { headers: { Authorization: `Bearer ${ADMIN}` } })
    const body = await operator.json<{ changes: { objections: unknown[] }[] }>()
    expect(body.changes[0]!.objections).toHaveLength(2)
    expect(generateKey).toBeTypeOf('function')
  })
})

describe('the commitment', () => {
  it('is in the next version, and receipts proves the objection in it from the signed checkpoint down', async () => {
    // The checkpoint before the publish: an edge may serve it for a moment after.
    const older = await (await fetch(`${registry.url}/log/checkpoint`)).text()
    await writeFile(
      join(data, 'announcements.json'),
      JSON.stringify({
        announcements: [
          { add: ACME, effective },
          { remove: 'openai', effective },
        ],
      }),
    )
    expect((await publishData(data, state)).stdout).toContain('Published version 3')
    await servedVersion(registry.url, 3)
    const manifest = await (await fetch(`${registry.url}/versions/3/manifest`)).json<{ objections: unknown }>()
    expect(manifest.objections).toMatchObject({ size: 2 })
    const receipts = join(work, 'receipts.jsonl')
    const watch = join(work, 'watch.json')
    const stale = await run(['receipts', '--receipts', receipts, '--state', watch], {
      fetch: async (input, init) =>
        String(input).endsWith('/log/checkpoint') ? new Response(older) : fetch(input, init),
    })
    expect(stale.stdout).toContain(
      '  Committed to by version 3, which the signed log read here does not hold yet: run receipts again shortly.\n',
    )
    expect(stale.code).toBe(0)
    const proven = await run(['receipts', '--receipts', receipts, '--state', watch])
    expect(proven.stdout).toContain('  Committed to by version 3 (leaf 1 of 2), checked against the signed log.\n')
    expect(proven.code).toBe(0)
    // Nothing public says who objected, why, or which objection: not a list, feed, log, manifest or the page.
    const kept0 = JSON.parse((await readFile(receipts, 'utf8')).trim())
    const digest = Buffer.from(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode(kept0.objection)),
    ).toString('base64')
    const secrets = [
      'Acme GmbH',
      'Our EU data may not go',
      'Sent twenty times',
      customerKey,
      digest,
      digest.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
    ]
    const discovery = await (await fetch(`${registry.url}/.well-known/subprocessors`)).json<{
      lists: { href: string }[]
      history: { versions: { href: string }[]; changeLogs: { href: string }[]; changes?: { href: string }[] }
    }>()
    const urls = [
      '/.well-known/subprocessors',
      '/log/checkpoint',
      '/openapi.json',
      '/schema.json',
      '/changes.atom?region=all&lang=en',
      '/changes.jsonfeed?region=all&lang=en',
      '/changes.csv?region=all&lang=en',
      ...discovery.lists.map((l) => l.href),
      ...discovery.history.versions.map((l) => l.href),
      ...discovery.history.changeLogs.map((l) => l.href),
      ...[1, 2, 3].flatMap((v) => [`/versions/${v}/manifest`, `/versions/${v}/evidence`, `/versions/${v}/proof`]),
    ]
    for (const path of urls) {
      const res = await fetch(new URL(path, registry.url))
      expect(res.status, path).toBe(200)
      const body = await res.text()
      for (const secret of secrets) expect(body.includes(secret), `${path} holds ${secret.slice(0, 20)}`).toBe(false)
    }

    // Without the log pinned by `add`, there is nothing to check a proof against: it says so.
    const kept = JSON.parse((await readFile(receipts, 'utf8')).trim())
    const other = join(work, 'other-receipts.jsonl')
    await writeFile(other, `${JSON.stringify(kept)}\n`)
    expect((await run(['receipts', '--receipts', other, '--state', join(work, 'nobody.json')])).stderr).toContain(
      'is not watched with its signed log',
    )
  })
})

describe.runIf(GO_TOOLS)("the objection and its receipt, opened by Go's golang.org/x/mod/sumdb/note", () => {
  it('verifies both signatures, and that the receipt names the objection, the customer and the change', async () => {
    const kept = untampered
    const objectionFile = join(work, 'objection.note')
    const receiptFile = join(work, 'receipt.note')
    await writeFile(objectionFile, kept.objection)
    await writeFile(receiptFile, kept.receipt)
    const script = join(ROOT, 'test', 'system', 'go', 'objection', 'open-objection.go')
    const { stdout } = await goRun(work, script, [objectionFile, receiptFile, customerKey, TEST_RECEIPT_VERIFIER_KEY])
    expect(stdout).toMatch(
      new RegExp(
        `^objection by acme-gmbh\\.example/objections to ${change.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, received \\S+Z\\n$`,
      ),
    )
    await writeFile(objectionFile, kept.objection.replace('data-location', 'data-locatiom'))
    await expect(
      goRun(work, script, [objectionFile, receiptFile, customerKey, TEST_RECEIPT_VERIFIER_KEY]),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining('note.Open') as unknown as string,
    })
  }, 180_000)
})

describe('npm run customers', () => {
  const customers = (...args: string[]) =>
    tsx(join(ROOT, 'src', 'cli', 'customers.ts'), [...args, '--persist-to', state])

  it('lists the customers, names the webhook their resolutions go to, and revokes one, whose next objection is refused', async () => {
    const id = /^(cus_\S+) /m.exec((await customers('list')).stdout)![1]!
    expect((await customers('webhook', id, 'sub_acme')).stdout).toBe(
      `Resolutions of ${id}'s objections are pushed to sub_acme from now on.\n`,
    )
    expect((await customers('list')).stdout).toBe(`${id}  active   Acme GmbH  ${customerKey}  → sub_acme\n`)
    await expect(customers('webhook', id, 'not-a-webhook')).rejects.toMatchObject({
      stderr: expect.stringContaining('webhook needs the customer') as unknown as string,
    })
    expect((await customers('revoke', id)).stdout).toBe(
      `Revoked ${id}: its objections are refused from now on; those received stay.\n`,
    )
    expect((await customers('list')).stdout).toMatch(new RegExp(`^${id}  revoked  Acme GmbH`))
    const refused = await run([
      'object',
      registry.url,
      change,
      '--reason',
      'other',
      '--text',
      'After revocation.',
      '--key',
      join(work, 'customer.key'),
      '--receipts',
      join(work, 'revoked-receipts.jsonl'),
      '--allow-private',
    ])
    expect(refused.stderr).toContain('refused the objection: customer_revoked')
  })
})
