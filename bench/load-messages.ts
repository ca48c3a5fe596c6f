/** What the bench asks of the load generator process: one autocannon run. */
export interface LoadSpec {
  url: string;
  method: 'POST' | 'GET';
  headers: Record<string, string>;
  body?: Uint8Array;
  connections: number;
  /** Seconds to run; ignored when `amount` is set. */
  seconds?: number;
  /** Stop after this many requests. */
  amount?: number;
}

export interface LoadResult {
  /** Responses with a 2xx status. */
  ok: number;
  /** Responses with another status, connection errors and timeouts. */
  failed: number;
  statusCodes: Record<string, number>;
  elapsedS: number;
  /** 2xx responses per second over the run. */
  rps: number;
  /** Latency of 2xx responses in milliseconds, microsecond resolution. */
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

export type LoadMessage = { id: number; spec: LoadSpec };
export type LoadReply = { id: number; result?: LoadResult; error?: string };
