/**
 * The byte ranges the usage journal wrote and its log thread has not been told of (log-worker.ts).
 * They go to the thread every JOURNAL_SEND_MS, and the thread reads them from the file. A message
 * to an idle thread costs the HTTP thread its wake-up (about 23 µs measured, and ~100 µs seen in
 * profiles when the woken thread takes the core), and the reply another; per request that was the
 * largest cost left on the one-connection path, and at every 5 ms a visible share of its p99. The
 * records are already durable, so only the commit waits; a range someone awaits (an admin action,
 * flush) is sent at once. Sending the range rather than the text: copying 100–200 kB of text into
 * each message cost the HTTP thread 2% at 64 connections, and a thread that falls behind would
 * queue that text in memory.
 */
export const JOURNAL_SEND_MS = 50;

export class JournalRanges {
  private unsent: { start: number; end: number } | null = null;
  private count = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    /** Sends one range to the log thread. */
    private readonly post: (start: number, end: number) => void,
    /** Writes after which the range goes at once. */
    private readonly maxWrites: number,
  ) {}

  /** The journal wrote [start, end); `now`: someone awaits it, send at once. */
  add(start: number, end: number, now: boolean): void {
    // Writes follow each other in the file; the journal is emptied only once all is committed,
    // so a range that starts below the unsent one is a fresh file: send what came before first.
    if (this.unsent !== null && start !== this.unsent.end) this.send();
    if (this.unsent === null) this.unsent = { start, end };
    else this.unsent.end = end;
    this.count += 1;
    if (now || this.count >= this.maxWrites) this.send();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.send(), JOURNAL_SEND_MS);
      this.timer.unref();
    }
  }

  /** Sends what was not sent yet. */
  send(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.unsent === null) return;
    const { start, end } = this.unsent;
    this.unsent = null;
    this.count = 0;
    this.post(start, end);
  }

  /** The file was emptied with every entry committed: a range not sent would point into it. */
  drop(): void {
    this.unsent = null;
    this.count = 0;
  }
}
