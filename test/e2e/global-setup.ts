/**
 * What `npm start` does, isolated: the project's own publish command into a temporary state
 * folder, then `wrangler dev` with the project's config on a free port. The browser suite runs
 * against it. Without Chromium the suite is skipped, loudly, except in CI, where it must run.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { access, constants, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { TestProject } from 'vitest/node'
import { WORKING_DATA } from '../support/working-data'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the registry answers, e.g. http://127.0.0.1:41234; empty when the suite is skipped. */
    baseUrl: string
    /** The Chromium executable; empty when there is none. */
    chromium: string
  }
}

const ROOT = new URL('../..', import.meta.url).pathname
const OFFLINE = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' }

async function findChromium(): Promise<string> {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  return access(path, constants.X_OK).then(
    () => path,
    () => '',
  )
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}

async function waitForRegistry(url: string, wrangler: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 90_000
  while (Date.now() < deadline) {
    if (wrangler.exitCode !== null) throw new Error(`wrangler dev exited with ${wrangler.exitCode}:\n${output()}`)
    const answered = await fetch(`${url}/subprocessors.json?region=all&lang=en`).then(
      (res) => res.status === 200,
      () => false,
    )
    if (answered) return
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`wrangler dev did not answer at ${url} within 90 s:\n${output()}`)
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000)
    child.once('exit', () => {
      clearTimeout(kill)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

export default async function setup(project: TestProject) {
  const chromium = await findChromium()
  project.provide('chromium', chromium)
  project.provide('baseUrl', '')
  if (!chromium) {
    const where = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
    if (process.env.CI)
      throw new Error(
        `The browser suite must run in CI, and there is no Chromium at ${where}. .ci/run installs Debian's chromium package.`,
      )
    const bar = '!'.repeat(78)
    console.warn(
      `\n${bar}\n!!  THE BROWSER SUITE IS SKIPPED: there is no Chromium at ${where}.\n!!  Install it (Debian: apt-get install chromium) or set CHROMIUM_PATH.\n!!  The page's accessibility, layout, filter, CSV and print are NOT checked.\n${bar}\n`,
    )
    return
  }

  const state = await mkdtemp(join(tmpdir(), 'registry-e2e-'))
  await promisify(execFile)(
    'npm',
    ['run', '--silent', 'publish-data', '--', '--data', WORKING_DATA, '--persist-to', state],
    {
      cwd: ROOT,
      env: OFFLINE,
    },
  )
  const [port, inspectorPort] = [await freePort(), await freePort()]
  const wrangler = spawn(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js'),
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--inspector-port',
      String(inspectorPort),
      '--persist-to',
      state,
    ],
    { cwd: ROOT, env: OFFLINE, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  wrangler.stdout!.on('data', (chunk) => (output += chunk))
  wrangler.stderr!.on('data', (chunk) => (output += chunk))
  const baseUrl = `http://127.0.0.1:${port}`
  try {
    await waitForRegistry(baseUrl, wrangler, () => output)
  } catch (error) {
    await stop(wrangler)
    await rm(state, { recursive: true, force: true })
    throw error
  }
  project.provide('baseUrl', baseUrl)

  return async () => {
    await stop(wrangler)
    await rm(state, { recursive: true, force: true })
  }
}
