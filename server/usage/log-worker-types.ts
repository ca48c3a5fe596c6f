import type { Worker } from 'node:worker_threads';
import type { WatchedThread } from './idle-watch.js';
import type { JournalOptions } from './journal.js';
import type { UsageLog, UsageLogOptions, UsageLogStats } from './log.js';
import type { FromLogThread } from './log-messages.js';
import type { NewRecord } from './record.js';
import type { InferenceRecord } from './types.js';

// The usage log in a worker thread (log-worker.ts): what it takes and offers, and what it keeps
// about its thread and the appends waiting on it.

export interface UsageLogWorkerOptions extends UsageLogOptions {
  /** How long the thread's BEGIN IMMEDIATE waits for the main connection's writers (SQLite busy_timeout). */
  busyTimeoutMs?: number;
  /** PRAGMA synchronous for the thread's connection (it does the usage log's commits); pass the main connection's. */
  synchronous?: string | number;
  /**
   * A write-ahead journal file: records are durable once written there (before the response), and
   * the thread commits them afterwards; it recovers what it had not committed when it starts.
   */
  journal?: ({ file: string } & JournalOptions) | null;
  /**
   * Journal mode: how long records may wait without a commit before a thread at SCHED_IDLE, which
   * a machine with no idle core starves, is replaced by one at nice 10 (default 2000 ms).
   */
  idleRescueMs?: number;
}

export interface UsageLogWorker extends UsageLog {
  /** Why new records are kept in the journal instead of being chained (see chain-guard.ts), or null. */
  readonly refused: string | null;
  /** Resolves once the log thread has checked the chain when it started: `refused` is set by then if it refuses. */
  readonly checked: Promise<void>;
  /** The thread now running the log, null when none is (for diagnostics and tests). */
  readonly thread: Worker | null;
  /**
   * The hot path's append: `done` runs once the record is durable (written to the journal), not
   * when it is committed; without a journal, once it is committed. A record that fails validation
   * or cannot be written gets an error.
   */
  record(record: InferenceRecord, done: (error: Error | null) => void, alone?: boolean): void;
}

/** Rejects the appends a dead log thread had not confirmed; the next append starts a new thread. */
export class UsageLogThreadError extends Error {}

export interface Pending {
  fields: NewRecord;
  resolve: (seq: number) => void;
  reject: (error: unknown) => void;
}

export type Reply = (answer: FromLogThread | UsageLogThreadError) => void;

/** One thread and the requests it has not answered. */
export interface Thread extends WatchedThread {
  worker: Worker;
  waiting: Map<number, Reply>;
  stats: UsageLogStats;
  dead: boolean;
  /** The thread said it runs at SCHED_IDLE (log-thread.ts). */
  idle: boolean;
  /** Replaced by a thread at a higher priority (log-worker.ts, rescueIdleThread) and being ended. */
  retired: boolean;
}

/** A request's answer and the thread that gave it. */
export type Answered = { thread: Thread; answer: FromLogThread | UsageLogThreadError };
