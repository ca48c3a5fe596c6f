import type { Database, Statement } from 'better-sqlite3';
import { signPayload, type SigningKey } from './signing.js';

export interface Checkpoint {
  seq: number;
  hash: string;
  time: number;
  signature: string;
}

/** What a checkpoint's signature covers (canonical JSON of this object). */
export function checkpointPayload(seq: number, hash: string, time: number): Record<string, unknown> {
  return { type: 'checkpoint', seq, hash, time };
}

export function signCheckpoint(key: SigningKey, seq: number, hash: string, time: number): Checkpoint {
  return { seq, hash, time, signature: signPayload(key, checkpointPayload(seq, hash, time)) };
}

export function prepareInsertCheckpoint(db: Database): Statement<[number, string, number, string, string]> {
  return db.prepare(
    'INSERT INTO checkpoints (seq, hash, time, signature, key_fingerprint) VALUES (?, ?, ?, ?, ?)',
  );
}

/** Highest seq this key has signed, or 0. */
export function lastSignedSeq(db: Database, key: SigningKey): number {
  const row = db
    .prepare('SELECT MAX(seq) AS seq FROM checkpoints WHERE key_fingerprint = ?')
    .get(key.fingerprint) as { seq: number | null };
  return row.seq ?? 0;
}

/**
 * Signs record `seq` as it is stored now, unless this key already signed it. Runs in its own
 * BEGIN IMMEDIATE transaction, after `before` (which may throw to refuse); returns the checkpoint
 * signed, or null when there was nothing to sign.
 */
export function ensureCheckpointAt(
  db: Database,
  key: SigningKey,
  seq: number,
  now: number,
  before: () => void = () => {},
): Checkpoint | null {
  const find = db.prepare('SELECT 1 FROM checkpoints WHERE seq = ? AND key_fingerprint = ?');
  const hashOf = db.prepare('SELECT hash FROM records WHERE seq = ?');
  const insert = prepareInsertCheckpoint(db);
  return db
    .transaction((): Checkpoint | null => {
      before();
      if (find.get(seq, key.fingerprint)) return null;
      const row = hashOf.get(seq) as { hash: string } | undefined;
      if (!row) return null;
      const cp = signCheckpoint(key, seq, row.hash, now);
      insert.run(cp.seq, cp.hash, cp.time, cp.signature, key.fingerprint);
      return cp;
    })
    .immediate();
}
