-- Witnesses' cosignatures of the log's checkpoints (C2SP tlog-cosignature): one per witness and
-- tree size, kept for good. The publisher and the Worker's cron both add to it; the served note
-- is rebuilt from it, so neither can drop what the other got.
CREATE TABLE cosignatures (
  size INTEGER NOT NULL CHECK (size >= 1),
  witness TEXT NOT NULL,
  line TEXT NOT NULL,
  time INTEGER NOT NULL,
  PRIMARY KEY (size, witness)
);
