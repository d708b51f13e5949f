/**
 * `node src/cli/run.mjs COMMAND [args]` runs src/cli/COMMAND.ts as one module bundled by esbuild
 * (already here: wrangler bundles the Worker with it), not through tsx's loader, which resolves
 * and transforms each of the publisher's modules on a thread of its own: about 1 s of every
 * publish. The bundle is kept in .wrangler/cli with the size and time of every source it was
 * made from, and made again when one of them differs.
 */
import { existsSync } from 'node:fs'
import { readFile, rename, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const OUT = join(ROOT, '.wrangler', 'cli')
const [command] = process.argv.splice(2, 1)
if (!command || !/^[a-z-]+$/.test(command) || !existsSync(join(ROOT, 'src', 'cli', `${command}.ts`))) {
  console.error('Usage: node src/cli/run.mjs COMMAND [args], where src/cli/COMMAND.ts is the command.')
  process.exit(2)
}
const bundleFile = join(OUT, `${command}.mjs`)
const sourcesFile = join(OUT, `${command}.sources.json`)
// Besides the sources esbuild reads, what decides how it bundles them.
const SETTINGS = ['tsconfig.json', 'package.json']

/** Each file's size and modification time, by its path from the root. */
async function stamps(paths) {
  return Object.fromEntries(
    await Promise.all(
      paths.map(async (path) => {
        const { size, mtimeMs } = await stat(join(ROOT, path)).catch(() => ({ size: -1, mtimeMs: -1 }))
        return [path, `${size} ${mtimeMs}`]
      }),
    ),
  )
}

async function upToDate() {
  const kept = await readFile(sourcesFile, 'utf8').then(JSON.parse, () => null)
  if (!kept || !existsSync(bundleFile)) return false
  const now = await stamps(Object.keys(kept))
  return Object.entries(kept).every(([path, stamp]) => now[path] === stamp)
}

if (!(await upToDate())) {
  const started = Date.now()
  const { build } = await import('esbuild')
  const { metafile } = await build({
    absWorkingDir: ROOT,
    entryPoints: [join('src', 'cli', `${command}.ts`)],
    // Written under another name, then renamed: a run side by side never imports half a file.
    outfile: `${bundleFile}.${process.pid}`,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Dependencies load from node_modules as they are: Miniflare finds its workerd binary next to itself.
    packages: 'external',
    sourcemap: 'inline',
    metafile: true,
    logLevel: 'warning',
  })
  await rename(`${bundleFile}.${process.pid}`, bundleFile)
  const sources = await stamps([...Object.keys(metafile.inputs), ...SETTINGS])
  // A source saved while esbuild read it may not be in the bundle: then the next run bundles again.
  if (Object.values(sources).every((stamp) => Number(stamp.split(' ')[1]) < started)) {
    await writeFile(`${sourcesFile}.${process.pid}`, JSON.stringify(sources))
    await rename(`${sourcesFile}.${process.pid}`, sourcesFile)
  }
}
// Stack traces name the TypeScript sources, as under tsx.
process.setSourceMapsEnabled(true)
await import(pathToFileURL(bundleFile).href)
