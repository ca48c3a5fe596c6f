// Released: never edit this file (its SHA-256 is pinned in test/server/db/frozen-migrations.test.ts). Change the schema with a new file.
/**
 * 0007: pre- and post-processing per version (set once, never changed) and the files it reads
 * (labels, tokenizers, character lists), kept with the version and removed with it.
 */
export const sql = `
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
  `;
