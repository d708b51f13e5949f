import { applyD1Migrations } from 'cloudflare:test'
import { env } from 'cloudflare:workers'

// Every test file starts with the schema the migrations define; applying is idempotent.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS)
