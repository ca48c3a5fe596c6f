// Released: never edit this file (its SHA-256 is pinned in test/server/db/frozen-migrations.test.ts). Change the schema with a new file.
/** 0004: per-key rate limits; NULL means the server's default applies. */
export const sql = `
  ALTER TABLE api_keys ADD COLUMN rate_per_second REAL;
  ALTER TABLE api_keys ADD COLUMN max_concurrent INTEGER;
`;
