import type { Database } from 'better-sqlite3';
import { SELECT_HEAD, type HeadRow } from './chain-state.js';

export interface PruneResult {
  pruned: number;
  /** The last removed record; what remains chains on from baseHash. */
  baseSeq: number;
  baseHash: string;
}

/**
 * Deletes the oldest records, up to (not including) the first one with time >= `before`, and the
 * checkpoints that signed them. The remaining chain stays verifiable: its first record's prevHash
 * is the last deleted record's hash, kept in chain_state and carried by every export's header.
 */
export function pruneBefore(db: Database, before: number, now: number = Date.now()): PruneResult {
  return db
    .transaction((): PruneResult => {
      const head = db.prepare(SELECT_HEAD).get() as HeadRow;
      const base = db.prepare('SELECT base_seq AS seq, base_hash AS hash FROM chain_state WHERE id = 1').get() as {
        seq: number;
        hash: string;
      };
      // Only a prefix goes: a record with a skewed clock stops pruning rather than leave a hole.
      const firstKept = (db.prepare('SELECT MIN(seq) AS seq FROM records WHERE time >= ?').get(before) as {
        seq: number | null;
      }).seq;
      const cut = firstKept === null ? head.headSeq : firstKept - 1;
      if (cut <= base.seq) return { pruned: 0, baseSeq: base.seq, baseHash: base.hash };
      const boundary = db.prepare('SELECT hash FROM records WHERE seq = ?').get(cut) as { hash: string } | undefined;
      if (!boundary) throw new Error(`cannot prune: record seq ${cut} is missing, the log is damaged`);
      const pruned = db.prepare('DELETE FROM records WHERE seq <= ?').run(cut).changes;
      db.prepare('DELETE FROM checkpoints WHERE seq <= ?').run(cut);
      db.prepare('UPDATE chain_state SET base_seq = ?, base_hash = ?, pruned_at = ? WHERE id = 1').run(
        cut,
        boundary.hash,
        now,
      );
      return { pruned, baseSeq: cut, baseHash: boundary.hash };
    })
    .immediate();
}
