import { unavailable } from '../base/errors.js';
import { batchKey, concatBatch, splitBatch } from '../protocol/batch.js';
import type { Tensor } from '../protocol/tensor.js';
import type { VersionSettings } from '../registry/settings.js';
import { WorkerDiedError, type InferenceWorker, type WorkerPool } from './pool.js';
import type { VersionStats } from './stats.js';
import { fromWire, toWire } from './wire.js';
import { runInlineBatch } from './inline-batch.js';
import { ExecutionError, QueueTimeoutError, type ExecutionFault, type InferOutcome, type InlineRunner, type Job } from './outcome.js';
import { errorMessage } from '../base/message.js';

export interface Instance {
  worker: InferenceWorker;
  key: string;
  /** Batches sent to its worker and not answered yet (at most MAX_BATCHES_IN_FLIGHT). */
  running: number;
  /** Out of service while its session is reloaded after a worker died. */
  down?: boolean;
}

type SchedulerSettings = Pick<VersionSettings,
  'dynamicBatching' | 'maxBatchSize' | 'maxQueueDelayUs' | 'preferredBatchSizes' | 'maxQueueSize'>;

const nowNs = () => process.hrtime.bigint();

/**
 * Batches an instance may have in flight: the worker starts the second as soon as the first is
 * done, instead of idling while its answer crosses to this thread and the next batch crosses back.
 */
export const MAX_BATCHES_IN_FLIGHT = 2;

/**
 * The queue of one model version and its dynamic batcher: requests wait here until an instance
 * is free, then as many as fit (up to the maximum batch size, waiting at most the queue delay for
 * more) run together and each caller gets back exactly its own rows.
 */
export class VersionScheduler {
  private readonly queue: Job[] = [];
  private delayTimer?: NodeJS.Timeout;
  private readonly drainWaiters: (() => void)[] = [];
  private running = 0;
  private pumpScheduled: NodeJS.Immediate | null = null;
  /**
   * Inputs the version is known to run (its warm-up request), set once the warm-up succeeded; a
   * failed run is followed by one of these to tell a bad input from a broken session.
   */
  knownGood?: () => Tensor[];
  /** Set once the version qualifies to run on the HTTP thread (see InlineRunner). */
  inline?: InlineRunner;

  constructor(
    private readonly pool: WorkerPool,
    readonly instances: Instance[],
    private settings: SchedulerSettings,
    /** Whether the model's first dimension is a dynamic batch dimension. */
    private readonly batchable: boolean,
    private readonly outputNames: string[],
    private readonly stats: VersionStats,
  ) {}

  get queued(): number { return this.queue.length; }
  get inFlight(): number { return this.running; }
  /** Nothing queued or running. */
  get idle(): boolean { return this.running === 0 && this.queue.length === 0; }

  configure(settings: SchedulerSettings): void {
    this.settings = settings;
    this.pump();
  }

  submit(inputs: Tensor[], timeoutUs?: number): Promise<InferOutcome> {
    return new Promise((resolve, reject) => { this.enqueue(inputs, timeoutUs, resolve, reject); });
  }

  /**
   * As submit, answering through `resolve` or `reject` (which a full queue calls at once) instead
   * of a promise: the callers that answer by callback (models.ts `submit`) spare the promises.
   */
  enqueue(inputs: Tensor[], timeoutUs: number | undefined, resolve: (o: InferOutcome) => void, reject: (e: Error) => void): void {
    if (this.queue.length >= this.settings.maxQueueSize) {
      reject(unavailable(
        `The queue of this model version is full (${this.settings.maxQueueSize} requests waiting); retry shortly.`,
      ));
      return;
    }
    const job: Job = {
      inputs,
      rows: this.batchable ? (inputs[0]?.shape[0] ?? 1) : 1,
      shapeKey: batchKey(inputs),
      enqueued: nowNs(),
      resolve,
      reject,
    };
    if (timeoutUs !== undefined && timeoutUs > 0) {
      job.timer = setTimeout(() => {
        const i = this.queue.indexOf(job);
        if (i < 0) return;
        this.queue.splice(i, 1);
        // Counted as a failure once, by the route that answers it.
        reject(new QueueTimeoutError('unavailable',
          `The request waited longer than its timeout of ${timeoutUs} µs in the queue and was not run.`,
          1));
        this.pump();
      }, Math.max(1, Math.ceil(timeoutUs / 1000)));
    }
    this.queue.push(job);
    // Dispatch at the end of this event-loop turn: requests parsed in the same turn (the sockets
    // that were ready together) join one batch and cross to the worker in one message. Measured:
    // a message to an idle worker costs this thread ~23 µs, so per-request messages were the
    // largest cost left at 64 connections.
    this.pumpScheduled ??= setImmediate(() => { this.pumpScheduled = null; this.pump(); });
  }

