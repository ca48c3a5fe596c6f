import { OBSERVABILITY_SCHEMA_SQL } from '../observability/schema.js';
import { KEY_LIMITS_SQL } from '../auth/schema.js';
import { AUDIT_KEYS_SQL, USAGE_JOURNAL_SQL, USAGE_SCHEMA_SQL } from '../usage/schema.js';

/** Append-only: a shipped migration is never edited, only followed by a new one. */
export const MIGRATIONS: readonly string[] = [
  // 1: registry, keys, settings
  `
  CREATE TABLE models (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
  );
  CREATE TABLE versions (
    model_id    INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    signature   TEXT NOT NULL,
    metadata    TEXT NOT NULL DEFAULT '{}',
    tags        TEXT NOT NULL DEFAULT '[]',
    settings    TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (model_id, version)
  );
  CREATE INDEX versions_by_sha ON versions(model_id, sha256);
  CREATE TABLE aliases (
    model_id    INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    alias       TEXT NOT NULL,
    version     INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (model_id, alias)
  );
  CREATE TABLE alias_history (
    id          INTEGER PRIMARY KEY,
    model_id    INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    alias       TEXT NOT NULL,
    version     INTEGER,
    action      TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    changed_at  INTEGER NOT NULL
  );
  CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    models       TEXT,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    revoked_at   INTEGER,
    last_used_at INTEGER
  );
  CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // 2: usage and audit log
  USAGE_SCHEMA_SQL,
  // 3: latency history and uptime
  OBSERVABILITY_SCHEMA_SQL,
  // 4: per-key rate limits
  KEY_LIMITS_SQL,
  // 5: the usage journal: the number of the last journal entry committed to records
  USAGE_JOURNAL_SQL,
  // 6: the audit key history and the start of the checkpoint-interval rule
  AUDIT_KEYS_SQL,
  // 7: pre- and post-processing per version (set once, never changed) and the files it reads
  `
  ALTER TABLE versions ADD COLUMN processing TEXT;
  CREATE TABLE version_assets (
    model_id    INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    key         TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    content     BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (model_id, version, key),
    FOREIGN KEY (model_id, version) REFERENCES versions(model_id, version) ON DELETE CASCADE
  );
  `,
];
