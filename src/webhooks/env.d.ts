// Secrets and variables that `wrangler types` cannot see in wrangler.toml: the secrets come from
// `wrangler secret put` (locally .dev.vars, which `npm start` creates), the rest from local runs only.
declare namespace Cloudflare {
  interface Env {
    /** The key (32 bytes, base64) that encrypts the stored signing secrets. */
    WEBHOOK_SECRET_KEY: string
    /** The operator's bearer token for /admin/webhooks and GET /objections. */
    ADMIN_TOKEN: string
    /** The signer key (PRIVATE+KEY+…) the Worker signs objection receipts with: not the log's key. */
    RECEIPT_SIGNING_KEY?: string
    /** The operator's webhook subscription (sub_…): each new objection is pushed to it, and to no other. */
    OBJECTIONS_WEBHOOK?: string
    /** "true" in local development only (`npm start`): allows http://127.0.0.1 and http://localhost endpoints. */
    WEBHOOK_ALLOW_LOCAL_HTTP?: string
    /** Seconds, comma-separated: a compressed retry schedule for local runs; the schedule's length stays. */
    WEBHOOK_RETRY_DELAYS?: string
    /** A DNS-over-HTTPS JSON endpoint that resolves endpoint names before each request; Cloudflare's when unset. */
    WEBHOOK_DNS_RESOLVER?: string
  }
}
