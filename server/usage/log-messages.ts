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
  /** Milliseconds after its start's commits before the thread goes to SCHED_IDLE (Linux); null: never. */
  idleAfterMs: number | null;
}

/**
 * [first entry number, its seq, count]: entries first … first+count−1 committed as seq … seq+count−1,
 * or, when seq is 0, committed before (by a thread that ended). Runs, not a pair per entry: one
 * message carries hundreds of entries, almost always one run, and the main thread looks up only
 * the few entries someone awaits.
 */
export type CommittedRun = [number, number, number];

/** The runs of `seqs`, the seqs of journal entries numbered `js` (both in order). */
export function committedRuns(js: readonly number[], seqs: readonly number[]): CommittedRun[] {
  const runs: CommittedRun[] = [];
  let run: CommittedRun | null = null;
  for (let i = 0; i < js.length; i++) {
    const j = js[i];
    const seq = seqs[i];
    const follows = run !== null && j === run[0] + run[2] && (seq === 0 ? run[1] === 0 : run[1] !== 0 && seq === run[1] + run[2]);
    if (run !== null && follows) run[2] += 1;
    else {
      run = [j, seq, 1];
      runs.push(run);
    }
  }
  return runs;
}

/** The seq `runs` give entry `j`: a number (0: committed before), or undefined when no run holds it. */
export function seqInRuns(runs: readonly CommittedRun[], j: number): number | undefined {
  for (const [first, seq, count] of runs) {
    if (j >= first && j < first + count) return seq === 0 ? 0 : seq + (j - first);
  }
  return undefined;
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
  /** Journal entries committed, as runs (see CommittedRun); upTo: every entry up to it is in the database. */
  | { type: 'committed'; runs: CommittedRun[]; upTo: number; stats: UsageLogStats }
  /** Journal entries not committed because the chain is refused (chain-guard.ts); they stay in the journal. */
  | { type: 'refused'; entries: number[]; error: string; stats: UsageLogStats }
  /** The thread now runs at SCHED_IDLE: if it falls behind, the main thread replaces it. */
  | { type: 'idle'; tid: number | null; stats: UsageLogStats };
