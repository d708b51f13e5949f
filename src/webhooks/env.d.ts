// What `wrangler types` cannot see: Worker secrets, and the variables that only local runs set.
declare namespace Cloudflare {
  interface Env {
    /** Secret: 32 bytes in base64; the AES-GCM key that seals signing secrets in D1. */
    WEBHOOK_SECRET_KEY?: string
    /** Secret: the operator's bearer token for /admin/webhooks. */
    ADMIN_TOKEN?: string
    /** "true" in local development only: allows http://127.0.0.1 and http://localhost endpoints. */
    WEBHOOK_ALLOW_LOCAL_HTTP?: string
    /** Seconds, comma-separated: a compressed retry schedule for local runs. */
    WEBHOOK_RETRY_DELAYS?: string
  }
}
