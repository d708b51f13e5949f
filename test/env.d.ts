declare module '*?raw' {
  const text: string
  export default text
}

declare namespace Cloudflare {
  interface Env {
    /** src/storage/migrations, read in Node by vitest.config.ts. */
    TEST_MIGRATIONS: import('cloudflare:test').D1Migration[]
  }
}
