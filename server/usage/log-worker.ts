import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AuditChainRefused } from './chain-guard.js';
import { committedJournalSeq, UsageJournal } from './journal.js';
import { USAGE_LOG_DEFAULTS, type UsageLogStats } from './log.js';
import { seqInRuns, type FromLogThread, type LogThreadData, type ToLogThread } from './log-messages.js';
import { adminFields, inferenceFields, type NewRecord } from './record.js';
import type { InferenceRecord } from './types.js';
import { threadRunQueueWaitNs } from '../base/thread-name.js';
import { UsageLogThreadError, type Pending, type Reply, type Thread, type UsageLogWorker, type UsageLogWorkerOptions } from './log-worker-types.js';

export { UsageLogThreadError, type UsageLogWorker, type UsageLogWorkerOptions } from './log-worker-types.js';

/** How long journaled records wait to be sent to the log thread together (see sendJournaled). */
const JOURNAL_SEND_MS = 50;

/** A thread at SCHED_IDLE that has not committed for this long while records wait is replaced (see rescueIdleThread). */
const IDLE_RESCUE_MS = 2000;
/** The same while someone awaits a commit (an admin action's record, a flush). */
const AWAITED_RESCUE_MS = 250;
/** How long the thread that replaces it stays at nice 10 before it goes idle again. */
const RESCUED_IDLE_AFTER_MS = 60_000;
/** How often the main thread looks at an idle thread's progress. */
const IDLE_CHECK_MS = 125;
/** Writes within this long of each other share one mark of when entries were written (see marks). */
const MARK_MS = 100;

