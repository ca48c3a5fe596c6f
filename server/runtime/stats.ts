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

/** Counters for one model version, shaped as `GET /v2/models/{m}/versions/{v}/stats` reports them. */
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
