import { applyD1Migrations, reset } from 'cloudflare:test'
import { env, exports } from 'cloudflare:workers'
import { afterEach } from 'vitest'
import registry from './fixtures/data/registry.json'
import announcements from './fixtures/data/announcements.json'
import regions from './fixtures/data/regions.json'
import subprocessors from './fixtures/data/subprocessors.json'
import { type PublishTarget, publishTo } from '../src/publish/publish'
import { d1Versions } from '../src/storage/arbiter'
import { bindingAccess } from '../src/storage/writer'
import type { RegistryData } from '../src/publish/input/schema'
import { validateRegistry } from '../src/publish/input/validate'
import { forgetCachedReleases } from '../src/storage/reader'
import { signerKey, TEST_SIGNER_KEY, TEST_VERIFIER_KEY } from './support/keys'

export const ORIGIN = 'https://registry.example'

/** Every locale file of the fixture dataset, by language. */
export const LOCALES = Object.fromEntries(
  Object.entries(import.meta.glob<unknown>('./fixtures/data/locales/*.json', { eager: true, import: 'default' })).map(
    ([path, locale]) => [path.slice(path.lastIndexOf('/') + 1, -'.json'.length), locale],
  ),
)

/**
 * The tests' dataset: test/fixtures/data, LiveAgent's list in three languages with no announcement,
 * as data/ stood. Fixed, so that a privacy team's edit of data/ changes no test; test/content.test.ts
 * holds it to the source document it was transcribed from. A fresh copy each call, so tests may change it.
 */
export function fixtureData(): RegistryData {
  const result = validateRegistry(
    structuredClone({ registry, subprocessors, regions, announcements, locales: LOCALES }),
  )
  if (!result.ok) throw new Error(`test/fixtures/data is invalid: ${JSON.stringify(result.problems)}`)
  return result.data
}

/** The test's KV and D1, as `npm run publish-data` reaches local KV and D1. */
export const TARGET: PublishTarget = {
  ...bindingAccess(env.REGISTRY),
  versions: d1Versions(env.DB),
  signing: { signer: signerKey(TEST_SIGNER_KEY, TEST_VERIFIER_KEY) },
  origin: ORIGIN,
}

/** Publishes into the test's KV, as `npm run publish-data` does into local KV, and starts readers afresh. */
export async function publish(data: RegistryData = fixtureData(), now = new Date('2026-11-20T10:00:00Z')) {
  const outcome = await publishTo(TARGET, data, now)
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
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS)
    // reset() has been seen to leave a row behind when the database was busy just before it.
    await env.DB.exec('DELETE FROM versions')
    forgetCachedReleases()
  })
}
