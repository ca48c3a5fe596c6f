import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-node';
import { toOrtType } from '../protocol/datatypes.js';
import type { Tensor } from '../protocol/tensor.js';
import type { ModelVersion } from '../registry/registry.js';
import { concatBatch } from '../protocol/batch.js';
import { ExecutionError, type ExecutionFault, type InferOutcome, type InlineRunner } from './outcome.js';
import type { VersionStats } from './stats.js';
import type { OrtTensorType, WireTensor } from './messages.js';
import { fromWire } from './wire.js';
import { errorMessage } from '../base/message.js';

/**
 * When a model runs on the HTTP thread instead of in a worker.
 *
 * Measured on the 2-core development machine: a round trip to an idle worker thread costs 30–50 µs
 * of wall time (postMessage, structured clone, two wake-ups), and the demo model's whole run() on
 * the HTTP thread takes 26–30 µs once warm (onnxruntime's own overhead: tensors, N-API, a promise).
 * With one request at a time, running it where the request already is saves the hop and both
 * wake-ups. Under load the workers win instead: they run on the other core and the batcher joins
 * requests into one run. So a request runs inline only when its version is idle (nothing queued
 * or running in the workers); as soon as requests overlap, they queue for the workers as before.
 * The event loop is blocked for at most about `maxRunUs` per inline request, far below what a
 * health probe notices. Figures: the closing note of the inference-path issue and `npm run bench`.
 *
 * The rule, applied when a version is loaded on the CPU:
 * - the model file is at most INLINE_MAX_FILE_BYTES;
 * - after INLINE_UNTIMED_RUNS warm-up runs on this thread, the median of INLINE_PROBE_RUNS more is
 *   at most `maxRunUs` (config `inlineMaxUs`, default 100; 0 turns inlining off);
 * - a request runs inline only while its version is idle and its inputs hold at most
 *   INLINE_MAX_ELEMENT_FACTOR times the elements of the warm-up request (batch 1);
 * - INLINE_DEMOTE_STREAK inline runs in a row slower than INLINE_DEMOTE_FACTOR times `maxRunUs`
 *   (2 ms at the default) turn inlining off for that version (one slow run is the scheduler or the
 *   garbage collector, not the model). Relative to the limit, not fixed: a run is timed by the wall
 *   clock, so on a loaded machine a preempted thread can read milliseconds, and a site that allows
 *   longer runs on the HTTP thread must not lose them to three such readings.
 *
 * Batches under load. When requests overlap, the scheduler joins them into batches as before; for
 * a version whose first dimension is a batch dimension, a batch of up to `maxRows` rows runs here
 * too instead of crossing to a worker. `maxRows` is measured at load: one run of
 * INLINE_BATCH_PROBE_ROWS rows gives the cost of a row, and `maxRows` is the most rows whose
 * predicted run stays within `maxRunUs`. Why: for a model this small, the crossing costs the HTTP
 * thread more than the run. Measured here (CPU profiles, demo model, 64 connections, batches of 21
 * to 26 rows): sending batches to a worker and taking the answers back cost the HTTP thread 10 µs
 * per request (postMessage with its structured clone, the reply, the wake-ups, which on two busy
 * cores preempt this thread); joining, running here and splitting cost 7.6 µs per request, and
 * the second core is left to other work. Larger runs keep going to the workers, where they
 * overlap with the HTTP work.
 */
export const INLINE_MAX_FILE_BYTES = 1024 * 1024;
export const INLINE_PROBE_RUNS = 32;
/** onnxruntime's first runs of a session on a thread take 2–40× longer; they are not timed. */
export const INLINE_UNTIMED_RUNS = 24;
export const INLINE_MAX_ELEMENT_FACTOR = 16;
export const INLINE_DEMOTE_FACTOR = 20;
/**
 * The probe must not block the HTTP thread for long on a model nowhere near the limit, yet a cold
 * run is slow (the demo model's first: 1.0–1.3 ms against 10–30 µs warm; 7.5 ms in a worker while
 * the server was starting, measured here), and one run on a busy machine can be preempted. So the
 * probe stops at the third run in a row past INLINE_SLOW_FACTOR times `maxRunUs` once four runs
 * have warmed the session, and at the second run past INLINE_ABORT_US. In a row, and the second:
 * on a loaded machine preempted runs are scattered through the probe (a thread can wait tens of
 * milliseconds for a core), while a slow model is slow every time. Measured here under a load
 * average of 12–17: with a single run past the abort limit deciding, the demo model stayed off the
 * HTTP thread at one start in three; with this rule, at none of six.
 */