/** Beside this file in dist/; from the TypeScript sources (vitest), the built copy in dist/. */
function threadScript(): URL {
  const beside = new URL('./log-thread.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  return new URL('../../dist/server/usage/log-thread.js', import.meta.url);
}

const ZERO_STATS: UsageLogStats = { transactions: 0, records: 0, checkpoints: 0 };

/**
 * createUsageLog run in a worker thread on its own connection to `file`, so canonical JSON, hashing,
 * signing and SQLite's synchronous commits leave the HTTP event loop. Same contract: an append
 * resolves with its seq once its transaction has committed. Records are validated and timestamped
 * here (a bad one rejects at once), gathered for one event-loop turn and sent as one message.
 * Checkpoint times come from the thread's clock; `now` sets only record times.
 */
export function createUsageLogWorker(
  file: string,
  {
    enabled = true,
    maxBatch = USAGE_LOG_DEFAULTS.maxBatch,
    maxDelayMs = USAGE_LOG_DEFAULTS.maxDelayMs,
    signer = null,
    checkpointEvery = USAGE_LOG_DEFAULTS.checkpointEvery,
    checkpointMs = USAGE_LOG_DEFAULTS.checkpointMs,
    checkpointFile = null,
    now = Date.now,
    busyTimeoutMs = 5000,
    synchronous = 'NORMAL',
    journal: journalOptions = null,
    idleRescueMs = IDLE_RESCUE_MS,
  }: UsageLogWorkerOptions = {},
): UsageLogWorker {
  const stats: UsageLogStats = { ...ZERO_STATS };
  if (!enabled) {
    return {
      append: () => Promise.resolve(0),
      appendAdmin: () => Promise.resolve(0),
      flush: () => Promise.resolve(),
      close: () => Promise.resolve(),
      record: (_record, done) => done(null),
      stats,
      refused: null,
      thread: null,
    };
  }

  if (file === '' || file === ':memory:') {
    throw new Error('the usage log thread opens its own connection, so it needs a database file, not an in-memory database');
  }
  const data: LogThreadData = {
    file,
    maxBatch,
    maxDelayMs,
    checkpointEvery,
    checkpointMs,
    privateKey: signer?.privateKey ?? null,
    busyTimeoutMs,
    synchronous,
    journal: journalOptions?.file ?? null,
    checkpointFile,
    // Without a journal, responses wait for the commit: that thread must not wait for idle cores.
    idleAfterMs: journalOptions ? 0 : null,
  };
  /** Totals of the threads that ended, so stats keep counting across a restart. */
  const ended: UsageLogStats = { ...ZERO_STATS };
  let current: Thread | null = null;
  let nextId = 1;
  let buffer: Pending[] = [];
  let immediate: NodeJS.Immediate | null = null;
  let closing: Promise<void> | null = null;
  /** Journal mode: who waits for which entry's commit (appends, not the hot path's records). */
  const committers = new Map<number, { resolve: (seq: number) => void; reject: (error: unknown) => void }>();
  /** Threads that died in a row without committing anything: a database that cannot take writes. */
  let fruitlessDeaths = 0;
  /** Why the thread refuses to extend the chain (chain-guard.ts), or null. */
  let refusal: string | null = null;
  /**
   * Journal mode: [newest entry written, when], one per MARK_MS of writes, oldest first; marks whose
   * entries are all committed are dropped, so the first one dates the oldest record still waiting
   * (to within MARK_MS).
   */
  const marks: [number, number][] = [];
  /** Said once: a machine without an idle core would say it every minute. */
  let toldRescue = false;

  function noteStats(thread: Thread, latest: UsageLogStats): void {
    thread.stats = latest;
    stats.transactions = ended.transactions + latest.transactions;
    stats.records = ended.records + latest.records;
    stats.checkpoints = ended.checkpoints + latest.checkpoints;
  }

  /** Journal mode: the thread holds the process open while entries wait for their commit. */
  function holdWhileOutstanding(thread: Thread): void {
    const outstanding = journal !== null && journal.committedNumber < journal.lastNumber;
    if (outstanding || thread.waiting.size > 0) thread.worker.ref();
    else thread.worker.unref();
  }

  function onCommitted(thread: Thread, msg: Extract<FromLogThread, { type: 'committed' }>): void {
    fruitlessDeaths = 0;
    journal?.noteCommitted(msg.upTo);
    while (journal !== null && marks.length > 0 && marks[0][0] <= journal.committedNumber) marks.shift();
    for (const [j, c] of committers) {
      // Not in the runs but at most upTo: committed by a thread that ended before it said so.
      const seq = seqInRuns(msg.runs, j) ?? (j <= msg.upTo ? 0 : undefined);
      if (seq === undefined) continue;
      committers.delete(j);
      c.resolve(seq);
    }
    holdWhileOutstanding(thread);
    if (current !== null && current !== thread) holdWhileOutstanding(current);
  }

  /** The entries stay journaled (committed there on a later start); whoever awaits them is told why not now. */
  function onRefused(msg: Extract<FromLogThread, { type: 'refused' }>): void {
    refusal = msg.error;
    for (const j of msg.entries) {
      const c = committers.get(j);
      if (c) {
        committers.delete(j);
        c.reject(new AuditChainRefused(msg.error));
      }
    }
  }

  /** `idleAfterMs`: when the thread goes to SCHED_IDLE once it has committed the journal's backlog (see log-thread.ts). */
  function spawn(idleAfterMs = data.idleAfterMs): Thread {
    const worker = new Worker(threadScript(), { name: 'hearth-usage-log', workerData: { ...data, idleAfterMs } satisfies LogThreadData });
    const thread: Thread = { worker, waiting: new Map(), stats: { ...ZERO_STATS }, dead: false, idle: false, retired: false, tid: null, runQueueWaitNs: undefined };
    // Idle, the thread does not keep the process alive (as the in-process log's timer does not).
    worker.unref();
    worker.on('message', (msg: FromLogThread) => {
      noteStats(thread, msg.stats);
      if (msg.type === 'committed') {
        onCommitted(thread, msg);
        return;
      }
      if (msg.type === 'refused') {
        onRefused(msg);
        return;
      }
      if (msg.type === 'idle') {
        thread.idle = true;
        thread.tid = msg.tid;
        return;
      }
      const reply = thread.waiting.get(msg.id);
      thread.waiting.delete(msg.id);
      holdWhileOutstanding(thread);
      reply?.(msg);
    });
    const die = (reason: string): void => {
      // A crash raises 'error' and then 'exit'; the first one settles everything.
      if (thread.dead) return;
      thread.dead = true;
      const wasCurrent = current === thread;
      if (wasCurrent) current = null;
      ended.transactions += thread.stats.transactions;
      ended.records += thread.stats.records;
      ended.checkpoints += thread.stats.checkpoints;
      const error = new UsageLogThreadError(`the usage log's thread stopped (${reason}); the record was not confirmed`);
      const replies = [...thread.waiting.values()];
      thread.waiting.clear();
      for (const reply of replies) reply(error);
      // Journal mode: nothing is lost with the thread. Its successor commits what the journal
      // holds beyond the database's journal_seq; it starts now if anything waits for it.
      if (thread.retired) {
        // Replaced by rescueIdleThread: the successor starts once this one is gone, so two never commit at once.
        if (wasCurrent) {
          current = spawn(RESCUED_IDLE_AFTER_MS);
          holdWhileOutstanding(current);
        }
      } else if (wasCurrent && journal && !closing && journal.committedNumber < journal.lastNumber) {
        fruitlessDeaths += 1;
        if (fruitlessDeaths < 3) {
          current = spawn();
          holdWhileOutstanding(current);
        } else {
          for (const c of committers.values()) c.reject(error);
          committers.clear();
        }
      }
    };
    worker.on('error', (error) => die(error.message));
    worker.on('exit', (code) => die(`exit code ${code}`));
    return thread;
  }

  function request(msg: Extract<ToLogThread, { id: number }>, reply: Reply): Thread {
    current ??= spawn();
    const thread = current;
    thread.waiting.set(msg.id, reply);
    holdWhileOutstanding(thread);
    thread.worker.postMessage(msg);
    return thread;
  }

  /**
   * Journal mode: the byte range written to the file goes to the thread every JOURNAL_SEND_MS, and
   * the thread reads it from the file. A message to an idle thread costs the HTTP thread its
   * wake-up (about 23 µs measured, and ~100 µs seen in profiles when the woken thread takes the
   * core), and the reply another; per request that was the largest cost left on the one-connection
   * path, and at every 5 ms a visible share of its p99. The records are already durable, so only
   * the commit waits; an append someone awaits (an admin action, flush) is sent at once. Sending
   * the range rather than the text: copying 100–200 kB of text into each message cost the HTTP
   * thread 2% at 64 connections, and a thread that falls behind would queue that text in memory.
   */
  let unsent: { start: number; end: number } | null = null;
  let unsentCount = 0;
  let sendTimer: NodeJS.Timeout | null = null;

  function sendJournaled(): void {
    if (sendTimer) clearTimeout(sendTimer);
    sendTimer = null;
    if (unsent === null) return;
    const { start, end } = unsent;
    unsent = null;
    unsentCount = 0;
    current ??= spawn();
    current.worker.postMessage({ type: 'journaled', start, end } satisfies ToLogThread);
    holdWhileOutstanding(current);
  }

  function onJournaled(start: number, end: number): void {
    const now = performance.now();
    const newest = journal?.writtenNumber ?? 0;
    const last = marks.at(-1);
    if (last !== undefined && now - last[1] < MARK_MS) last[0] = newest;
    else marks.push([newest, now]);
    // Writes follow each other in the file; the journal is emptied only once all is committed,
    // so a range that starts below the unsent one is a fresh file: send what came before first.
    if (unsent !== null && start !== unsent.end) sendJournaled();
    if (unsent === null) unsent = { start, end };
    else unsent.end = end;
    unsentCount += 1;
    if (committers.size > 0 || unsentCount >= maxBatch) sendJournaled();
    else if (!sendTimer) {
      sendTimer = setTimeout(sendJournaled, JOURNAL_SEND_MS);
      sendTimer.unref();
    }
  }

  /**
   * A thread at SCHED_IDLE runs only on a core nothing else wants: on a machine busy with other work
   * it would fall behind for good (and a close would wait on it). When the oldest record not
   * committed has waited idleRescueMs (AWAITED_RESCUE_MS when someone awaits a commit) and the
   * thread spent most of the last check waiting for a core (not asleep: a thread that waits for
   * another writer's lock would do no better at another priority), it is ended; once it is gone, a
   * new thread takes over at nice 10 (it commits the journal from the database's journal_seq on, as
   * after a crash; see die) and goes idle again only RESCUED_IDLE_AFTER_MS later.
   */
  function rescueIdleThread(): void {
    const old = current;
    if (old === null || !old.idle || old.retired || old.dead || refusal !== null || marks.length === 0) return;
    // Starved, not asleep: most of the last interval spent runnable, waiting for a core.
    const wait = old.tid === null ? undefined : threadRunQueueWaitNs(old.tid);
    const before = old.runQueueWaitNs;
    old.runQueueWaitNs = wait;
    const waited = performance.now() - marks[0][1];
    const patience = committers.size > 0 || old.waiting.size > 0 ? Math.min(AWAITED_RESCUE_MS, idleRescueMs) : idleRescueMs;
    if (waited < patience) return;
    if (wait !== undefined && (before === undefined || (wait - before) / 1e6 < IDLE_CHECK_MS / 2)) return;
    if (!toldRescue) {
      console.error(`hearth usage log: records waited ${Math.round(waited)} ms for the log thread, which runs at idle priority and found no idle core; ` +
        `a thread 10 nice levels down takes over and stays there for ${RESCUED_IDLE_AFTER_MS / 1000} s (said once)`);
      toldRescue = true;
    }
    old.retired = true;
    void old.worker.terminate();
  }

  const journal = journalOptions
    ? new UsageJournal(journalOptions.file, committedJournalSeq(file), onJournaled, {
      ...journalOptions,
      onHold: () => sendJournaled(),
      // Every entry written is committed: a range not sent yet would point into the emptied file.
      onEmptied: () => { unsent = null; unsentCount = 0; },
    })
    : null;

  function sendBuffer(): void {
    if (immediate) clearImmediate(immediate);
    immediate = null;
    if (buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    request({ type: 'append', id: nextId++, records: batch.map((p) => p.fields) }, (answer) => {
      if (answer instanceof Error || answer.type !== 'appended') {
        const error = answer instanceof Error ? answer : new UsageLogThreadError(`the usage log's thread answered ${answer.type} to an append`);
        for (const p of batch) p.reject(error);
        return;
      }
      answer.results.forEach((result, i) => {
        if (typeof result === 'number') batch[i].resolve(result);
        else batch[i].reject(new Error(result));
      });
    });
  }

  function enqueue(build: () => NewRecord): Promise<number> {
    if (closing) return Promise.reject(new Error('the usage log is closed'));
    let fields: NewRecord;
    try {
      fields = build();
    } catch (error) {
      return Promise.reject(error);
    }
    if (journal) {
      return new Promise<number>((resolve, reject) => {
        const j = journal.append(fields, (error) => {
          if (error) {
            committers.delete(j);
            reject(error);
          }
        });
        committers.set(j, { resolve, reject });
      });
    }
    return new Promise<number>((resolve, reject) => {
      buffer.push({ fields, resolve, reject });
      immediate ??= setImmediate(sendBuffer);
    });
  }

  /** `alone`: no other request is in progress, so the journal is written at once rather than at the end of the turn. */
  function record(r: InferenceRecord, done: (error: Error | null) => void, alone = false): void {
    if (!journal) {
      enqueue(() => inferenceFields(r, now())).then(() => done(null), (error: unknown) => done(error instanceof Error ? error : new Error(String(error))));
      return;
    }
    if (closing) {
      done(new Error('the usage log is closed'));
      return;
    }
    let fields: NewRecord;
    try {
      fields = inferenceFields(r, now());
    } catch (error) {
      done(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    journal.append(fields, done, alone);
  }

  /**
   * Sends what is buffered, then `type`; resolves with the thread's answer (an error if it died
   * first). A thread replaced meanwhile (rescueIdleThread) did not finish: its successor is asked.
   */
  async function roundTrip(type: 'flush' | 'close'): Promise<{ thread: Thread; answer: FromLogThread | UsageLogThreadError }> {
    for (;;) {
      journal?.write();
      sendJournaled();
      sendBuffer();
      const result = await new Promise<{ thread: Thread; answer: FromLogThread | UsageLogThreadError }>((resolve) => {
        const thread = request({ type, id: nextId++ }, (answer) => resolve({ thread, answer }));
      });
      if (!result.thread.retired) return result;
    }
  }

  current = spawn();
  const idleCheck = journal ? setInterval(rescueIdleThread, IDLE_CHECK_MS) : null;
  idleCheck?.unref();

  return {
    append: (r) => enqueue(() => inferenceFields(r, now())),
    appendAdmin: (action) => enqueue(() => adminFields(action, now())),
    record,
    async flush() {
      if (closing) return closing;
      // With no thread there is nothing in flight: a dead one has already rejected its appends.
      if (!current && buffer.length === 0 && (journal === null || journal.committedNumber >= journal.lastNumber)) return;
      // A thread that dies meanwhile rejected the appends themselves; flushing has nothing to add.
      await roundTrip('flush');
    },
    close() {
      closing ??= roundTrip('close').then(async ({ thread, answer }) => {
        if (idleCheck) clearInterval(idleCheck);
        journal?.close();
        if (!thread.dead) await thread.worker.terminate();
        if (answer instanceof Error) throw answer;
        if (answer.type === 'done' && answer.error !== null) throw new Error(answer.error);
      });
      return closing;
    },
    stats,
    get refused() {
      return refusal;
    },
    get thread() {
      return current?.worker ?? null;
    },
  };
}
