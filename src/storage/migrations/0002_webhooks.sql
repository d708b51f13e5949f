-- Webhook subscriptions, their delivery attempts, and what the cron tick has emitted.
-- Times are Unix milliseconds. Signing secrets are AES-GCM ciphertexts under the Worker secret
-- WEBHOOK_SECRET_KEY (bound to the subscription id); a management token is kept only as its SHA-256.

CREATE TABLE webhook_subscriptions (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  host TEXT NOT NULL,
  regions TEXT NOT NULL,                -- JSON array of region ids
  languages TEXT,                       -- JSON array; NULL: every language of the release
  events TEXT NOT NULL,                 -- JSON array of event types
  secret TEXT NOT NULL,                 -- encrypted whsec_…
  previous_secret TEXT,                 -- encrypted; signs as well until previous_secret_expires_at
  previous_secret_expires_at INTEGER,
  token_hash TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
  created_at INTEGER NOT NULL,
  failing_since INTEGER,                -- first failed attempt since the last success
  last_success_at INTEGER,
  last_failure_at INTEGER,
  disabled_at INTEGER,
  disabled_reason TEXT
);
CREATE INDEX webhook_subscriptions_host ON webhook_subscriptions (host);
CREATE INDEX webhook_subscriptions_status ON webhook_subscriptions (status);

CREATE TABLE webhook_attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  subscription_id TEXT NOT NULL,
  message_id TEXT NOT NULL,             -- the webhook-id header, the same on every retry
  event TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  attempted_at INTEGER NOT NULL,
  status INTEGER,                       -- the endpoint's HTTP status; NULL when it gave none
  latency_ms INTEGER,
  response TEXT,                        -- the first KiB of the response body at most
  error TEXT,
  outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'retrying', 'failed', 'dead_lettered')),
  next_retry_at INTEGER
);
CREATE INDEX webhook_attempts_subscription ON webhook_attempts (subscription_id, id);
CREATE INDEX webhook_attempts_time ON webhook_attempts (attempted_at);

-- Idempotency of the cron tick: an event for a change is emitted once, whoever subscribes later.
CREATE TABLE webhook_emissions (
  change_id TEXT NOT NULL,
  event TEXT NOT NULL,
  emitted_at INTEGER NOT NULL,
  subscriptions INTEGER NOT NULL,
  PRIMARY KEY (change_id, event)
);

-- The last version whose change log the cron tick has processed.
CREATE TABLE webhook_cursor (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Subscription attempts per client IP per fixed window, for the creation rate limit.
CREATE TABLE webhook_create_counts (
  client TEXT NOT NULL,
  window_start INTEGER NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (client, window_start)
);
