-- The chain of published versions. KV has no compare-and-set, so D1 decides which publish gets a
-- version number: exactly one insert of a version succeeds, and each version's parent is the one
-- before it, so history stays a chain.
CREATE TABLE versions (
  version INTEGER PRIMARY KEY CHECK (version >= 1),
  parent INTEGER CHECK ((version = 1 AND parent IS NULL) OR parent = version - 1),
  digest TEXT NOT NULL,
  prefix TEXT NOT NULL,
  published_at TEXT NOT NULL,
  release TEXT NOT NULL
);
