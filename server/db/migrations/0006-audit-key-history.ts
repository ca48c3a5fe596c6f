// Released: never edit this file (its SHA-256 is pinned in test/server/db/frozen-migrations.test.ts). Change the schema with a new file.
/**
 * 0006: the audit key history, and where the "a checkpoint every N records" rule starts.
 * audit_keys keeps every key that signed checkpoints, so checkpoints signed before a key change
 * still verify. interval_from is the head when the rule came in: records written before it may
 * have wider gaps between checkpoints (the old writer signed at the end of a batch).
 */
export const sql = `
CREATE TABLE audit_keys (
  fingerprint TEXT PRIMARY KEY,
  public_key TEXT NOT NULL,
  first_seq INTEGER NOT NULL,
  added_at INTEGER NOT NULL
) STRICT;
ALTER TABLE chain_state ADD COLUMN interval_from INTEGER NOT NULL DEFAULT 0;
UPDATE chain_state SET interval_from = head_seq;
`;
