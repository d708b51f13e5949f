/**
 * What a team would write first: one KV document holds the whole registry, and every request
 * reads it, filters it and renders the list, with Hono's etag() hashing the body for a validator.
 * The benchmark's yardstick, never deployed.
 */
import { Hono } from 'hono'
import { etag } from 'hono/etag'
import { toListDocument } from '../src/publish/render/model'
import type { Language, RegistryData } from '../src/publish/input/schema'

const app = new Hono<{ Bindings: Cloudflare.Env & { NAIVE_REGISTRY_KEY: string } }>()
app.use(etag())
app.get('/subprocessors.json', async (c) => {
  const data = await c.env.REGISTRY.get<RegistryData>(c.env.NAIVE_REGISTRY_KEY, 'json')
  if (!data) return c.json({ error: 'not seeded' }, 503)
  const region = c.req.query('region') ?? 'all'
  const lang = (c.req.query('lang') ?? 'en') as Language
  const state = {
    entries: data.subprocessors.subprocessors,
    changes: [],
    from: Date.parse('2026-01-01T00:00:00.000Z'),
    until: null,
    scheduled: false,
  }
  return c.json(toListDocument(data, { version: 1, publishedAt: '2026-01-01T00:00:00.000Z' }, { region, lang }, state))
})

export default app
