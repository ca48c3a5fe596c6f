// Interleaved, repeated measurements: every round runs each contender once (A, B, C, A, B, C…),
// so a minute when the shared machine is slow hurts all of them alike, and ratios are taken
// within a round.
import type { HttpRequestSpec } from './bodies.js';
import { summarizeCpu, watchCpu, type CpuSummary, type RunCpu } from './cpu-watch.js';
import type { LoadGenerator } from './load-client.js';
import { runLimit, type LimitConfig } from './limit-client.js';
import type { LimitRequest } from './limit.js';
import { roundRatios, spread, type Spread } from './stats.js';

export interface Measurement {
  /** Requests (or, for the limit, rows) per second. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
  /** Where the CPU went during the run (Linux; see cpu-watch.ts). */
  cpu?: RunCpu;
}

export interface Contender {
  id: string;
  label: string;
  measure(seconds: number): Promise<Measurement>;
}

export interface ContenderResult {
  id: string;
  label: string;
  rounds: Measurement[];
  rps: Spread;
  p50Ms: Spread;
  p99Ms: Spread;
  failed: number;
  /** Medians over rounds of each round's CPU figures. */
  cpu?: CpuSummary;
}

export interface RatioSpec {
  label: string;
  numerator: string;
  denominator: string;
}

export interface RatioResult extends RatioSpec {
  perRound: number[];
  spread: Spread;
}

/** A server loaded over HTTP by the load generator; serverPid, the server's process, for its CPU figures. */
export function httpContender(load: LoadGenerator, { id, label, url, request, connections, serverPid }: {
  id: string; label: string; url: string; request: HttpRequestSpec; connections: number; serverPid?: number;
}): Contender {
  return {
    id, label,
    measure: async (seconds) => {
      const cpu = watchCpu({ server: serverPid, load: load.pid });
      const r = await load.run({ url, method: 'POST', headers: request.headers, body: request.body, connections, seconds });
      return { rps: r.rps, p50Ms: r.p50Ms, p99Ms: r.p99Ms, failed: r.failed, cpu: cpu() };
    },
  };
}

export function limitContender(req: Omit<LimitRequest, 'configs' | 'seconds'>, config: LimitConfig, label = 'limit: onnxruntime in-process'): Contender {
  return {
    id: 'limit', label,
    measure: async (seconds) => {
      const [r] = await runLimit({ ...req, configs: [config], seconds });
      // The limit's process reads its own CPU around its timed loop; the load generator is idle.
      return { rps: r.rowsPerS, p50Ms: r.p50Ms, p99Ms: r.p99Ms, failed: 0, cpu: r.cpu };
    },
  };
}

export function summarize(id: string, label: string, rounds: Measurement[]): ContenderResult {
  return {
    id, label, rounds,
    rps: spread(rounds.map((m) => m.rps)),
    p50Ms: spread(rounds.map((m) => m.p50Ms)),
    p99Ms: spread(rounds.map((m) => m.p99Ms)),
    failed: rounds.reduce((n, m) => n + m.failed, 0),
    cpu: summarizeCpu(rounds.map((m) => m.cpu)),
  };
}

export async function measureRounds(contenders: readonly Contender[], { rounds, seconds, warmupSeconds, log = () => undefined }: {
  rounds: number; seconds: number; warmupSeconds: number; log?: (line: string) => void;
}): Promise<ContenderResult[]> {
  for (const c of contenders) {
    if (warmupSeconds > 0) await c.measure(warmupSeconds);
  }
  const results = new Map<string, Measurement[]>(contenders.map((c) => [c.id, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const c of contenders) {
      const m = await c.measure(seconds);
      results.get(c.id)?.push(m);
      log(`  round ${round}/${rounds}  ${c.label.padEnd(38)} ${m.rps.toFixed(0).padStart(7)} /s  p50 ${m.p50Ms.toFixed(2)} ms  p99 ${m.p99Ms.toFixed(2)} ms${m.failed ? `  FAILED ${m.failed}` : ''}`);
    }
  }
  return contenders.map((c) => summarize(c.id, c.label, results.get(c.id) ?? []));
}

/** Ratios of req/s between contenders, each computed within a round. */
export function ratiosOf(results: readonly ContenderResult[], specs: readonly RatioSpec[]): RatioResult[] {
  const rpsOf = (id: string) => results.find((r) => r.id === id)?.rounds.map((m) => m.rps) ?? [];
  return specs.map((s) => {
    const perRound = roundRatios(rpsOf(s.numerator), rpsOf(s.denominator));
    return { ...s, perRound, spread: spread(perRound) };
  });
}