export const INLINE_SLOW_FACTOR = 10;
export const INLINE_ABORT_US = 50_000;
export const INLINE_DEMOTE_STREAK = 3;
/** Rows of the batch probe (see "Batches under load" above). */
export const INLINE_BATCH_PROBE_ROWS = 64;
const INLINE_BATCH_PROBE_RUNS = 8;

/** onnxruntime-node's native session, synchronous (see nativeBinding). */
interface NativeSession {
  loadModel(path: string, options: ort.InferenceSession.SessionOptions): void;
  run(feeds: Record<string, ort.Tensor>, fetches: Record<string, null>, options: object): Record<string, ort.Tensor>;
  dispose(): void;
}
interface NativeBinding {
  binding: { InferenceSession: new () => NativeSession };
  initOrt(): void;
}

/**
 * The public `session.run()` defers every call with a setImmediate and validates its arguments in
 * JavaScript: 27 µs for the demo model against 10 µs for the native call it wraps (measured here),
 * and an extra turn of the event loop on every request. Inline runs are synchronous anyway, so
 * they call the native session of onnxruntime-node's own `dist/binding.js` directly. A release
 * that moves it only turns inlining off (null here), never serving.
 */
function nativeBinding(): NativeBinding | null {
  try {
    const native = createRequire(import.meta.url)('onnxruntime-node/dist/binding.js') as NativeBinding;
    if (typeof native.binding?.InferenceSession !== 'function' || typeof native.initOrt !== 'function') return null;
    native.initOrt();
    return native;
  } catch {
    return null;
  }
}

let native: NativeBinding | null | undefined;

const elementsOf = (inputs: readonly Tensor[]): number => {
  let n = 0;
  for (const t of inputs) n += Array.isArray(t.data) ? t.data.length : t.data.length;
  return n;
};

/** An onnxruntime session on the HTTP thread, for a model whose run() takes microseconds. */
export class InlineSession implements InlineRunner {
  private demoted = false;
  private slowStreak = 0;

  private readonly fetches: Record<string, null>;

  private constructor(
    private readonly session: NativeSession,
    private readonly outputNames: string[],
    private readonly maxElements: number,
    /** Median of the probe runs, in µs, for the version's state. */
    readonly probeUs: number,
    /** The warm-up request, which this session is known to run (see ExecutionFault). */
    private readonly knownGood: readonly Tensor[],
    /** Most rows of a joined batch that run here (0: single requests only). */
    readonly maxRows: number,
    /** A run slower than this, in µs, counts towards demotion. */
    private readonly demoteUs: number,
  ) {
    this.fetches = Object.fromEntries(outputNames.map((n) => [n, null]));
  }

