/**
 * subprocessor-watch as a user installs it: `npm pack ./client`, the tarball installed into an
 * empty project, then its command run and its library imported, with its types, from there.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from '../support/harness'
import { signerKey, TEST_SIGNER_KEY, TEST_VERIFIER_KEY } from '../support/keys'
import { EXAMPLE_VENDOR, staticEvidence, staticRegistryFiles } from '../support/static-registry'

const TEST_ORIGIN = 'subprocessors.example.com/liveagent'

const run = promisify(execFile)
let work: string

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'watch-package-'))
  const { stdout } = await run('npm', ['pack', './client', '--pack-destination', work, '--json'], { cwd: ROOT })
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }]
  await writeFile(
    join(work, 'package.json'),
    JSON.stringify({ name: 'a-vendor-risk-tool', private: true, type: 'module' }),
  )
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, filename)], { cwd: work })
}, 180_000)

afterAll(() => rm(work, { recursive: true, force: true }))

describe('the packed client', () => {
  it('installs a command that runs: --help exits 0, and no command is a usage error', async () => {
    const help = await run('npx', ['subprocessor-watch', '--help'], { cwd: work })
    expect(help.stdout).toContain('Usage: subprocessor-watch <command> [options]')
    const failed = await run('npx', ['subprocessor-watch'], { cwd: work }).catch((error) => error)
    expect(failed.code).toBe(64)
    expect(failed.stderr).toContain('Usage: subprocessor-watch <command> [options]')
  })

  it('verifies a file against its evidence from a folder that holds nothing else', async () => {
    const registry = {
      ...EXAMPLE_VENDOR,
      evidence: { origin: TEST_ORIGIN, signer: signerKey(TEST_SIGNER_KEY, TEST_VERIFIER_KEY) },
    }
    const files = await staticRegistryFiles(registry)
    await writeFile(join(work, 'all.en.json'), files.get('lists/all.en.json')!)
    await writeFile(join(work, 'evidence.json'), await staticEvidence(registry, 2))
    const verified = await run(
      'npx',
      ['subprocessor-watch', 'verify', 'all.en.json', '--evidence', 'evidence.json', '--key', TEST_VERIFIER_KEY],
      { cwd: work },
    )
    expect(verified.stdout).toContain(
      'Verified: the file is, byte for byte, the list for region all, language en, json',
    )
    await writeFile(join(work, 'forged.json'), String(files.get('lists/all.en.json')).replace('Germany', 'Austria'))
    const forged = await run(
      'npx',
      ['subprocessor-watch', 'verify', 'forged.json', '--evidence', 'evidence.json', '--key', TEST_VERIFIER_KEY],
      { cwd: work },
    ).catch((error) => error)
    expect(forged.code).toBe(2)
    expect(forged.stderr).toContain('The file is not what it claims to be')
  })

  it('is ESM with types, for the core and for Node', async () => {
    await writeFile(
      join(work, 'tool.ts'),
      [
        "import { type ChangeEvent, FORMAT, MemoryStore, Watcher } from 'subprocessor-watch'",
        "import { JsonFileStore } from 'subprocessor-watch/node'",
        'const watcher: Watcher = new Watcher(new MemoryStore(), { concurrency: 4 })',
        "const store: JsonFileStore = new JsonFileStore('portfolio.json')",
        'const kinds: ChangeEvent["kind"][] = ["announced", "effective"]',
        'console.log(FORMAT, typeof watcher.check, store.path, kinds.length)',
        '',
      ].join('\n'),
    )
    await run(
      join(ROOT, 'node_modules', '.bin', 'tsc'),
      [
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        '--types',
        'node',
        '--typeRoots',
        join(ROOT, 'node_modules', '@types'),
        'tool.ts',
      ],
      { cwd: work },
    )
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('subprocessor-watch'); const n = await import('subprocessor-watch/node'); console.log(m.FORMAT, typeof m.Watcher, typeof n.JsonFileStore)",
      ],
      { cwd: work },
    )
    expect(stdout.trim()).toBe('subprocessor-registry/1.0 function function')
  })
})
