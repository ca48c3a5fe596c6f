import type { Database, Statement } from 'better-sqlite3';
import type { KeyObject } from 'node:crypto';
import { lastFileCheckpoint } from './checkpoint-file.js';

/**
 * The stored chain no longer holds what a checkpoint signed: someone rewrote or cut the database.
 * Nothing more is signed or appended on top of it (that would vouch for the rewrite); new usage
 * records wait in the journal.
 */
export class AuditChainRefused extends Error {
  constructor(problem: string) {
    super(
      `the audit chain in the database does not match its signed checkpoints (${problem}); ` +
        'Hearth refuses to extend or sign it. New usage records are kept in the usage journal. ' +
        'Restore hearth.db from a backup, or export what remains and give it to your auditor.',
    );
    this.name = 'AuditChainRefused';
  }

  /** The refusal as the log thread worded it: its message is already whole (not wrapped a second time). */
  static worded(message: string): AuditChainRefused {
    const error = new AuditChainRefused('');
    error.message = message;
    return error;
  }
}

export interface Anchor {
  seq: number;
  hash: string;
  time: number;
}

interface StateRow {
  headSeq: number;
  baseSeq: number;
  baseHash: string;
}

/** The two statements anchorProblem runs, prepared once per connection: the log thread checks before every commit. */
const statements = new WeakMap<Database, { state: Statement; hash: Statement }>();

function statementsOf(db: Database): { state: Statement; hash: Statement } {
  let s = statements.get(db);
  if (!s) {
    s = {
      state: db.prepare('SELECT head_seq AS headSeq, base_seq AS baseSeq, base_hash AS baseHash FROM chain_state WHERE id = 1'),
      hash: db.prepare('SELECT hash FROM records WHERE seq = ?').pluck(),
    };
    statements.set(db, s);
  }
  return s;
}

/** Why the database's chain no longer holds `anchor` (a checkpoint signed earlier), or null when it does. */
export function anchorProblem(db: Database, anchor: Anchor): string | null {
  const { state: selectState, hash: selectHash } = statementsOf(db);
  const state = selectState.get() as StateRow;
  if (anchor.seq > state.headSeq) {
    const signedAt = new Date(anchor.time).toISOString();
    return `the chain ends at seq ${state.headSeq}, but record seq ${anchor.seq} was signed at ${signedAt}: records were removed from its end`;
  }
  // Retention removed it: what remains chains from base_hash, which the export states.
  if (anchor.seq < state.baseSeq) return null;
  const stored = anchor.seq === state.baseSeq ? state.baseHash : (selectHash.get(anchor.seq) as string | undefined);
  if (stored === anchor.hash) return null;
  const signedAt = new Date(anchor.time).toISOString();
  if (stored === undefined) return `record seq ${anchor.seq}, signed at ${signedAt}, is missing`;
  return `record seq ${anchor.seq} differs from what was signed at ${signedAt}: history was rewritten`;
}

/** The newest checkpoint in the database signed by one of `keys`, or null. */
export function lastDbCheckpoint(db: Database, keys: ReadonlyMap<string, KeyObject>): Anchor | null {
  const fingerprints = [...keys.keys()];
  const row = db
    .prepare(
      `SELECT seq, hash, time FROM checkpoints WHERE key_fingerprint IN (${fingerprints.map(() => '?').join(', ')})
       ORDER BY seq DESC, id DESC LIMIT 1`,
    )
    .get(...fingerprints) as Anchor | undefined;
  return row ?? null;
}

/**
 * Throws AuditChainRefused when the chain does not hold the newest checkpoint of the checkpoint
 * file (if there is one) or of the database. Runs inside the caller's transaction.
 */
export function assertChainHolds(db: Database, anchors: readonly (Anchor | null)[]): void {
  for (const anchor of anchors) {
    if (!anchor) continue;
    const problem = anchorProblem(db, anchor);
    if (problem) throw new AuditChainRefused(problem);
  }
}

/** The checkpoint file's newest checkpoint, for `assertChainHolds`; null without a file. */
export function fileAnchor(file: string | null | undefined, keys: ReadonlyMap<string, KeyObject>): Anchor | null {
  return file ? lastFileCheckpoint(file, keys) : null;
}
