/// <reference types="vite/client" />

declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import('cloudflare:test').D1Migration[]
  }
}

declare namespace Cloudflare {
  interface Env {
    /** src/storage/migrations, read in Node by vitest.config.ts. */
    TEST_MIGRATIONS: import('cloudflare:test').D1Migration[]
  }
}
