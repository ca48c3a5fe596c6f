import type { ModelVersion } from '../registry/registry.js';
import { keyOf } from './version-key.js';

/** Triton's statistics shape: cumulative counts and nanoseconds. */
export interface Duration { count: number; ns: number }

export interface InferenceStats {
  success: Duration; fail: Duration; queue: Duration;
  compute_input: Duration; compute_infer: Duration; compute_output: Duration;
  cache_hit: Duration; cache_miss: Duration;
}

export interface BatchStats {
  batch_size: number;
  compute_input: Duration; compute_infer: Duration; compute_output: Duration;
}

const zero = (): Duration => ({ count: 0, ns: 0 });

/**
 * Counters for one model version, shaped as `GET /v2/models/{m}/versions/{v}/stats` reports them.
 *
 * The warm-up run after a load (models.ts: zero-filled inputs through the scheduler) is counted,
 * as Triton counts its own: 200 requests after a load read inference_count 201. In Triton's core
 * (triton-inference-server/core), src/backend_model_instance.cc `TritonModelInstance::WarmUp`
 * hands the warm-up requests to the backend's execute function like any batch; the backend
 * (onnxruntime_backend src/onnxruntime.cc, `ProcessRequests`) reports every request and batch it
 * ran; and src/infer_request.cc `InferenceRequest::ReportStatistics` drops only requests with
 * `collect_stats_` false (the sequence batcher's null requests; a warm-up request keeps the default
 * true), so src/infer_stats.cc adds it to inference_count, execution_count, success and
 * batch_stats, and moves last_inference. Where Hearth differs: Triton warms up only a model whose
 * config has `model_warmup`, each instance `count` times; Hearth warms every version once per load
 * and once more when a settings change swaps its instances. `success` and `fail` are counted by
 * the /infer route, so the warm-up is not in them. Runs that only measure or probe a session (the
 * inline probe runs and the known-good check after a failure, inline.ts and scheduler.ts) are not
 * counted, nor is the warm-up in the latency history the admin UI shows (recorded per /infer request).
 */
export class VersionStats {
  lastInference = 0;
  inferenceCount = 0;
  executionCount = 0;
  readonly inference: InferenceStats = {
    success: zero(), fail: zero(), queue: zero(), compute_input: zero(), compute_infer: zero(),
    compute_output: zero(), cache_hit: zero(), cache_miss: zero(),
  };
  private readonly batches = new Map<number, BatchStats>();

  add(key: keyof InferenceStats, ns: number, count = 1): void {
    const d = this.inference[key];
    d.count += count;
    d.ns += ns;
  }

  /** One execution of the model on a joined batch of `rows` rows. */
  execution(rows: number, inputNs: number, inferNs: number, outputNs: number): void {
    this.executionCount++;
    this.inferenceCount += rows;
    let b = this.batches.get(rows);
    if (!b) {
      b = { batch_size: rows, compute_input: zero(), compute_infer: zero(), compute_output: zero() };
      this.batches.set(rows, b);
    }
    b.compute_input.count++; b.compute_input.ns += inputNs;
    b.compute_infer.count++; b.compute_infer.ns += inferNs;
    b.compute_output.count++; b.compute_output.ns += outputNs;
  }

  batchStats(): BatchStats[] {
    return [...this.batches.values()].sort((a, b) => a.batch_size - b.batch_size);
  }
}

/** Every version's statistics, kept for the life of the process (a version reloaded counts on). */
export class StatsTable {
  private readonly byKey = new Map<string, VersionStats>();
  /** The registry hands out one row object per version until the row changes: no key to build per request. */
  private readonly byRow = new WeakMap<ModelVersion, VersionStats>();

  of(name: string, version: number): VersionStats {
    const k = keyOf(name, version);
    let s = this.byKey.get(k);
    if (!s) { s = new VersionStats(); this.byKey.set(k, s); }
    return s;
  }

  ofVersion(v: ModelVersion): VersionStats {
    let s = this.byRow.get(v);
    if (!s) { s = this.of(v.name, v.version); this.byRow.set(v, s); }
    return s;
  }
}
