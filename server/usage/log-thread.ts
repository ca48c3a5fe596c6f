import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { AuditChainRefused } from './chain-guard.js';
import { closeSync, openSync } from 'node:fs';
import { readJournal, readJournalRange, type JournalEntry } from './journal.js';
import { createUsageLog } from './log.js';
import { committedRuns, type FromLogThread, type LogThreadData, type ToLogThread } from './log-messages.js';
import { signingKeyFrom } from './signing.js';
import { errorMessage } from '../base/message.js';
import { idleThisThread, lowerThisThreadPriority, nameThisThread, thisThreadId } from '../base/thread-name.js';

// The body of createUsageLogWorker's thread: the in-process log, on its own connection.

/**
 * The usage log's thread runs 10 nice levels below the server (Linux). Its records are already
 * durable in the journal, so only their commit waits on it; at nice 0, each time the main thread
 * woke it (every 256 records under load) it took the HTTP thread's core at once (CPU profiles: ~300 µs charged to that
 * postMessage). Measured here, demo model at 64 connections, interleaved rounds: +14%, +18% and 7
 * of 8 rounds faster (usage log on / off 0.70 → 0.85), and 3,137 → 3,346 req/s, p99 747 → 533 µs at
 * one connection; records journaled and not yet committed stayed at the same ~400 (~35 ms).
 * Once it has committed what the journal held at its start (and after `idleAfterMs`), it goes
 * further, to SCHED_IDLE (see goIdle).
 */
const USAGE_LOG_NICE_BELOW = 10;
if (!parentPort) throw new Error('log-thread.js runs only as a worker thread (see log-worker.ts)');
const port = parentPort;
nameThisThread('hearth-usage');
lowerThisThreadPriority(USAGE_LOG_NICE_BELOW);
const data = workerData as LogThreadData;

