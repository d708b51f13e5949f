import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

export default defineConfig(async () => {
  // The D1 migrations wrangler applies locally and on deploy, applied to each test's database too.
  const migrations = await readD1Migrations('./src/storage/migrations')
  return {
    test: {
      projects: [
        {
          // The API, through the Worker, inside workerd.
          plugins: [cloudflareTest({ main: './src/index.ts', wrangler: { configPath: './wrangler.toml' }, miniflare: { bindings: { TEST_MIGRATIONS: migrations } } })],
          test: { name: 'worker', include: ['test/*.test.ts'], setupFiles: ['./test/support/migrations.ts'] },
        },
        {
          // The commands, the deployable bundle and the served contract, from Node.
          test: { name: 'system', include: ['test/system/*.test.ts'], environment: 'node', testTimeout: 120_000, hookTimeout: 120_000 },
        },
        {
          // The page in Debian's Chromium, against what `npm start` serves: axe, layout, keyboard, filter, CSV, print.
          test: {
            name: 'e2e',
            include: ['test/e2e/*.test.ts'],
            environment: 'node',
            globalSetup: ['test/e2e/global-setup.ts'],
            testTimeout: 300_000,
            hookTimeout: 180_000,
          },
        },
      ],
    },
  }
})
