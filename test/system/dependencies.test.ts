/**
 * What the Worker runs must install with `npm ci --omit=dev` too: every package the bundle takes
 * code from is a runtime dependency, not a devDependency that a production install leaves out.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../support/harness'

describe("the Worker's dependencies", () => {
  it('lists every package the bundle takes code from under dependencies', async () => {
    const result = await build({
      entryPoints: [join(ROOT, 'src', 'index.ts')],
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'neutral',
      external: ['cloudflare:*', 'node:*'],
      logLevel: 'silent',
    })
    const packages = new Set(
      Object.keys(result.metafile.inputs)
        .map((path) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1])
        .filter((name): name is string => name !== undefined),
    )
    const { dependencies } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>
    }
    expect([...packages].sort()).toEqual(expect.arrayContaining(['hono', 'zod']))
    expect([...packages].filter((name) => !(name in dependencies))).toEqual([])
  })
})
