// Released: never edit this file (its SHA-256 is pinned in test/server/db/frozen-migrations.test.ts). Change the schema with a new file.
/** 0001: the model registry (models, versions, aliases and their history), API keys, and key/value settings. */
export const sql = `
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
  `;
