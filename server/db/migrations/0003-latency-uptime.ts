// Released: never edit this file (its SHA-256 is pinned in test/server/db/frozen-migrations.test.ts). Change the schema with a new file.
/**
 * 0003: latency history and uptime. Latency rows keep the bucket counts of a fixed histogram,
 * so a coarser step merges minutes exactly instead of averaging percentiles.
 */
export const sql = `
  CREATE TABLE latency_minutes (
    model       TEXT NOT NULL,
    version     INTEGER NOT NULL,
    minute      INTEGER NOT NULL,  -- ms since the epoch at the start of the minute (UTC)
    count       INTEGER NOT NULL,  -- requests that reached this version, failures included
    errors      INTEGER NOT NULL,
    sum_seconds REAL NOT NULL,     -- of successful requests
    p50_ms      REAL,              -- of successful requests; NULL when there were none
    p95_ms      REAL,
    p99_ms      REAL,
    buckets     TEXT NOT NULL,     -- JSON [[bucket index, count], ...] on the bounds in buckets.ts
    PRIMARY KEY (model, version, minute)
  ) WITHOUT ROWID;
  CREATE INDEX latency_minutes_by_minute ON latency_minutes(minute);

  -- Coalesced heartbeats: each row is a stretch of time seen up. Gaps between rows are down time.
  CREATE TABLE uptime_heartbeats (
    id          INTEGER PRIMARY KEY,
    model       TEXT NOT NULL DEFAULT '',  -- '' for the server itself
    version     INTEGER,                   -- the production version that was READY; NULL for the server
    started_at  INTEGER NOT NULL,          -- ms since the epoch
    ended_at    INTEGER NOT NULL
  );
  CREATE INDEX uptime_heartbeats_by_subject ON uptime_heartbeats(model, ended_at);

  -- When the server first saw each model with a production version: its availability counts from then.
  CREATE TABLE uptime_models (
    model       TEXT PRIMARY KEY,
    since       INTEGER NOT NULL
  );
`;
