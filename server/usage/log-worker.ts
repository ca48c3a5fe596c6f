import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { USAGE_LOG_DEFAULTS, type UsageLog, type UsageLogOptions, type UsageLogStats } from './log.js';
import type { FromLogThread, LogThreadData, ToLogThread } from './log-messages.js';
import { adminFields, inferenceFields, type NewRecord } from './record.js';

export interface UsageLogWorkerOptions extends UsageLogOptions {
  /** How long the thread's BEGIN IMMEDIATE waits for the main connection's writers (SQLite busy_timeout). */
  busyTimeoutMs?: number;
  /** PRAGMA synchronous for the thread's connection (it does the usage log's commits); pass the main connection's. */
  synchronous?: string | number;
}

export interface UsageLogWorker extends UsageLog {
  /** The thread now running the log, null when none is (for diagnostics and tests). */
  readonly thread: Worker | null;
}

/** Rejects the appends a dead log thread had not confirmed; the next append starts a new thread. */
export class UsageLogThreadError extends Error {}

/** Beside this file in dist/; from the TypeScript sources (vitest), the built copy in dist/. */
function threadScript(): URL {
  const beside = new URL('./log-thread.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  return new URL('../../dist/server/usage/log-thread.js', import.meta.url);
}

interface Pending {
  fields: NewRecord;
  resolve: (seq: number) => void;
  reject: (error: unknown) => void;
}

type Reply = (answer: FromLogThread | UsageLogThreadError) => void;

/** One thread and the requests it has not answered. */
interface Thread {
  worker: Worker;
  waiting: Map<number, Reply>;
  stats: UsageLogStats;
  dead: boolean;
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
    now = Date.now,
    busyTimeoutMs = 5000,
    synchronous = 'NORMAL',
  }: UsageLogWorkerOptions = {},
): UsageLogWorker {
  const stats: UsageLogStats = { ...ZERO_STATS };
  if (!enabled) {
    return {
      append: () => Promise.resolve(0),
      appendAdmin: () => Promise.resolve(0),
      flush: () => Promise.resolve(),
      close: () => Promise.resolve(),
      stats,
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
  };
  /** Totals of the threads that ended, so stats keep counting across a restart. */
  const ended: UsageLogStats = { ...ZERO_STATS };
  let current: Thread | null = null;
  let nextId = 1;
  let buffer: Pending[] = [];
  let immediate: NodeJS.Immediate | null = null;
  let closing: Promise<void> | null = null;

  function noteStats(thread: Thread, latest: UsageLogStats): void {
    thread.stats = latest;
    stats.transactions = ended.transactions + latest.transactions;
    stats.records = ended.records + latest.records;
    stats.checkpoints = ended.checkpoints + latest.checkpoints;
  }

  function spawn(): Thread {
    const worker = new Worker(threadScript(), { name: 'hearth-usage-log', workerData: data });
    const thread: Thread = { worker, waiting: new Map(), stats: { ...ZERO_STATS }, dead: false };
    // Idle, the thread does not keep the process alive (as the in-process log's timer does not).
    worker.unref();
    worker.on('message', (msg: FromLogThread) => {
      const reply = thread.waiting.get(msg.id);
      thread.waiting.delete(msg.id);
      if (thread.waiting.size === 0) worker.unref();
      noteStats(thread, msg.stats);
      reply?.(msg);
    });
    const die = (reason: string): void => {
      // A crash raises 'error' and then 'exit'; the first one settles everything.
      if (thread.dead) return;
      thread.dead = true;
      if (current === thread) current = null;
      ended.transactions += thread.stats.transactions;
      ended.records += thread.stats.records;
      ended.checkpoints += thread.stats.checkpoints;
      const error = new UsageLogThreadError(`the usage log's thread stopped (${reason}); the record was not confirmed`);
      const replies = [...thread.waiting.values()];
      thread.waiting.clear();
      for (const reply of replies) reply(error);
    };
    worker.on('error', (error) => die(error.message));
    worker.on('exit', (code) => die(`exit code ${code}`));
    return thread;
  }

  function request(msg: ToLogThread, reply: Reply): Thread {
    current ??= spawn();
    const thread = current;
    if (thread.waiting.size === 0) thread.worker.ref();
    thread.waiting.set(msg.id, reply);
    thread.worker.postMessage(msg);
    return thread;
  }

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
    return new Promise<number>((resolve, reject) => {
      buffer.push({ fields, resolve, reject });
      immediate ??= setImmediate(sendBuffer);
    });
  }

  /** Sends what is buffered, then `type`; resolves with the thread's answer (an error if it died first). */
  function roundTrip(type: 'flush' | 'close'): Promise<{ thread: Thread; answer: FromLogThread | UsageLogThreadError }> {
    sendBuffer();
    return new Promise((resolve) => {
      const thread = request({ type, id: nextId++ }, (answer) => resolve({ thread, answer }));
    });
  }

  current = spawn();

  return {
    append: (record) => enqueue(() => inferenceFields(record, now())),
    appendAdmin: (action) => enqueue(() => adminFields(action, now())),
    async flush() {
      if (closing) return closing;
      // With no thread there is nothing in flight: a dead one has already rejected its appends.
      if (!current && buffer.length === 0) return;
      // A thread that dies meanwhile rejected the appends themselves; flushing has nothing to add.
      await roundTrip('flush');
    },
    close() {
      closing ??= roundTrip('close').then(async ({ thread, answer }) => {
        if (!thread.dead) await thread.worker.terminate();
        if (answer instanceof Error) throw answer;
        if (answer.type === 'done' && answer.error !== null) throw new Error(answer.error);
      });
      return closing;
    },
    stats,
    get thread() {
      return current?.worker ?? null;
    },
  };
}
