-- The customers (controllers) that may object, and the objections they sent, with the receipt each
-- got. Never published: who objected is the processor's and the customer's business alone.
CREATE TABLE customers (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  key TEXT NOT NULL UNIQUE,            -- the customer's verifier key (signed-note, Ed25519)
  key_name TEXT NOT NULL,
  key_id INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
  created_at INTEGER NOT NULL,
  revoked_at INTEGER,
  webhook_id TEXT                      -- the customer's webhook subscription, which resolutions are pushed to
);
CREATE INDEX customers_key ON customers (key_name, key_id);

CREATE TABLE objections (
  digest TEXT PRIMARY KEY,             -- SHA-256 of the signed objection, base64: the same objection is stored once
  customer_id TEXT NOT NULL REFERENCES customers (id),
  change_id TEXT NOT NULL,
  category TEXT NOT NULL,
  reason TEXT NOT NULL,
  objected_at TEXT NOT NULL,
  received_at INTEGER NOT NULL,        -- Unix milliseconds, the Worker's clock
  objection TEXT NOT NULL,             -- the signed note as received
  receipt TEXT NOT NULL,               -- the signed receipt as answered
  outcome TEXT,                        -- null until resolved: change-withdrawn, customer-excluded, contract-ended, rejected
  resolution TEXT,                     -- the signed resolution, by the receipt key
  resolved_at INTEGER
);
CREATE INDEX objections_change ON objections (change_id);
CREATE INDEX objections_customer_received ON objections (customer_id, received_at);

-- Which version's manifest commits to each objection, where in its tree, and the inclusion proof
-- the customer fetches. A digest is committed once: a publish that would commit one again fails
-- whole, its version number with it.
CREATE TABLE objection_commitments (
  digest TEXT PRIMARY KEY REFERENCES objections (digest),
  version INTEGER NOT NULL,
  leaf_index INTEGER NOT NULL,
  inclusion TEXT NOT NULL              -- the Inclusion (client/src/objections/commitment.ts) as JSON
);
