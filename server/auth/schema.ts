/** Migration: per-key rate limits; NULL means the server's default applies. */
export const KEY_LIMITS_SQL = `
  ALTER TABLE api_keys ADD COLUMN rate_per_second REAL;
  ALTER TABLE api_keys ADD COLUMN max_concurrent INTEGER;
`;
