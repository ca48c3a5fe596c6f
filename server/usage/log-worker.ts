import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Committers } from './committers.js';
import { committedJournalSeq, UsageJournal } from './journal.js';
import { USAGE_LOG_DEFAULTS, type UsageLogStats } from './log.js';
import type { FromLogThread, LogThreadData, ToLogThread } from './log-messages.js';
import { adminFields, inferenceFields, type NewRecord } from './record.js';
import type { InferenceRecord } from './types.js';
import { IDLE_CHECK_MS, IdleWatch, RESCUED_IDLE_AFTER_MS } from './idle-watch.js';
import { JournalRanges } from './journal-ranges.js';
import { UsageLogThreadError, type Answered, type Pending, type Reply, type Thread, type UsageLogWorker, type UsageLogWorkerOptions } from './log-worker-types.js';

export { UsageLogThreadError, type UsageLogWorker, type UsageLogWorkerOptions } from './log-worker-types.js';

/** Beside this file in dist/; from the TypeScript sources (vitest), the built copy in dist/. */
function threadScript(): URL {
  const beside = new URL('./log-thread.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  return new URL('../../dist/server/usage/log-thread.js', import.meta.url);
}

const ZERO_STATS: UsageLogStats = { transactions: 0, records: 0, checkpoints: 0 };

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

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
    idleRescueMs,
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
      checked: Promise.resolve(),
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
  const committers = new Committers();
  /** Threads that died in a row without committing anything: a database that cannot take writes. */
  let fruitlessDeaths = 0;
  /** Why the thread refuses to extend the chain (chain-guard.ts), or null. */
  let refusal: string | null = null;
  /** At a thread's first word (refused, committed, or dead) it has checked the chain. Without a journal it says nothing until a commit: no wait. */
  let markChecked: () => void = () => undefined;
  const checked = journalOptions ? new Promise<void>((resolve) => { markChecked = resolve; }) : Promise.resolve();
  /** Journal mode: whether a log thread at SCHED_IDLE is starved (see rescueIdleThread). */
  const idleWatch = new IdleWatch(idleRescueMs);

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
    markChecked();
    fruitlessDeaths = 0;
    journal?.noteCommitted(msg.upTo);
    if (journal !== null) idleWatch.committed(journal.committedNumber);
    committers.committed(msg.runs, msg.upTo);
    holdWhileOutstanding(thread);
    if (current !== null && current !== thread) holdWhileOutstanding(current);
  }

  function onRefused(msg: Extract<FromLogThread, { type: 'refused' }>): void {
    refusal = msg.error;
    markChecked();
    committers.refused(msg.entries, msg.error);
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
      markChecked();
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
          committers.rejectAll(error);
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

  /** Journal mode: what the journal wrote and the thread was not told yet (see journal-ranges.ts). */
  const ranges = new JournalRanges((start, end) => {
    current ??= spawn();
    current.worker.postMessage({ type: 'journaled', start, end } satisfies ToLogThread);
    holdWhileOutstanding(current);
  }, maxBatch);

  function onJournaled(start: number, end: number): void {
    if (journal !== null) idleWatch.written(journal.writtenNumber);
    ranges.add(start, end, committers.size > 0);
  }

  /**
   * A log thread at SCHED_IDLE that a machine without an idle core starves (see idle-watch.ts) is
   * ended; once it is gone, die() starts a thread at nice 10, which commits the journal from the
   * database's journal_seq on, as after a crash, and goes idle again only RESCUED_IDLE_AFTER_MS later.
   */
  function rescueIdleThread(): void {
    const old = current;
    if (old === null || !old.idle || old.retired || old.dead || refusal !== null) return;
    if (!idleWatch.starved(old, committers.size > 0 || old.waiting.size > 0)) return;
    old.retired = true;
    void old.worker.terminate();
  }

  const journal = journalOptions
    ? new UsageJournal(journalOptions.file, committedJournalSeq(file), onJournaled, {
      ...journalOptions,
      onHold: () => ranges.send(),
      onEmptied: () => ranges.drop(),
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
          if (!error) return;
          committers.fail(j, error);
          reject(error);
        });
        committers.add(j, resolve, reject);
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
      enqueue(() => inferenceFields(r, now())).then(() => done(null), (error: unknown) => done(asError(error)));
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
      done(asError(error));
      return;
    }
    journal.append(fields, done, alone);
  }

  /**
   * Sends what is buffered, then `type`; resolves with the thread's answer (an error if it died
   * first). A thread replaced meanwhile (rescueIdleThread) did not finish: its successor is asked.
   */
  async function roundTrip(type: 'flush' | 'close'): Promise<Answered> {
    for (;;) {
      journal?.write();
      ranges.send();
      sendBuffer();
      const result = await new Promise<Answered>((resolve) => {
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
    checked,
    get thread() {
      return current?.worker ?? null;
    },
  };
}
