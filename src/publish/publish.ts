import { readCurrentRelease, writeRelease } from '../storage/writer'
import { type RenderedRelease, buildRelease } from './build-release'
import type { RegistryData } from './schema'

export interface PublishResult extends RenderedRelease {
  /** False when the data renders to the bytes already published: nothing was written. */
  changed: boolean
}

/** Last-Modified has one-second resolution; so does publishedAt, so that If-Modified-Since compares exactly. */
function publishTime(now: Date): string {
  return new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString()
}

/**
 * Decides what to publish: nothing when the data renders to the current release's bytes,
 * else the next version. Rendering with the current version's own number and time is what
 * tells "same bytes" apart from "new data" or "new renderer".
 */
export async function planRelease(
  current: RenderedRelease['release'] | null,
  data: RegistryData,
  now: Date,
  onProgress?: (done: number, total: number) => void,
): Promise<PublishResult> {
  if (current) {
    const again = await buildRelease(data, { version: current.version, publishedAt: current.publishedAt }, onProgress)
    if (again.release.digest === current.digest) return { ...again, changed: false }
  }
  const next = await buildRelease(data, { version: (current?.version ?? 0) + 1, publishedAt: publishTime(now) }, onProgress)
  return { ...next, changed: true }
}

/** Publishes to a KV binding (local KV, or the test's): plan, then write the version and move the pointer last. */
export async function publishTo(
  kv: KVNamespace,
  data: RegistryData,
  now = new Date(),
  onProgress?: (written: number, total: number) => void,
): Promise<PublishResult> {
  const outcome = await planRelease(await readCurrentRelease(kv), data, now)
  if (outcome.changed) await writeRelease(kv, outcome.release, outcome.representations, onProgress)
  return outcome
}
