import { HearthError } from '../base/errors.js';
import type { Tensor } from '../protocol/tensor.js';

// What a run of a version gives back or raises, and the request the scheduler queues: shared by
// the scheduler (runtime/scheduler.ts) and the HTTP-thread runs (runtime/inline.ts, inline-batch.ts).

/** A request that waited past its own timeout in the queue (metrics count it as a timeout, not a 503). */
export class QueueTimeoutError extends HearthError {}

/**
 * Whose fault a failed run is, decided by running the version's known-good input (the warm-up
 * request it ran at load) on the same session right after. 'input': that ran, so onnxruntime
 * refused the request's own values. 'server': it failed too, so the session is broken. 'unknown':
 * the version has no known-good input (its warm-up failed), so nothing tells the two apart.
 */
export type ExecutionFault = 'input' | 'server' | 'unknown';

/**
 * onnxruntime failed while running the model on a request that passed validation: a 400 with its
 * message, unless the server's own check input failed too (a 500: not the client's mistake).
 */
export class ExecutionError extends HearthError {
  constructor(readonly fault: ExecutionFault, reason: string) {
    super(fault === 'server' ? 'internal' : 'invalid', fault === 'server'
      ? `The model version failed on this request and on the server's own check input too, so the fault is the server's, not the request's: ${reason}. Retry later or call another version.`
      : `The model could not run on this input: ${reason}`);
  }
}

export interface InferOutcome {
  outputs: Tensor[];
  /** Rows in the execution this request was part of. */
  batchSize: number;
  queueNs: number;
  computeNs: number;
}

/**
 * A session on the HTTP thread for a model whose runs take microseconds (runtime/inline.ts): the
 * scheduler runs joined batches of up to `maxRows` rows on it instead of sending them to a worker.
 */
export interface InlineRunner {
  /** Most rows of a joined batch it runs; 0: none (single requests alone only, decided by the caller). */
  readonly maxRows: number;
  /** False once demoted: everything goes to the workers again. */
  readonly active: boolean;
  accepts(inputs: readonly Tensor[]): boolean;
  run(inputs: readonly Tensor[]): { outputs: Tensor[]; computeNs: number };
  /** After a failed run: whose fault it was (the session is demoted when it is the server's). */
  faultOfFailure(): ExecutionFault;
}

/** A request waiting in, or taken from, a version's queue. */
export interface Job {
  inputs: Tensor[];
  rows: number;
  shapeKey: string;
  enqueued: bigint;
  timer?: NodeJS.Timeout;
  resolve: (o: InferOutcome) => void;
  reject: (e: Error) => void;
}

