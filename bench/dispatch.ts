/**
 * `npm run bench:dispatch [-- --sizes 14,1000] [--calls 40000] [--rounds 7]`: what the Worker
 * itself does per request, without HTTP. bench/dispatch-worker.ts calls the registry's fetch
 * handler in a loop inside one isolate, and beside it builds a constant Response of the same bytes
 * (the floor's work); workerd's CPU time over each loop, divided by its calls, is each one's cost.
 * On this machine a second of HTTP load varies by about a fifth, which hides a few microseconds
 * under the main bench's hundreds; the medians of interleaved loops moved by 1–3 µs between runs.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { build } from 'esbuild'
import { generateData } from '../test/support/generate'
import { publishData, ROOT, serveRegistry } from '../test/support/harness'
import { LIST, NEGOTIATED } from './cases'
import { median } from './rounds'
import { CLOCK_TICKS_PER_SECOND, findWorkerdPid, readCpuTicks } from './workerd-cpu'

const { values: options } = parseArgs({
  options: {
    sizes: { type: 'string', default: '14' },
    calls: { type: 'string', default: '40000' },
    rounds: { type: 'string', default: '7' },
  },
})
const CALLS = Number(options.calls)
const ROUNDS = Number(options.rounds)

interface Variant {
  name: string
  path: string
  headers: Record<string, string>
  status: number
}

const work = await mkdtemp(join(tmpdir(), 'registry-dispatch-'))
try {
  const scriptPath = join(work, 'dist', 'index.js')
  // As wrangler bundles the Worker: its conditions, minified.
  await build({
    entryPoints: [join(ROOT, 'bench', 'dispatch-worker.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    minify: true,
    outfile: scriptPath,
    logLevel: 'error',
  })
  for (const size of options.sizes.split(',').map(Number)) {
    const dataDir = size === 14 ? join(ROOT, 'data') : join(work, `data-${size}`)
    if (size !== 14) await generateData(size, dataDir)
    const state = join(work, `state-${size}`)
    await publishData(dataDir, state)
    const { mf, url } = await serveRegistry({ scriptPath, persistTo: state })
    try {
      const etag = (await fetch(new URL(LIST, url))).headers.get('ETag')!
      const variants: Variant[] = [
        { name: 'floor', path: LIST, headers: {}, status: 200 },
        { name: 'get-json', path: LIST, headers: {}, status: 200 },
        { name: 'get-negotiated', path: NEGOTIATED, headers: { accept: 'application/json' }, status: 200 },
        { name: 'revalidate-304', path: LIST, headers: { 'if-none-match': etag }, status: 304 },
        // Version 1 of a registry of one version: the same bytes, reached by the immutable URL.
        { name: 'get-version', path: `${LIST}&version=1`, headers: {}, status: 200 },
      ]
      const workerd = findWorkerdPid()
      const loop = async (variant: Variant, calls: number) => {
        const query = new URLSearchParams({
          calls: String(calls),
          path: variant.path,
          headers: JSON.stringify(variant.headers),
          floor: LIST,
          variant: variant.name,
        })
        const before = readCpuTicks(workerd)
        const response = await fetch(new URL(`/__dispatch?${query}`, url))
        const statuses = await response.text()
        const ticks = readCpuTicks(workerd) - before
        if (Number(statuses) !== variant.status * calls) throw new Error(`${variant.name}: ${statuses}`)
        return ((ticks / CLOCK_TICKS_PER_SECOND) * 1e6) / calls
      }
      for (const variant of variants) await loop(variant, CALLS / 4)
      const costs = new Map<string, number[]>(variants.map((variant) => [variant.name, []]))
      // Interleaved, so that the machine's drift falls on every variant alike.
      for (let round = 0; round < ROUNDS; round++)
        for (const variant of variants) costs.get(variant.name)!.push(await loop(variant, CALLS))
      const floor = median(costs.get('floor')!)
      console.log(`\n${size} entries: µs of workerd CPU per call, median of ${ROUNDS} loops of ${CALLS}`)
      for (const [name, each] of costs) {
        const cost = median(each)
        const beyond =
          name === 'floor' ? '' : `  ${cost - floor >= 0 ? '+' : ''}${(cost - floor).toFixed(1)} beyond the floor`
        console.log(
          `  ${name.padEnd(15)} ${cost.toFixed(1).padStart(6)}${beyond}  (${each.map((x) => x.toFixed(1)).join(' ')})`,
        )
      }
    } finally {
      await mf.dispose()
    }
  }
} finally {
  await rm(work, { recursive: true, force: true })
}
