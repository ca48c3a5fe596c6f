import type { Database } from 'better-sqlite3';
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { SigningKey } from './signing.js';

/** A key that signed (or signs) checkpoints of this log. */
export interface HistoricKey {
  fingerprint: string;
  publicKeyPem: string;
  /** The first seq written while this key was the signer. */
  firstSeq: number;
}

/** Every key in the history, oldest first. */
export function keyHistory(db: Database): HistoricKey[] {
  return db
    .prepare('SELECT fingerprint, public_key AS publicKeyPem, first_seq AS firstSeq FROM audit_keys ORDER BY first_seq, added_at')
    .all() as HistoricKey[];
}

/** Public keys by fingerprint: the current signer's and every earlier one's. */
export function trustedKeys(db: Database, signer: SigningKey): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const k of keyHistory(db)) keys.set(k.fingerprint, createPublicKey(k.publicKeyPem));
  keys.set(signer.fingerprint, signer.publicKey);
  return keys;
}

/**
 * Adds the signer to the history if it is new. Returns the fingerprint of the key it replaces
 * when the log was already signed by another key (a key change, which the caller records in the
 * chain), else null. Runs inside the caller's transaction.
 */
export function registerSigningKey(db: Database, signer: SigningKey, now: number): { replaces: string | null } | null {
  const known = db.prepare('SELECT 1 FROM audit_keys WHERE fingerprint = ?').get(signer.fingerprint);
  if (known) return null;
  const head = db.prepare('SELECT head_seq AS seq FROM chain_state WHERE id = 1').get() as { seq: number };
  // The previous signer: the newest key in the history, else (a log from before the history
  // existed) whoever signed the newest checkpoint.
  const previous =
    (db.prepare('SELECT fingerprint FROM audit_keys ORDER BY first_seq DESC, added_at DESC LIMIT 1').pluck().get() as string | undefined) ??
    (db.prepare('SELECT key_fingerprint FROM checkpoints ORDER BY seq DESC, id DESC LIMIT 1').pluck().get() as string | undefined) ??
    null;
  const isChange = previous !== null && previous !== signer.fingerprint;
  // A log signed by this key before the history existed: it has been the signer all along.
  const signedBefore = db.prepare('SELECT MIN(seq) FROM checkpoints WHERE key_fingerprint = ?').pluck().get(signer.fingerprint) as number | null;
  const firstSeq = isChange ? head.seq + 1 : signedBefore !== null ? 1 : head.seq + 1;
  db.prepare('INSERT INTO audit_keys (fingerprint, public_key, first_seq, added_at) VALUES (?, ?, ?, ?)').run(
    signer.fingerprint,
    signer.publicKeyPem,
    firstSeq,
    now,
  );
  return { replaces: isChange ? previous : null };
}
