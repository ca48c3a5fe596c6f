import type { Tensor } from '../protocol/tensor.js';
import type { ModelVersion } from '../registry/registry.js';
import type { InferOptions, LoadedVersion } from './loaded-version.js';
import type { InferOutcome } from './outcome.js';
import type { VersionStats } from './stats.js';

/** A loaded version that has its scheduler (READY). */
export type ReadyVersion = LoadedVersion & { scheduler: NonNullable<LoadedVersion['scheduler']> };

/**
 * Hands one request to a READY version: run at once on the HTTP thread when it is alone and the
 * version qualifies (see inline.ts), else queued for its scheduler. Answers through `resolve` or
 * `reject`, synchronously for a run on this thread; neither may throw (a scheduler answers a whole
 * batch in one loop).
 */
export function dispatch(
  entry: ReadyVersion,
  v: ModelVersion,
  inputs: Tensor[],
  opts: InferOptions,
  stats: VersionStats,
  resolve: (o: InferOutcome) => void,
  reject: (e: Error) => void,
): void {
  const inline = entry.inline;
  // A request alone runs inline at once (unless told to wait for company); others queue (scheduler.ts).
  if (opts.alone === true && inline !== undefined && entry.scheduler.idle &&
    (v.settings.maxQueueDelayUs === 0 || !v.settings.dynamicBatching) && inline.accepts(inputs)) {
    let outcome: InferOutcome;
    try {
      outcome = inline.serve(inputs, stats);
    } catch (err) {
      reject(err as Error);
      return;
    }
    resolve(outcome);
    return;
  }
  entry.scheduler.enqueue(inputs, opts.timeoutUs, resolve, reject);
}
