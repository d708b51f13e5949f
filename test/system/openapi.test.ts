/** The OpenAPI document the bundled Worker serves, over KV seeded by the real publish command, linted by Redocly. */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleWorker, publishData, ROOT, serveRegistry } from '../../bench/harness'

const REDOCLY = join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js')
// redocly.yaml turns telemetry off too; these also keep the update check and notices away.
const REDOCLY_OFFLINE = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', REDOCLY_SUPPRESS_NOTIFICATIONS: 'true' }

let work: string
let published: { mf: Miniflare; url: string }
let servedBytes: string

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'registry-openapi-'))
  const bundle = await bundleWorker(join(work, 'dist'))
  await publishData(join(ROOT, 'data'), join(work, 'state'))
  published = await serveRegistry({ scriptPath: bundle.scriptPath, persistTo: join(work, 'state') })
  servedBytes = await fetch(`${published.url}/openapi.json`).then((res) => res.text())
})

afterAll(async () => {
  await published?.mf.dispose()
  await rm(work, { recursive: true, force: true })
})

async function lint(file: string): Promise<{ totals: Record<string, number>; problems: { ruleId: string; severity: string; location: { pointer: string }[] }[] }> {
  const args = [REDOCLY, 'lint', file, '--config', join(ROOT, 'redocly.yaml'), '--format', 'json']
  // It exits non-zero when it finds errors; the report is on stdout either way.
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: ROOT, env: REDOCLY_OFFLINE }).catch((error: { stdout: string }) => error)
  return JSON.parse(stdout)
}

describe('redocly lint with the recommended rules and redocly.yaml', () => {
  it('finds no error and no warning in the served document', async () => {
    const file = join(work, 'openapi.json')
    await writeFile(file, servedBytes)
    const report = await lint(file)
    expect(report.problems).toEqual([])
    expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 })
  })

  it('reports a document without servers or an operationId', async () => {
    const { servers: _, ...broken } = JSON.parse(servedBytes)
    delete broken.paths['/subprocessors'].head.operationId
    const file = join(work, 'broken-openapi.json')
    await writeFile(file, JSON.stringify(broken))
    const report = await lint(file)
    expect(report.problems.map(({ ruleId, severity, location }) => [ruleId, severity, location[0]!.pointer])).toEqual([
      ['no-empty-servers', 'error', '#/openapi'],
      ['operation-operationId', 'warn', '#/paths/~1subprocessors/head/operationId'],
    ])
  })
})
