/**
 * The zero hash: prev_hash of the very first record of a chain that was never pruned.
 * The usage log's tables are made by the numbered migrations in db/migrations/ (0002, 0005, 0006).
 */
export const ZERO_HASH = '0'.repeat(64);