  /**
   * Opens a session for `path` and times it on `warmup`; returns it if it meets the rule above,
   * else releases it and returns undefined.
   */
  static async open(path: string, outputNames: string[], warmup: Tensor[], maxRunUs: number, batchable = false): Promise<InlineSession | undefined> {
    native ??= nativeBinding();
    if (!native) return undefined;
    const session = new native.binding.InferenceSession();
    session.loadModel(path, { intraOpNumThreads: 1, interOpNumThreads: 1, executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
    const fetches = Object.fromEntries(outputNames.map((n) => [n, null]));
    try {
      const times: number[] = [];
      let slow = 0;
      let overLimit = 0;
      for (let i = 0; i < INLINE_UNTIMED_RUNS + INLINE_PROBE_RUNS; i++) {
        const us = timedRun(session, warmup, fetches);
        if (i >= INLINE_UNTIMED_RUNS) times.push(us);
        // Far too slow for the HTTP thread: stop blocking it now rather than after every probe run
        // (three such runs in a row, so that preempted runs on a busy machine do not decide it).
        slow = i >= 4 && us > INLINE_SLOW_FACTOR * maxRunUs ? slow + 1 : 0;
        if (us > INLINE_ABORT_US) overLimit += 1;
        if (overLimit >= 2 || slow >= 3) throw new Error('too slow to run inline');
      }
      times.sort((a, b) => a - b);
      const median = times[times.length >> 1];
      if (median <= maxRunUs) {
        const maxRows = batchable ? batchRows(session, fetches, warmup, median, maxRunUs) : 0;
        return new InlineSession(session, outputNames, elementsOf(warmup) * INLINE_MAX_ELEMENT_FACTOR, median, warmup, maxRows, INLINE_DEMOTE_FACTOR * maxRunUs);
      }
    } catch {
      // A model that rejects the zero warm-up input, or is far too slow, stays in the workers.
    }
    session.dispose();
    return undefined;
  }

  /** Whether this request may run inline (small enough, and the version not demoted). */
  accepts(inputs: readonly Tensor[]): boolean {
    return !this.demoted && elementsOf(inputs) <= this.maxElements;
  }

  get active(): boolean { return !this.demoted; }

  /** Runs the model on this thread, synchronously; throws onnxruntime's error for the caller to classify. */
  run(inputs: readonly Tensor[]): { outputs: Tensor[]; computeNs: number } {
    const started = process.hrtime.bigint();
    const result = this.session.run(feedsOf(inputs), this.fetches, {});
    const computeNs = Number(process.hrtime.bigint() - started);
    if (computeNs <= this.demoteUs * 1000) this.slowStreak = 0;
    else if (++this.slowStreak >= INLINE_DEMOTE_STREAK) this.demoted = true;
    const outputs: Tensor[] = [];
    for (const name of this.outputNames) {
      const t = result[name];
      outputs.push(fromWire({ name, type: t.type as OrtTensorType, dims: [...t.dims], data: t.data as WireTensor['data'] }));
    }
    return { outputs, computeNs };
  }

  /** Runs one request and counts it in the version's statistics as the scheduler counts its runs. */
  serve(inputs: Tensor[], stats: VersionStats): InferOutcome {
    const rows = inputs[0]?.shape[0] ?? 1;
    let result;
    try {
      result = this.run(inputs);
    } catch (err) {
      throw new ExecutionError(this.faultOfFailure(), errorMessage(err));
    }
    stats.add('queue', 0);
    stats.execution(rows, 0, result.computeNs, 0);
    stats.add('compute_infer', result.computeNs);
    stats.lastInference = Date.now();
    return { outputs: result.outputs, batchSize: rows, queueNs: 0, computeNs: result.computeNs };
  }

  /**
   * After a failed run: whose fault it was, by running the warm-up request this session is known
   * to run (see ExecutionFault). A session that fails it too leaves the HTTP thread for good; the
   * workers have their own. On the error path only.
   */
  faultOfFailure(): ExecutionFault {
    try {
      this.session.run(feedsOf(this.knownGood), this.fetches, {});
      return 'input';
    } catch {
      this.demoted = true;
      return 'server';
    }
  }

  release(): void {
    this.demoted = true;
    this.session.dispose();
  }
}

/** One run of `inputs`, in µs. */
function timedRun(session: NativeSession, inputs: readonly Tensor[], fetches: Record<string, null>): number {
  const started = process.hrtime.bigint();
  session.run(feedsOf(inputs), fetches, {});
  return Number(process.hrtime.bigint() - started) / 1000;
}

/**
 * The most rows of a joined batch whose predicted run stays within `maxRunUs`: a line through the
 * one-row median and the median of INLINE_BATCH_PROBE_RUNS runs of INLINE_BATCH_PROBE_ROWS rows.
 */
function batchRows(session: NativeSession, fetches: Record<string, null>, warmup: Tensor[], oneRowUs: number, maxRunUs: number): number {
  const rows = INLINE_BATCH_PROBE_ROWS;
  const batch = concatBatch(Array.from({ length: rows }, () => warmup)).inputs;
  const times: number[] = [];
  for (let i = 0; i < 2 + INLINE_BATCH_PROBE_RUNS; i++) {
    const us = timedRun(session, batch, fetches);
    if (i >= 2) times.push(us);
    if (us > INLINE_ABORT_US) return 0;
  }
  times.sort((a, b) => a - b);
  const perRow = Math.max(0, times[times.length >> 1] - oneRowUs) / (rows - 1);
  if (perRow === 0) return rows;
  return Math.max(0, Math.min(rows, 1 + Math.floor((maxRunUs - oneRowUs) / perRow)));
}

/** The inline session of a version that qualifies (CPU, small file, measured run under `maxUs`), else undefined. */
export async function openInline(v: ModelVersion, path: string, provider: string, warmup: Tensor[], maxUs: number, batchable = false): Promise<InlineSession | undefined> {
  if (maxUs <= 0 || provider !== 'cpu' || v.size > INLINE_MAX_FILE_BYTES) return undefined;
  try {
    return await InlineSession.open(path, v.signature.outputs.map((o) => o.name), warmup, maxUs, batchable);
  } catch {
    // The workers loaded it; anything the HTTP thread cannot do with it just keeps it there.
    return undefined;
  }
}

function feedsOf(inputs: readonly Tensor[]): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const t of inputs) {
    feeds[t.name] = new ort.Tensor(toOrtType(t.datatype) as OrtTensorType, t.data as ort.Tensor.DataType, t.shape);
  }
  return feeds;
}
