import { threadRunQueueWaitNs } from '../base/thread-name.js';

// Whether the usage log's thread, once at SCHED_IDLE (log-thread.ts), is starved and must be
// replaced (log-worker.ts, rescueIdleThread). A thread at SCHED_IDLE runs only on a core nothing
// else wants: on a machine busy with other work it would fall behind for good (and a close would
// wait on it), and only a privileged thread may leave SCHED_IDLE, so a starved one is ended and a
// thread at nice 10 takes over.

/** How long the oldest record not committed may wait before an idle thread is replaced. */
export const IDLE_RESCUE_MS = 2000;
/** The same while someone awaits a commit (an admin action's record, a flush, a close). */
const AWAITED_RESCUE_MS = 250;
/** How long the thread that replaces it stays at nice 10 before it goes idle again. */
export const RESCUED_IDLE_AFTER_MS = 60_000;
/** How often the main thread looks at an idle thread's progress. */
export const IDLE_CHECK_MS = 125;
/** Writes within this long of each other share one mark of when entries were written (see marks). */
const MARK_MS = 100;

/** What the watch keeps of a thread: its Linux id and its time waiting for a core at the last check. */
export interface WatchedThread {
  tid: number | null;
  runQueueWaitNs: number | undefined;
}

export class IdleWatch {
  /**
   * [newest entry written, when], one per MARK_MS of writes, oldest first; marks whose entries are
   * all committed are dropped, so the first one dates the oldest record still waiting (to within MARK_MS).
   */
  private readonly marks: [number, number][] = [];
  /** Said once: a machine without an idle core would say it every minute. */
  private told = false;

  constructor(private readonly rescueAfterMs = IDLE_RESCUE_MS) {}

  /** Entries up to `newest` are in the journal file now. */
  written(newest: number): void {
    const now = performance.now();
    const last = this.marks.at(-1);
    if (last !== undefined && now - last[1] < MARK_MS) last[0] = newest;
    else this.marks.push([newest, now]);
  }

  /** Entries up to `committed` are in the database. */
  committed(committed: number): void {
    while (this.marks.length > 0 && this.marks[0][0] <= committed) this.marks.shift();
  }

  /**
   * Whether `thread`, at SCHED_IDLE, should be replaced now: the oldest record not committed has
   * waited rescueAfterMs (AWAITED_RESCUE_MS when `awaited`), and the thread spent most of the last
   * check runnable but waiting for a core (not asleep: a thread that waits for another writer's
   * lock would do no better at another priority). Call every IDLE_CHECK_MS; says so once.
   */
  starved(thread: WatchedThread, awaited: boolean): boolean {
    if (this.marks.length === 0) return false;
    const wait = thread.tid === null ? undefined : threadRunQueueWaitNs(thread.tid);
    const before = thread.runQueueWaitNs;
    thread.runQueueWaitNs = wait;
    const waited = performance.now() - this.marks[0][1];
    if (waited < (awaited ? Math.min(AWAITED_RESCUE_MS, this.rescueAfterMs) : this.rescueAfterMs)) return false;
    if (wait !== undefined && (before === undefined || (wait - before) / 1e6 < IDLE_CHECK_MS / 2)) return false;
    if (!this.told) {
      console.error(`hearth usage log: records waited ${Math.round(waited)} ms for the log thread, which runs at idle priority and found no idle core; ` +
        `a thread 10 nice levels down takes over and stays there for ${RESCUED_IDLE_AFTER_MS / 1000} s (said once)`);
      this.told = true;
    }
    return true;
  }
}
