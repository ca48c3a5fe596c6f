import type { KeyObject } from 'node:crypto';
import type { UsageLogStats } from './log.js';
import type { NewRecord } from './record.js';

/** workerData of log-thread.ts: where the database is and how the log inside runs. */
export interface LogThreadData {
  file: string;
  maxBatch: number;
  maxDelayMs: number;
  checkpointEvery: number;
  checkpointMs: number;
  /** The audit key's private half (a KeyObject clones across threads); null: no checkpoints. */
  privateKey: KeyObject | null;
  busyTimeoutMs: number;
  /** PRAGMA synchronous of the thread's connection: a per-connection setting, so it is passed on. */
  synchronous: string | number;
  /** The usage journal: at start the thread commits the entries the database does not have yet. */
  journal: string | null;
  /** The checkpoint file (checkpoint-file.ts), or null. */
  checkpointFile: string | null;
}

/** Main thread -> log thread. Records arrive already validated and timestamped. */
export type ToLogThread =
  | { type: 'append'; id: number; records: NewRecord[] }
  /** Journal lines already in the file; answered with 'committed' once they are in the database. */
  | { type: 'journaled'; start: number; end: number }
  | { type: 'flush'; id: number }
  | { type: 'close'; id: number };

/** Log thread -> main thread; each answers the request with the same id. */
export type FromLogThread =
  /** One result per record, in order: its seq once committed, or why it was not. */
  | { type: 'appended'; id: number; results: (number | string)[]; stats: UsageLogStats }
  | { type: 'done'; id: number; error: string | null; stats: UsageLogStats }
  /** Journal entries committed, as [entry number, seq]; upTo: every entry up to it is in the database. */
  | { type: 'committed'; results: [number, number][]; upTo: number; stats: UsageLogStats }
  /** Journal entries not committed because the chain is refused (chain-guard.ts); they stay in the journal. */
  | { type: 'refused'; entries: number[]; error: string; stats: UsageLogStats };
