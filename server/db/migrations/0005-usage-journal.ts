// Released: never edit this file (its SHA-256 is pinned in test/server/db/frozen-migrations.test.ts). Change the schema with a new file.
/** 0005: the number of the last usage-journal entry committed to records (see usage/journal.ts). */
export const sql = `ALTER TABLE chain_state ADD COLUMN journal_seq INTEGER NOT NULL DEFAULT 0;`;
