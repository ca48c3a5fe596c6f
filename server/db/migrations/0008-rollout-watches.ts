// Released: never edit this file (its SHA-256 is pinned in test/server/db/frozen-migrations.test.ts). Change the schema with a new file.
/**
 * 0008: each model's current or last rollout-guard watch, so a watch outlives a restart of the
 * server inside its window. The row goes with its model. `settings` is the guard as the watch
 * started with it (JSON); `resumed_at` is when a restarted server took up a watch left open.
 */
export const sql = `
  CREATE TABLE rollout_watches (
    model        TEXT PRIMARY KEY REFERENCES models(name) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    from_version INTEGER NOT NULL,
    started_at   INTEGER NOT NULL,
    ends_at      INTEGER NOT NULL,
    status       TEXT NOT NULL,
    requests     INTEGER NOT NULL,
    errors       INTEGER NOT NULL,
    error_rate   REAL,
    p99_ms       REAL,
    reason       TEXT,
    settings     TEXT NOT NULL,
    resumed_at   INTEGER
  ) STRICT;
`;
