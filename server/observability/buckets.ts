/**
 * A fixed log-spaced latency histogram: upper bounds 10 µs × 1.25^i up to just past 60 s, then one
 * overflow bucket. Stored rows hold bucket indexes, so these bounds must never change; a change
 * needs a new table.
 */
const FIRST_BOUND_S = 10e-6;
const GROWTH = 1.25;
const LAST_BOUND_S = 60;

export const BOUNDS_S: readonly number[] = (() => {
  const bounds: number[] = [];
  for (let b = FIRST_BOUND_S; ; b *= GROWTH) {
    bounds.push(b);
    if (b >= LAST_BOUND_S) break;
  }
  return bounds;
})();

/** Bounds plus the overflow bucket. */
export const BUCKET_COUNT = BOUNDS_S.length + 1;

/** The bucket a latency falls in: the first whose upper bound is at least the value. */
export function bucketIndex(seconds: number): number {
  if (!(seconds > FIRST_BOUND_S)) return 0;
  // The logarithm lands within one bucket of the answer; the bounds array settles float rounding.
  let i = Math.min(BOUNDS_S.length, Math.max(0, Math.ceil(Math.log(seconds / FIRST_BOUND_S) / Math.log(GROWTH))));
  while (i > 0 && seconds <= BOUNDS_S[i - 1]) i--;
  while (i < BOUNDS_S.length && seconds > BOUNDS_S[i]) i++;
  return i;
}

/** Bucket counts, dense; the shape stored rows are merged into. */
export class LatencyHistogram {
  readonly counts: number[] = new Array<number>(BUCKET_COUNT).fill(0);
  total = 0;
  sumSeconds = 0;

  observe(seconds: number): void {
    this.counts[bucketIndex(seconds)]++;
    this.total++;
    this.sumSeconds += seconds;
  }

  merge(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKET_COUNT; i++) this.counts[i] += other.counts[i];
    this.total += other.total;
    this.sumSeconds += other.sumSeconds;
  }

  /**
   * The q-quantile in seconds, interpolated linearly inside its bucket (so within one bucket's
   * width, 25%, of the true value); null when empty. The overflow bucket answers its lower bound.
   */
  quantile(q: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.max(q * this.total, Number.MIN_VALUE);
    let below = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      const c = this.counts[i];
      if (c > 0 && below + c >= rank) {
        if (i === BOUNDS_S.length) return BOUNDS_S[i - 1];
        const lower = i === 0 ? 0 : BOUNDS_S[i - 1];
        return lower + (BOUNDS_S[i] - lower) * ((rank - below) / c);
      }
      below += c;
    }
    return BOUNDS_S[BOUNDS_S.length - 1];
  }

  /** Sparse `[index, count]` pairs, the stored form. */
  toSparse(): [number, number][] {
    const out: [number, number][] = [];
    this.counts.forEach((c, i) => { if (c > 0) out.push([i, c]); });
    return out;
  }

  static fromSparse(pairs: unknown, sumSeconds = 0): LatencyHistogram {
    const h = new LatencyHistogram();
    if (!Array.isArray(pairs)) return h;
    for (const pair of pairs) {
      if (!Array.isArray(pair)) continue;
      const [i, c] = pair as unknown[];
      if (typeof i !== 'number' || typeof c !== 'number' || !Number.isInteger(i) || i < 0 || i >= BUCKET_COUNT) continue;
      h.counts[i] += c;
      h.total += c;
    }
    h.sumSeconds = sumSeconds;
    return h;
  }
}