  private take(maxRows = Infinity): Job[] | undefined {
    const head = this.queue[0];
    if (!head) return undefined;
    if (!this.settings.dynamicBatching || !this.batchable) return [this.queue.shift() as Job];
    const max = Math.min(this.settings.maxBatchSize, maxRows);
    const picked: Job[] = [];
    let rows = 0;
    for (const job of this.queue) {
      if (job.shapeKey !== head.shapeKey) continue;
      if (picked.length > 0 && rows + job.rows > max) break;
      picked.push(job);
      rows += job.rows;
      if (rows >= max) break;
    }
    const waitedUs = Number(nowNs() - head.enqueued) / 1000;
    const preferred = this.settings.preferredBatchSizes.includes(rows);
    if (rows < max && !preferred && waitedUs < this.settings.maxQueueDelayUs) {
      if (!this.delayTimer) {
        this.delayTimer = setTimeout(() => { this.delayTimer = undefined; this.pump(); },
          Math.max(1, Math.ceil((this.settings.maxQueueDelayUs - waitedUs) / 1000)));
      }
      return undefined;
    }
    // Picked in queue order: when the last one sits at its own index, they are the queue's head.
    if (this.queue[picked.length - 1] === picked[picked.length - 1]) {
      this.queue.splice(0, picked.length);
      return picked;
    }
    const chosen = new Set(picked);
    for (let i = this.queue.length - 1; i >= 0; i--) if (chosen.has(this.queue[i])) this.queue.splice(i, 1);
    return picked;
  }

  private pump(): void {
    this.pumpInline();
    // Idle instances first, then a second batch for busy ones. A request with a timeout waits here,
    // where its timeout is enforced, rather than behind another batch inside a worker.
    for (let depth = 0; depth < MAX_BATCHES_IN_FLIGHT && this.queue.length > 0; depth++) {
      if (depth > 0 && this.queue[0].timer !== undefined) break;
      for (const inst of this.instances) {
        if (inst.running !== depth || inst.down) continue;
        const jobs = this.take();
        if (!jobs) break;
        void this.execute(inst, jobs);
      }
    }
    if (this.drainWaiters.length > 0 && this.queue.length === 0 && this.running === 0) {
      for (const resolve of this.drainWaiters.splice(0)) resolve();
    }
  }

  /**
   * Runs queued batches on the HTTP thread while the version's inline session takes them: up to
   * its `maxRows` rows, batching on (a model without a batch dimension stays in the workers), and
   * the head request small enough. Whatever it does not take goes to the workers below.
   */
  private pumpInline(): void {
    const inline = this.inline;
    if (!inline || inline.maxRows === 0 || !this.settings.dynamicBatching || !this.batchable) return;
    while (inline.active && this.queue.length > 0) {
      const head = this.queue[0];
      if (head.rows > inline.maxRows || !inline.accepts(head.inputs)) return;
      const jobs = this.take(inline.maxRows);
      if (!jobs) return;
      runInlineBatch(inline, jobs, this.stats);
    }
  }

