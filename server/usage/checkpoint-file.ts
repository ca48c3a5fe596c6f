import { appendFileSync, closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical.js';
import { checkpointPayload, type Checkpoint } from './checkpoint.js';
import { HEX128, HEX64 } from './hash.js';
import { verifyPayload } from './signing.js';

/**
 * The checkpoint file in the data dir: every checkpoint the server signs is also appended here,
 * one canonical JSON line each, outside the database. Someone who rewrites the database has to
 * rewrite this file too, and the server compares the two before it extends the chain.
 */
export const CHECKPOINT_FILE = 'audit-checkpoints.jsonl';

export interface FileCheckpoint extends Checkpoint {
  fingerprint: string;
}

/** Appends checkpoints already committed to the database (after the commit: a rolled-back one must not be here). */
export function appendCheckpoints(file: string, checkpoints: readonly FileCheckpoint[]): void {
  if (checkpoints.length === 0) return;
  appendFileSync(file, checkpoints.map((c) => `${canonicalJson({ ...c })}\n`).join(''), { mode: 0o600 });
}

/** How much of the file's end is read: its lines arrive in seq order, give or take a concurrent export. */
const TAIL_BYTES = 64 * 1024;

/**
 * The checkpoint with the highest seq among the file's last lines whose signature verifies with
 * one of `keys` (a line that does not verify proves nothing and is ignored), or null.
 */
export function lastFileCheckpoint(file: string, keys: ReadonlyMap<string, KeyObject>): FileCheckpoint | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let text: string;
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    text = buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
  let best: FileCheckpoint | null = null;
  for (const line of text.split('\n')) {
    const cp = parseCheckpoint(line);
    if (!cp || (best && cp.seq <= best.seq)) continue;
    const key = keys.get(cp.fingerprint);
    if (key && verifies(key, cp)) best = cp;
  }
  return best;
}

function parseCheckpoint(line: string): FileCheckpoint | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null; // the first line of the tail is usually cut, and a torn last write is possible
  }
  if (typeof value !== 'object' || value === null) return null;
  const c = value as Record<string, unknown>;
  if (!Number.isSafeInteger(c.seq) || !Number.isSafeInteger(c.time)) return null;
  if (typeof c.hash !== 'string' || !HEX64.test(c.hash)) return null;
  if (typeof c.signature !== 'string' || !HEX128.test(c.signature)) return null;
  if (typeof c.fingerprint !== 'string') return null;
  return { seq: c.seq as number, hash: c.hash, time: c.time as number, signature: c.signature, fingerprint: c.fingerprint };
}

function verifies(key: KeyObject, cp: FileCheckpoint): boolean {
  try {
    return verifyPayload(key, checkpointPayload(cp.seq, cp.hash, cp.time), cp.signature);
  } catch {
    return false;
  }
}
