import type { Database } from 'better-sqlite3';

export interface ChainState {
  /** seq and hash of the newest record (0 and the zero hash when empty). */
  headSeq: number;
  headHash: string;
  /** Last record removed by retention: the remaining chain starts from baseHash. */
  baseSeq: number;
  baseHash: string;
  prunedAt: number | null;
  /** Newest checkpoint, whichever key signed it. */
  lastCheckpoint: { seq: number; hash: string; time: number; fingerprint: string } | null;
}

export interface HeadRow {
  headSeq: number;
  headHash: string;
}

export const SELECT_HEAD = 'SELECT head_seq AS headSeq, head_hash AS headHash FROM chain_state WHERE id = 1';
export const UPDATE_HEAD = 'UPDATE chain_state SET head_seq = ?, head_hash = ? WHERE id = 1';

/** The chain's current state, for the admin API and CLI. */
export function getChainState(db: Database): ChainState {
  const row = db
    .prepare(
      `SELECT head_seq AS headSeq, head_hash AS headHash, base_seq AS baseSeq, base_hash AS baseHash,
              pruned_at AS prunedAt FROM chain_state WHERE id = 1`,
    )
    .get() as Omit<ChainState, 'lastCheckpoint'> | undefined;
  if (!row) throw new Error('the usage log tables are missing: the database was not migrated');
  const checkpoint = db
    .prepare(
      `SELECT seq, hash, time, key_fingerprint AS fingerprint FROM checkpoints ORDER BY seq DESC, id DESC LIMIT 1`,
    )
    .get() as ChainState['lastCheckpoint'] | undefined;
  return { ...row, lastCheckpoint: checkpoint ?? null };
}
