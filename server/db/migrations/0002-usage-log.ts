// Released: never edit this file (its SHA-256 is pinned in test/server/db/frozen-migrations.test.ts). Change the schema with a new file.
/**
 * 0002: tables of the usage and audit log. STRICT so that what is hashed is what is stored:
 * a value of the wrong type is refused instead of silently converted.
 * seq is assigned by the writer from chain_state (not by rowid) so that numbering never restarts,
 * even after retention deletes every record. The 64 zeros are the zero hash (ZERO_HASH in usage/schema.ts):
 * written out because this file is frozen and imports nothing.
 */
export const sql = `
CREATE TABLE records (
  seq INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('inference', 'admin')),
  time INTEGER NOT NULL,
  request_id TEXT,
  client TEXT,
  key_id TEXT,
  model TEXT,
  version INTEGER,
  outcome TEXT,
  status INTEGER,
  latency_us INTEGER,
  batch_size INTEGER,
  bytes_in INTEGER,
  bytes_out INTEGER,
  reason TEXT,
  action TEXT,
  actor TEXT,
  detail TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
) STRICT;
CREATE INDEX records_time ON records (time);
CREATE INDEX records_model_time ON records (model, time);
CREATE INDEX records_key_time ON records (key_id, time);

CREATE TABLE checkpoints (
  id INTEGER PRIMARY KEY,
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL,
  time INTEGER NOT NULL,
  signature TEXT NOT NULL,
  key_fingerprint TEXT NOT NULL
) STRICT;
CREATE INDEX checkpoints_seq ON checkpoints (seq);

CREATE TABLE chain_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  head_seq INTEGER NOT NULL,
  head_hash TEXT NOT NULL,
  base_seq INTEGER NOT NULL,
  base_hash TEXT NOT NULL,
  pruned_at INTEGER
) STRICT;
INSERT INTO chain_state (id, head_seq, head_hash, base_seq, base_hash)
  VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', 0, '0000000000000000000000000000000000000000000000000000000000000000');
`;
