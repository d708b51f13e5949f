/**
 * Imports go one way: domain is plain functions that import only domain (and the format's
 * primitives the client package owns: the signed note and the Merkle log); storage imports only
 * domain and storage; the Worker (routes, webhooks) never imports publish-time code; and no
 * module reaches itself through its imports.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..', '..')
const SRC = join(ROOT, 'src')

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((item) =>
    item.isDirectory() ? modules(join(dir, item.name)) : item.name.endsWith('.ts') ? [join(dir, item.name)] : [],
  )
}

/** The modules of src/ a module imports, as paths relative to src/ (`storage/reader`). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/^(?:import|export)[^'"]*from '(\.[^']+)'/gm)].map(([, spec]) =>
    relative(SRC, join(dirname(file), spec!)),
  )
}

const graph = new Map(modules(SRC).map((file) => [relative(SRC, file).replace(/\.ts$/, ''), importsOf(file)]))
/** The client's modules that the registry shares: bytes, plain Web Crypto and host rules, importing only each other. */
const CLIENT_PRIMITIVES = [
  '../client/src/address',
  '../client/src/bytes',
  '../client/src/cosign/add-checkpoint',
  '../client/src/cosign/cosignature',
  '../client/src/cosign/log-list',
  '../client/src/cosign/policy',
  '../client/src/cosign/quorum',
  '../client/src/cosign/submit',
  '../client/src/log/merkle',
  '../client/src/log/proof',
  '../client/src/log/signed-note',
  '../client/src/log/tiles',
  '../client/src/objections/commitment',
  '../client/src/objections/protocol',
]
const PRIMITIVE_IMPORTS = new Set(CLIENT_PRIMITIVES)
const layer = (module: string) => (CLIENT_PRIMITIVES.includes(module) ? 'primitives' : module.split('/')[0]!)

const ALLOWED: Record<string, string[]> = {
  domain: ['domain', 'primitives'],
  storage: ['domain', 'storage'],
  routes: ['domain', 'storage', 'routes', 'webhooks'],
  webhooks: ['domain', 'storage', 'webhooks', 'routes', 'primitives'],
  // The witness Worker is a Worker of its own: the protocol's primitives and nothing of the registry.
  witness: ['witness', 'primitives'],
  // Collecting cosignatures runs in the Worker's cron as in the publisher: no publish-time code.
  witnessing: ['domain', 'storage', 'witnessing', 'primitives'],
}

describe('the direction of imports in src/', () => {
  it.each(Object.keys(ALLOWED))('%s imports only from the layers below it', (from) => {
    const wrong = [...graph]
      .filter(([module]) => layer(module) === from)
      .flatMap(([module, imports]) =>
        imports.filter((target) => !ALLOWED[from]!.includes(layer(target))).map((target) => `${module} → ${target}`),
      )
    expect(wrong).toEqual([])
  })

  it("shares only the client's primitives, which import only each other", () => {
    const shared = [...graph.values()].flat().filter((target) => target.startsWith('../'))
    expect([...new Set(shared)].sort()).toEqual(CLIENT_PRIMITIVES)
    for (const primitive of CLIENT_PRIMITIVES) {
      const imports = importsOf(join(SRC, `${primitive}.ts`)).map((target) => target.replace(/\.js$/, ''))
      expect(imports.filter((target) => !PRIMITIVE_IMPORTS.has(target))).toEqual([])
    }
  })

  it('has no cycle', () => {
    const cycles: string[] = []
    const visit = (module: string, path: string[]) => {
      for (const next of graph.get(module) ?? []) {
        if (path.includes(next)) cycles.push([...path.slice(path.indexOf(next)), next].join(' → '))
        else if (path.length < 20) visit(next, [...path, next])
      }
    }
    for (const module of graph.keys()) visit(module, [module])
    expect([...new Set(cycles)]).toEqual([])
  })
})
