import { applyD1Migrations } from 'cloudflare:test'
import { env } from 'cloudflare:workers'

// Every test file starts with the schema wrangler would apply; reset() in useFreshStorage wipes it, and re-applies it.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS)
