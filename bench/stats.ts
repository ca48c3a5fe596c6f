/** Median, min and max of repeated measurements: the machine drifts, so one figure alone misleads. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** Median of the values (mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 === 1 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
}

export function spread(values: readonly number[]): Spread {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 };
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite), n: finite.length };
}

/**
 * The p-th percentile (0-100) by nearest rank of values already sorted ascending; NaN for none.
 * Nearest rank, so p99 of 100 samples is the 99th value, never a blend with the slowest.
 */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** p50 and p99 of unsorted samples (sorted in place). */
export function latencySummary(samples: Float64Array): { p50: number; p99: number; mean: number } {
  samples.sort();
  let sum = 0;
  for (const v of samples) sum += v;
  return {
    p50: percentileSorted(samples, 50),
    p99: percentileSorted(samples, 99),
    mean: samples.length === 0 ? Number.NaN : sum / samples.length,
  };
}

/**
 * Ratios numerator[i] / denominator[i] of measurements taken in the same round, so that a
 * drift of the machine between rounds cancels out. Rounds missing either side are skipped.
 */
export function roundRatios(numerator: readonly number[], denominator: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(numerator.length, denominator.length); i++) {
    const a = numerator[i];
    const b = denominator[i];
    if (Number.isFinite(a) && Number.isFinite(b) && b > 0) out.push(a / b);
  }
  return out;
}

/** Collects samples into a growing Float64Array, cheaper than a plain array at 100k values. */
export class SampleBuffer {
  private data = new Float64Array(4096);
  private size = 0;

  push(value: number): void {
    if (this.size === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.size++] = value;
  }

  get length(): number { return this.size; }

  /** A copy of the samples so far. */
  values(): Float64Array { return this.data.slice(0, this.size); }
}
