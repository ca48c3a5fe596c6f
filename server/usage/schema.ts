/** The zero hash: prev_hash of the very first record of a chain that was never pruned. */
export const ZERO_HASH = '0'.repeat(64);

/**
 * Tables of the usage and audit log (migration 2). STRICT so that what is hashed is what is stored:
 * a value of the wrong type is refused instead of silently converted.
 * seq is assigned by the writer from chain_state (not by rowid) so that numbering never restarts,
 * even after retention deletes every record.
 */
export const USAGE_SCHEMA_SQL = `
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
  VALUES (1, 0, '${ZERO_HASH}', 0, '${ZERO_HASH}');
`;

/** Migration 5: the number of the last usage-journal entry committed to records (see journal.ts). */
export const USAGE_JOURNAL_SQL = 'ALTER TABLE chain_state ADD COLUMN journal_seq INTEGER NOT NULL DEFAULT 0;';

/**
 * Migration 6: the audit key history, and where the "a checkpoint every N records" rule starts.
 * audit_keys keeps every key that signed checkpoints, so checkpoints signed before a key change
 * still verify. interval_from is the head when the rule came in: records written before it may
 * have wider gaps between checkpoints (the old writer signed at the end of a batch).
 */
export const AUDIT_KEYS_SQL = `
CREATE TABLE audit_keys (
  fingerprint TEXT PRIMARY KEY,
  public_key TEXT NOT NULL,
  first_seq INTEGER NOT NULL,
  added_at INTEGER NOT NULL
) STRICT;
ALTER TABLE chain_state ADD COLUMN interval_from INTEGER NOT NULL DEFAULT 0;
UPDATE chain_state SET interval_from = head_seq;
`;
