import Database from 'better-sqlite3';
import { hashRecord, RECORD_SELECT } from '../../../server/usage/record.js';
import type { RecordFields } from '../../../server/usage/types.js';

/**
 * What someone who can write hearth.db but has no signing key does to rewrite record `k`: change
 * it, recompute every hash from it to the head, delete the checkpoints from `k` on (they no longer
 * match) and point chain_state at the new head. Uses its own connection, as an editor would.
 */
export function rewriteRecord(file: string, k: number, edit: (r: RecordFields) => RecordFields): void {
  const db = new Database(file);
  try {
    db.transaction(() => {
      const rows = db.prepare(`SELECT ${RECORD_SELECT}, prev_hash AS prevHash FROM records WHERE seq >= ? ORDER BY seq`).all(k) as (RecordFields & { prevHash: string })[];
      let prev = rows[0].prevHash;
      const update = db.prepare('UPDATE records SET client = ?, status = ?, prev_hash = ?, hash = ? WHERE seq = ?');
      for (const { prevHash: _p, ...row } of rows) {
        const fields = row.seq === k ? edit(row) : row;
        const hash = hashRecord(prev, fields);
        update.run(fields.client, fields.status, prev, hash, fields.seq);
        prev = hash;
      }
      db.prepare('DELETE FROM checkpoints WHERE seq >= ?').run(k);
      db.prepare('UPDATE chain_state SET head_hash = ? WHERE id = 1').run(prev);
    })();
  } finally {
    db.close();
  }
}

/** The same editor removing the last `n` records: the records, their checkpoints, and the head moved back. */
export function deleteTail(file: string, n: number): void {
  const db = new Database(file);
  try {
    db.transaction(() => {
      const head = db.prepare('SELECT head_seq FROM chain_state WHERE id = 1').pluck().get() as number;
      const keep = head - n;
      db.prepare('DELETE FROM records WHERE seq > ?').run(keep);
      db.prepare('DELETE FROM checkpoints WHERE seq > ?').run(keep);
      const hash = db.prepare('SELECT hash FROM records WHERE seq = ?').pluck().get(keep) as string;
      db.prepare('UPDATE chain_state SET head_seq = ?, head_hash = ? WHERE id = 1').run(keep, hash);
    })();
  } finally {
    db.close();
  }
}
