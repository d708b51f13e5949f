-- Limits that hold under concurrency, and each rotated secret with its own 24 hours.

-- A place under the per-host cap, taken atomically before the verification request goes out and
-- given back when it fails. A reservation older than a minute is stale (verification gives up
-- after 10 s) and counts for nothing; the cron tick deletes it.
CREATE TABLE webhook_reservations (
  id TEXT PRIMARY KEY,                  -- the subscription id it is for
  host TEXT NOT NULL,
  reserved_at INTEGER NOT NULL
);
CREATE INDEX webhook_reservations_host ON webhook_reservations (host, reserved_at);

-- Why a verification failed or a request was refused: for the operator's view and log only,
-- never for the requester, so that the API tells nobody about hosts they could not reach.
CREATE TABLE webhook_refusals (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('subscribe', 'enable')),
  subscription_id TEXT NOT NULL,
  host TEXT NOT NULL,
  url TEXT NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX webhook_refusals_time ON webhook_refusals (at);

-- Every previous signing secret keeps signing for 24 h from its own rotation.
CREATE TABLE webhook_previous_secrets (
  subscription_id TEXT NOT NULL,
  secret TEXT NOT NULL,                 -- encrypted, like webhook_subscriptions.secret
  expires_at INTEGER NOT NULL
);
CREATE INDEX webhook_previous_secrets_subscription ON webhook_previous_secrets (subscription_id);
CREATE INDEX webhook_previous_secrets_expiry ON webhook_previous_secrets (expires_at);
INSERT INTO webhook_previous_secrets (subscription_id, secret, expires_at)
  SELECT id, previous_secret, previous_secret_expires_at FROM webhook_subscriptions WHERE previous_secret IS NOT NULL;
ALTER TABLE webhook_subscriptions DROP COLUMN previous_secret;
ALTER TABLE webhook_subscriptions DROP COLUMN previous_secret_expires_at;
