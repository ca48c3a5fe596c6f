import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LoadResult, RunResult, SessionOptions, WireTensor, WorkerRequest, WorkerResponse } from './messages.js';

export class WorkerDiedError extends Error {}

/** Distributes an object without the keys that only this side knows. */
type Outgoing = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface Pending {
  resolve: (value: LoadResult | RunResult | null) => void;
  reject: (err: Error) => void;
}

/**
 * The compiled worker. Under the test runner this module is TypeScript source, and a worker
 * thread cannot load TypeScript, so it falls back to the build output.
 */
function workerScript(): URL {
  const beside = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  return new URL('../../dist/server/runtime/worker.js', import.meta.url);
}

/** One worker thread and the requests it has not answered yet. */
export class InferenceWorker {
  private worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Session keys loaded in this worker, so they can be reloaded after a crash. */
  readonly sessions = new Set<string>();
  alive = true;
  /** Requests sent and not yet answered: the pool's measure of how busy a worker is. */
  get inFlight(): number { return this.pending.size; }

  constructor(readonly index: number, private readonly onDeath: (w: InferenceWorker, reason: string) => void) {
    this.worker = this.spawn();
  }

  private spawn(): Worker {
    const name = `hearth-infer-${this.index}`;
    const w = new Worker(workerScript(), { name, workerData: { threadName: name } });
    w.on('message', (msg: WorkerResponse) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(msg.error));
    });
    let dead = false;
    const die = (reason: string) => {
      // A crash can raise both 'error' and 'exit'; by the second, a replacement may be running.
      if (dead || this.worker !== w || !this.alive) return;
      dead = true;
      this.alive = false;
      const err = new WorkerDiedError(`inference worker ${this.index} stopped (${reason}); the request did not complete`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.onDeath(this, reason);
    };
    w.on('error', (err) => die(err.message));
    w.on('exit', (code) => die(`exit code ${code}`));
    return w;
  }

  /** Starts a fresh thread in place of a dead one; its sessions must be loaded again. */
  respawn(): void {
    this.sessions.clear();
    this.alive = true;
    this.worker = this.spawn();
  }

  send(msg: Outgoing, transfer: ArrayBuffer[] = []): Promise<LoadResult | RunResult | null> {
    if (!this.alive) return Promise.reject(new WorkerDiedError(`inference worker ${this.index} is restarting`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }

  /**
   * Stops the thread once its current inference returns. Terminating a thread inside onnxruntime's
   * run() aborts the whole process (onnxruntime-node throws from native code), so the thread is
   * asked to exit between messages; only one still stuck after `graceMs` is terminated.
   */
  async terminate(graceMs = 30_000): Promise<void> {
    this.alive = false;
    const w = this.worker;
    if (w.threadId >= 0) {
      const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      w.postMessage({ op: 'exit', id: 0 } satisfies WorkerRequest);
      const timer = setTimeout(() => { void w.terminate(); }, graceMs);
      await exited;
      clearTimeout(timer);
    }
    const err = new WorkerDiedError(`inference worker ${this.index} was stopped: the server is shutting down`);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

export interface PoolEvents {
  /** A worker died and was replaced; the sessions it held are gone. */
  onWorkerReplaced?: (index: number, lostSessions: string[], reason: string) => void;
}

/** A fixed set of inference worker threads (default: one per core). */
export class WorkerPool {
  readonly workers: InferenceWorker[];
  private closed = false;

  private readonly replacedListeners: NonNullable<PoolEvents['onWorkerReplaced']>[] = [];

  constructor(size = os.availableParallelism(), events: PoolEvents = {}) {
    this.workers = Array.from({ length: Math.max(1, size) }, (_, i) => new InferenceWorker(i, (w, reason) => this.replace(w, reason)));
    if (events.onWorkerReplaced) this.replacedListeners.push(events.onWorkerReplaced);
  }

  /** Tells `listener` of every worker replaced from now on (the model manager reloads what it lost). */
  onWorkerReplaced(listener: NonNullable<PoolEvents['onWorkerReplaced']>): void {
    this.replacedListeners.push(listener);
  }

  private replace(w: InferenceWorker, reason: string): void {
    if (this.closed) return;
    const lost = [...w.sessions];
    w.respawn();
    for (const l of this.replacedListeners) l(w.index, lost, reason);
  }

  /** The `count` workers holding the fewest sessions. */
  pick(count: number): InferenceWorker[] {
    const order = [...this.workers].sort((a, b) => a.sessions.size - b.sessions.size || a.index - b.index);
    return Array.from({ length: count }, (_, i) => order[i % order.length]);
  }

  async load(worker: InferenceWorker, key: string, path: string, options: SessionOptions): Promise<LoadResult> {
    const result = (await worker.send({ op: 'load', key, path, options })) as LoadResult;
    worker.sessions.add(key);
    return result;
  }

  async unload(worker: InferenceWorker, key: string): Promise<void> {
    worker.sessions.delete(key);
    if (worker.alive) await worker.send({ op: 'unload', key });
  }

  run(worker: InferenceWorker, key: string, feeds: WireTensor[], outputs: string[]): Promise<RunResult> {
    const transfer: ArrayBuffer[] = [];
    for (const f of feeds) {
      if (!Array.isArray(f.data)) transfer.push((f.data as ArrayBufferView).buffer as ArrayBuffer);
    }
    return worker.send({ op: 'run', key, feeds, outputs }, transfer) as Promise<RunResult>;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
