// The limit: onnxruntime in-process, looping run() on a ready tensor, no HTTP, no decoding.
// Each session runs in a worker thread of this one process, as Hearth's do, so that several
// sessions can use several cores. Usage: node dist/bench/limit.js '<LimitRequest JSON>'
// Prints one line of JSON: LimitTrialResult[].
import { once } from 'node:events';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { sampleValues } from './bodies.js';
import { watchCpu, type RunCpu } from './cpu-watch.js';
import { latencySummary } from './stats.js';

export interface LimitConfig {
  batch: number;
  /** Sessions looping at once, one worker thread each. */
  sessions: number;
  /** onnxruntime intra-op threads per session. */
  threads: number;
}

export interface LimitRequest {
  model: string;
  input: string;
  /** The input's shape without the batch dimension. */
  rowShape: number[];
  configs: LimitConfig[];
  seconds: number;
}

export interface LimitTrialResult extends LimitConfig {
  rowsPerS: number;
  /** Latency of one run() of the whole batch. */
  p50Ms: number;
  p99Ms: number;
  /** This process's CPU over the timed loops, read by itself (its main thread only waits). */
  cpu?: RunCpu;
}

interface WorkerInit { model: string; input: string; rowShape: number[]; batch: number; threads: number }
interface WorkerDone { runs: number; elapsedS: number; latenciesMs: Float64Array }

async function workerMain(init: WorkerInit): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const session = await ort.InferenceSession.create(init.model, {
    intraOpNumThreads: init.threads, interOpNumThreads: 1, graphOptimizationLevel: 'all',
  });
  const shape = [init.batch, ...init.rowShape];
  const count = shape.reduce((a, b) => a * b, 1);
  const feeds = { [init.input]: new ort.Tensor('float32', sampleValues(count), shape) };
  for (let i = 0; i < 3; i++) await session.run(feeds);
  // Listening before 'ready' goes out, so the go message cannot be missed; a failed run rejects
  // workerMain (and fails the worker) instead of being dropped by an event listener.
  const go = once(port, 'message') as Promise<[number]>;
  port.postMessage('ready');
  const [seconds] = await go;
  const latencies: number[] = [];
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < end) {
    const t = now;
    await session.run(feeds);
    now = process.hrtime.bigint();
    latencies.push(Number(now - t) / 1e6);
  }
  const done: WorkerDone = { runs: latencies.length, elapsedS: Number(now - start) / 1e9, latenciesMs: Float64Array.from(latencies) };
  port.postMessage(done);
  await session.release();
}

async function trial(req: LimitRequest, config: LimitConfig): Promise<LimitTrialResult> {
  const workers = Array.from({ length: config.sessions }, () => new Worker(new URL(import.meta.url), {
    workerData: { model: req.model, input: req.input, rowShape: req.rowShape, batch: config.batch, threads: config.threads } satisfies WorkerInit,
  }));
  const next = (w: Worker) => new Promise<unknown>((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  await Promise.all(workers.map(next));
  // Sessions are created and warm by now: only the timed loops fall between the two readings.
  const cpu = watchCpu({ server: process.pid });
  const results = await Promise.all(workers.map((w) => { const p = next(w); w.postMessage(req.seconds); return p as Promise<WorkerDone>; }));
  const used = cpu();
  await Promise.all(workers.map((w) => w.terminate()));
  const elapsed = Math.max(...results.map((r) => r.elapsedS));
  const all = new Float64Array(results.reduce((n, r) => n + r.latenciesMs.length, 0));
  let offset = 0;
  for (const r of results) { all.set(r.latenciesMs, offset); offset += r.latenciesMs.length; }
  const { p50, p99 } = latencySummary(all);
  const rows = results.reduce((n, r) => n + r.runs, 0) * config.batch;
  return { ...config, rowsPerS: rows / elapsed, p50Ms: p50, p99Ms: p99, ...(used ? { cpu: used } : {}) };
}

if (isMainThread) {
  const req = JSON.parse(process.argv[2] ?? '{}') as LimitRequest;
  const out: LimitTrialResult[] = [];
  for (const config of req.configs) out.push(await trial(req, config));
  process.stdout.write(`${JSON.stringify(out)}\n`);
} else {
  await workerMain(workerData as WorkerInit);
}
