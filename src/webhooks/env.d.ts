// Variables only local runs set, which `wrangler types` cannot see in wrangler.toml.
declare namespace Cloudflare {
  interface Env {
    /** "true" in local development only (`npm start`): allows http://127.0.0.1 and http://localhost endpoints. */
    WEBHOOK_ALLOW_LOCAL_HTTP?: string
    /** Seconds, comma-separated: a compressed retry schedule for local runs; the schedule's length stays. */
    WEBHOOK_RETRY_DELAYS?: string
  }
}