// `timeout` is SQLite's busy_timeout: the main connection's writers (exports, pruning, the registry)
// hold the write lock for moments, and BEGIN IMMEDIATE waits for them instead of failing.
const db = new Database(data.file, { fileMustExist: true, timeout: data.busyTimeoutMs });
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${data.synchronous}`);

const log = createUsageLog(db, {
  maxBatch: data.maxBatch,
  maxDelayMs: data.maxDelayMs,
  checkpointEvery: data.checkpointEvery,
  checkpointMs: data.checkpointMs,
  signer: data.privateKey ? signingKeyFrom(data.privateKey) : null,
  checkpointFile: data.checkpointFile,
});

/** Said once per thread: every batch would say it again. */
let toldRefused = false;

/** Replies not yet posted: flush and close answer only after these, so the main thread sees them first. */
const unanswered = new Set<Promise<void>>();

function track(reply: Promise<void>): void {
  unanswered.add(reply);
  void reply.finally(() => unanswered.delete(reply));
}

function done(id: number, error: string | null): void {
  port.postMessage({ type: 'done', id, error, stats: { ...log.stats } } satisfies FromLogThread);
}

/** Runs `step` (which drains the log), waits for the replies queued before it, then `then`, then answers. */
function afterReplies(id: number, step: () => Promise<void>, then: () => void = () => {}): void {
  const before = [...unanswered];
  step()
    .then(() => Promise.all(before))
    .then(then)
    .then(
      () => done(id, null),
      (error: unknown) => done(id, errorMessage(error)),
    );
}

/** Newest journal entry accepted: entries arrive from the file at start and then from the main thread, some twice. */
let journaled = (db.prepare('SELECT journal_seq FROM chain_state WHERE id = 1').pluck().get() as number | undefined) ?? 0;

/**
 * Commits journal entries not committed yet and reports them. A failed commit ends the thread:
 * the entries stay in the journal, and the thread that replaces it commits them when it starts.
 */
function commitJournaled(entries: JournalEntry[]): void {
  const fresh = entries.filter((e) => e.j > journaled);
  if (fresh.length === 0) return;
  for (const e of fresh) {
    if (e.refused !== undefined) {
      console.error(`hearth usage log: usage journal entry ${e.j} cannot be committed as written (${e.refused}); ` +
        'an admin record "usage_journal_entry_refused" takes its place, with its text');
    }
  }
  journaled = fresh[fresh.length - 1].j;
  track(
    log.appendJournaled(fresh).then(
      (seqs) => {
        const runs = committedRuns(fresh.map((e) => e.j), seqs);
        port.postMessage({ type: 'committed', runs, upTo: fresh[fresh.length - 1].j, stats: { ...log.stats } } satisfies FromLogThread);
      },
      (error: unknown) => {
        if (error instanceof AuditChainRefused) {
          // Not a failure a new thread would fix: stay up, leave the entries in the journal (the
          // next start commits them once the chain is sound) and say so loudly.
          if (!toldRefused) console.error(`hearth usage log: REFUSED: ${error.message}`);
          toldRefused = true;
          const entries = fresh.map((e) => e.j);
          port.postMessage({ type: 'refused', entries, error: error.message, stats: { ...log.stats } } satisfies FromLogThread);
          return;
        }
        console.error(`hearth usage log: a commit failed (${errorMessage(error)}); the journal keeps the records for the next thread`);
        process.exit(75);
      },
    ),
  );
}

// Said at start, before anything waits on it: the operator sees it in the server's log at once.
const refusal = log.refusal();
if (refusal) {
  console.error(`hearth usage log: REFUSED: ${refusal}`);
  toldRefused = true;
  port.postMessage({ type: 'refused', entries: [], error: refusal, stats: { ...log.stats } } satisfies FromLogThread);
}

// Where the database stands: a thread that ended (replaced, killed) may have committed entries it
// had no time to report, and whoever awaits them learns it here.
if (data.journal) port.postMessage({ type: 'committed', runs: [], upTo: journaled, stats: { ...log.stats } } satisfies FromLogThread);

// What the last process (or the last thread) journaled and did not commit goes in first, in order.
if (data.journal) commitJournaled(readJournal(data.journal, journaled));
/** The journal, read where the main thread says it wrote (the 'journaled' messages). */
const journalFd = data.journal ? openSync(data.journal, 'r') : null;
// Descriptors belong to the process: a thread that ends (closed, or replaced after a failure) closes its own.
process.once('exit', () => { if (journalFd !== null) closeSync(journalFd); });

/**
 * SCHED_IDLE: the thread then commits only on a core nothing else wants. At nice 10 it still cost
 * the HTTP thread's throughput at 64 connections while a quarter of the machine stood idle (demo
 * model, interleaved rounds, usage log on / off 0.78 → 0.94, the HTTP thread's CPU per request
 * 69.9 → 59.1 µs, the same as without the log; pinning the two threads to different cores did not
 * help: 66.9 µs). A machine with no idle core would starve it: the main thread then replaces it by
 * a thread at nice 10 (log-worker.ts), since only a privileged thread may leave SCHED_IDLE.
 */
function goIdle(): void {
  if (idleThisThread()) port.postMessage({ type: 'idle', tid: thisThreadId() ?? null, stats: { ...log.stats } } satisfies FromLogThread);
}
if (data.idleAfterMs !== null) {
  const idleAfterMs = data.idleAfterMs;
  // After the start's commits: the journal's backlog goes in at nice 10.
  void Promise.allSettled([...unanswered]).then(() => setTimeout(goIdle, idleAfterMs).unref());
}

port.on('message', (msg: ToLogThread) => {
  switch (msg.type) {
    case 'journaled':
      // Read and parsed here, not on the HTTP thread.
      if (journalFd !== null) commitJournaled(readJournalRange(journalFd, msg.start, msg.end, journaled));
      break;
    case 'append':
      track(
        Promise.allSettled(msg.records.map((fields) => log.appendFields(fields))).then((settled) => {
          const results = settled.map((s) => (s.status === 'fulfilled' ? s.value : errorMessage(s.reason)));
          port.postMessage({ type: 'appended', id: msg.id, results, stats: { ...log.stats } } satisfies FromLogThread);
        }),
      );
      break;
    case 'flush':
      afterReplies(msg.id, () => log.flush());
      break;
    case 'close':
      // The connection closes before the answer, so close() on the main thread means "all on disk".
      afterReplies(msg.id, () => log.close(), () => db.close());
      break;
  }
});
