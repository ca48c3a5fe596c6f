import { concatBatch, splitBatch } from '../protocol/batch.js';
import type { Tensor } from '../protocol/tensor.js';
import { ExecutionError, type ExecutionFault, type InlineRunner, type Job } from './outcome.js';
import type { VersionStats } from './stats.js';
import { errorMessage } from '../base/message.js';

const nowNs = () => process.hrtime.bigint();

/**
 * Runs a joined batch on the HTTP thread (runtime/inline.ts says when) and answers each request
 * with its own rows.
 */
export function runInlineBatch(inline: InlineRunner, jobs: Job[], stats: VersionStats): void {
  const started = nowNs();
  for (const j of jobs) {
    if (j.timer) clearTimeout(j.timer);
    stats.add('queue', Number(started - j.enqueued));
  }
  const rows = jobs.map((j) => j.rows);
  let result: { outputs: Tensor[]; computeNs: number };
  try {
    const joined = jobs.length === 1 ? jobs[0].inputs : concatBatch(jobs.map((j) => j.inputs)).inputs;
    result = inline.run(joined);
  } catch (err) {
    failInline(inline, jobs, err, stats);
    return;
  }
  const parts = jobs.length === 1 ? [result.outputs] : splitBatch(result.outputs, rows);
  const done = nowNs();
  const total = rows.reduce((a, b) => a + b, 0);
  countInlineRun(stats, total, jobs.length, result.computeNs);
  jobs.forEach((j, i) => j.resolve({
    outputs: parts[i],
    batchSize: total,
    queueNs: Number(started - j.enqueued),
    computeNs: Number(done - started),
  }));
}

/**
 * One run on the HTTP thread of `rows` rows for `requests` requests, as a request run alone inline
 * is counted (InlineSession.serve): nothing crossed to a worker, so only the run is counted, and
 * compute_input's count still tells how many requests went to the workers.
 */
function countInlineRun(stats: VersionStats, rows: number, requests: number, computeNs: number): void {
  stats.execution(rows, 0, computeNs, 0);
  stats.add('compute_infer', computeNs, requests);
  stats.lastInference = Date.now();
}

/**
 * As the scheduler's fail() for the workers: each request of a failed batch is retried alone, so a
 * bad request fails alone, and whose fault it is is decided once, by the known-good input. A
 * session that fails that too leaves the HTTP thread; the workers have their own.
 */
function failInline(inline: InlineRunner, jobs: Job[], err: unknown, stats: VersionStats): void {
  let fault: ExecutionFault | undefined;
  const faultOf = (): ExecutionFault => (fault ??= inline.faultOfFailure());
  if (jobs.length === 1) {
    jobs[0].reject(new ExecutionError(faultOf(), errorMessage(err)));
    return;
  }
  for (const j of jobs) {
    try {
      const r = inline.run(j.inputs);
      // Each retry that answers is an execution of its own.
      countInlineRun(stats, j.rows, 1, r.computeNs);
      j.resolve({ outputs: r.outputs, batchSize: j.rows, queueNs: 0, computeNs: r.computeNs });
    } catch (e) {
      j.reject(new ExecutionError(faultOf(), errorMessage(e)));
    }
  }
}
