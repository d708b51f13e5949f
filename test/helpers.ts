import { reset } from 'cloudflare:test'
import { env, exports } from 'cloudflare:workers'
import { afterEach } from 'vitest'
import registry from '../data/registry.json'
import regions from '../data/regions.json'
import subprocessors from '../data/subprocessors.json'
import { publishTo } from '../src/publish/publish'
import type { RegistryData } from '../src/publish/schema'
import { validateRegistry } from '../src/publish/validate'
import { forgetCachedReleases } from '../src/storage'

export const ORIGIN = 'https://registry.example'

/** data/ as committed, validated. A fresh copy each call, so tests may change it. */
/** Every locale file, by language, whatever languages data/ declares. */
export const LOCALES = Object.fromEntries(
  Object.entries(import.meta.glob<unknown>('../data/locales/*.json', { eager: true, import: 'default' })).map(([path, locale]) => [path.slice(path.lastIndexOf('/') + 1, -'.json'.length), locale]),
)

export function realData(): RegistryData {
  const result = validateRegistry(structuredClone({ registry, subprocessors, regions, locales: LOCALES }))
  if (!result.ok) throw new Error(`data/ is invalid: ${JSON.stringify(result.problems)}`)
  return result.data
}

/** Publishes into the test's KV, as `npm run publish-data` does into local KV, and starts readers afresh. */
export async function publish(data: RegistryData = realData(), now = new Date('2026-11-20T10:00:00Z')) {
  const outcome = await publishTo(env.REGISTRY, data, now)
  forgetCachedReleases()
  return outcome
}

/** A request through the Worker, as a client on the internet makes it. */
export function fetchWorker(path: string, init?: RequestInit<IncomingRequestCfProperties>): Promise<Response> {
  return exports.default.fetch(new Request(`${ORIGIN}${path}`, init))
}

export function useFreshStorage() {
  afterEach(async () => {
    await reset()
    forgetCachedReleases()
  })
}
