export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
}

export interface Backoff {
  /** The delay before the next attempt; each call grows the following one. */
  next(): number;
  reset(): void;
}

/** Exponential backoff: initialMs, initialMs·factor, initialMs·factor², … never above maxMs. */
export function createBackoff({ initialMs = 500, maxMs = 30_000, factor = 2 }: BackoffOptions = {}): Backoff {
  if (!(initialMs > 0) || !(maxMs >= initialMs) || !(factor >= 1)) {
    throw new RangeError('backoff needs 0 < initialMs <= maxMs and factor >= 1');
  }
  let delay = initialMs;
  return {
    next() {
      const current = delay;
      delay = Math.min(maxMs, delay * factor);
      return current;
    },
    reset() {
      delay = initialMs;
    },
  };
}