  private async execute(inst: Instance, jobs: Job[]): Promise<void> {
    inst.running += 1;
    this.running += jobs.length;
    const started = nowNs();
    for (const j of jobs) {
      if (j.timer) clearTimeout(j.timer);
      this.stats.add('queue', Number(started - j.enqueued));
    }
    try {
      const rows = jobs.map((j) => j.rows);
      const joined = jobs.length === 1 ? jobs[0].inputs : concatBatch(jobs.map((j) => j.inputs)).inputs;
      const wire = joined.map(toWire);
      const sent = nowNs();
      const result = await this.pool.run(inst.worker, inst.key, wire, this.outputNames);
      const received = nowNs();
      const outputs = result.outputs.map(fromWire);
      const parts = jobs.length === 1 ? [outputs] : splitBatch(outputs, rows);
      const done = nowNs();
      const total = rows.reduce((a, b) => a + b, 0);
      const inputNs = Number(sent - started);
      const outputNs = Number(done - received);
      this.countExecution(total, jobs.length, inputNs, result.computeNs, outputNs);
      jobs.forEach((j, i) => j.resolve({
        outputs: parts[i],
        batchSize: total,
        queueNs: Number(started - j.enqueued),
        computeNs: Number(done - started),
      }));
    } catch (err) {
      await this.fail(inst, jobs, err);
    } finally {
      inst.running -= 1;
      this.running -= jobs.length;
      this.pump();
    }
  }

  /** One execution in a worker of `rows` rows for `requests` requests, in the version's statistics. */
  private countExecution(rows: number, requests: number, inputNs: number, inferNs: number, outputNs: number): void {
    this.stats.execution(rows, inputNs, inferNs, outputNs);
    this.stats.add('compute_input', inputNs, requests);
    this.stats.add('compute_infer', inferNs, requests);
    this.stats.add('compute_output', outputNs, requests);
    this.stats.lastInference = Date.now();
  }

  /**
   * A joined batch that fails is retried one request at a time, so one bad request fails alone.
   * The known-good check runs at most once per failed execution, and only on this error path.
   */
  private async fail(inst: Instance, jobs: Job[], err: unknown): Promise<void> {
    if (err instanceof WorkerDiedError) {
      for (const j of jobs) j.reject(unavailable(`${err.message}. The worker has been replaced; retry the request.`));
      return;
    }
    let fault: Promise<ExecutionFault> | undefined;
    const faultOf = () => (fault ??= this.faultOn(inst));
    if (jobs.length > 1) {
      for (const j of jobs) {
        try {
          const started = nowNs();
          const wire = j.inputs.map(toWire);
          const sent = nowNs();
          const r = await this.pool.run(inst.worker, inst.key, wire, this.outputNames);
          const received = nowNs();
          const outputs = r.outputs.map(fromWire);
          const done = nowNs();
          // Each retry that answers is an execution of its own.
          this.countExecution(j.rows, 1, Number(sent - started), r.computeNs, Number(done - received));
          j.resolve({ outputs, batchSize: j.rows, queueNs: 0, computeNs: Number(done - started) });
        } catch (e) {
          await this.rejectOne(j, e, faultOf);
        }
      }
      return;
    }
    await this.rejectOne(jobs[0], err, faultOf);
  }

  private async rejectOne(job: Job, err: unknown, faultOf: () => Promise<ExecutionFault>): Promise<void> {
    if (err instanceof WorkerDiedError) {
      job.reject(unavailable(`${err.message}. The worker has been replaced; retry the request.`));
      return;
    }
    job.reject(new ExecutionError(await faultOf(), errorMessage(err)));
  }

  /** Runs the known-good input on the instance whose run just failed (see ExecutionFault). */
  private async faultOn(inst: Instance): Promise<ExecutionFault> {
    if (!this.knownGood) return 'unknown';
    try {
      await this.pool.run(inst.worker, inst.key, this.knownGood().map(toWire), this.outputNames);
      return 'input';
    } catch {
      return 'server';
    }
  }

  /** Resolves once nothing is queued or running: the version can be unloaded without failing anyone. */
  drain(): Promise<void> {
    if (this.queue.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => { this.drainWaiters.push(resolve); });
  }

  /** Fails everything still queued (the version is going away for good). */
  rejectQueued(message: string): void {
    for (const j of this.queue.splice(0)) {
      if (j.timer) clearTimeout(j.timer);
      j.reject(unavailable(message));
    }
    // Whoever waits in drain() is told, once the running work is done too.
    this.pump();
  }
}
