import { AuditChainRefused } from './chain-guard.js';
import { seqInRuns, type CommittedRun } from './log-messages.js';

/**
 * Journal mode (log-worker.ts): who waits for which journal entry's commit. Only appends someone
 * awaits (admin actions, tests) wait here; the hot path's records are done once journaled.
 */
export class Committers {
  private readonly waiting = new Map<number, { resolve: (seq: number) => void; reject: (error: unknown) => void }>();

  get size(): number { return this.waiting.size; }

  /** Entry `j` resolves with its seq once a thread reports it committed. */
  add(j: number, resolve: (seq: number) => void, reject: (error: unknown) => void): void {
    this.waiting.set(j, { resolve, reject });
  }

  /** Entry `j` was not journaled after all: whoever awaits it is told `error`. */
  fail(j: number, error: unknown): void {
    const c = this.waiting.get(j);
    this.waiting.delete(j);
    c?.reject(error);
  }

  /** A thread reported `runs` committed and everything up to `upTo` in the database. */
  committed(runs: readonly CommittedRun[], upTo: number): void {
    for (const [j, c] of this.waiting) {
      // Not in the runs but at most upTo: committed by a thread that ended before it said so.
      const seq = seqInRuns(runs, j) ?? (j <= upTo ? 0 : undefined);
      if (seq === undefined) continue;
      this.waiting.delete(j);
      c.resolve(seq);
    }
  }

  /** The entries stay journaled (committed there on a later start); whoever awaits them is told why not now. */
  refused(entries: readonly number[], error: string): void {
    for (const j of entries) this.fail(j, AuditChainRefused.worded(error));
  }

  rejectAll(error: unknown): void {
    const all = [...this.waiting.values()];
    this.waiting.clear();
    for (const c of all) c.reject(error);
  }
}
