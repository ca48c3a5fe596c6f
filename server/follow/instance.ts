import { randomBytes } from 'node:crypto';
import type { Db } from '../db/database.js';

const INSTANCE_KEY = 'instance_id';
const LEADER_KEY = 'follow_leader_instance_id';

const read = (db: Db, key: string): string | null =>
  (db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined)?.value ?? null;

const write = (db: Db, key: string, value: string): void => {
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
};

/**
 * This data directory's random id, made on first use and kept in its database: a server started
 * on another (or an emptied) data directory has another id, which is how a follower tells that
 * whoever answers at its leader's address is no longer the leader it copied.
 */
export function instanceId(db: Db): string {
  const existing = read(db, INSTANCE_KEY);
  if (existing !== null) return existing;
  // INSERT OR IGNORE, then read back: two first starts racing agree on one id.
  db.prepare('INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)').run(INSTANCE_KEY, randomBytes(16).toString('hex'));
  return read(db, INSTANCE_KEY) as string;
}

/** The leader's instance id as this follower recorded it on first contact (kept across restarts). */
export const recordedLeaderId = (db: Db): string | null => read(db, LEADER_KEY);
export const recordLeaderId = (db: Db, id: string): void => write(db, LEADER_KEY, id);
