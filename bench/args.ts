import { parseArgs } from 'node:util';

export const WORKLOADS = ['classifier', 'mlp', 'small', 'demo', 'rollback', 'memory'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

export interface BenchOptions {
  quick: boolean;
  only: WorkloadName[];
  rounds: number;
  /** Seconds of load per measurement. */
  seconds: number;
  /** Seconds of unrecorded load before a contender's first measurement in a workload. */
  warmupSeconds: number;
  /** Seconds per setting tried for Hearth, and per configuration when finding the limit. */
  trialSeconds: number;
  /** Request counts at which Hearth's resident memory is read. */
  memoryCheckpoints: number[];
  /** Alias switches while the rollback is measured. */
  switches: number;
  help: boolean;
}

export const USAGE = `Usage: npm run bench -- [--quick] [--only <workload>[,<workload>…]] [--rounds N] [--seconds S]

Starts Hearth and the baselines as child processes, loads each from a separate load generator
process and prints a table; the JSON goes to bench/results/<timestamp>.json.

  --quick            one round of 3 s runs (a check that it works, not a measurement)
  --only <names>     run only these: ${WORKLOADS.join(', ')} (repeatable or comma-separated)
  --rounds N         rounds of interleaved runs (default 3)
  --seconds S        seconds per run (default 5)
  -h, --help         this text`;

export class UsageError extends Error {}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a positive number, got "${text}".`);
  return n;
}

/** Reads the command line (arguments after the script); throws UsageError with a message a person can act on. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        quick: { type: 'boolean', default: false },
        only: { type: 'string', multiple: true },
        rounds: { type: 'string' },
        seconds: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const v = parsed.values;
  const only: WorkloadName[] = [];
  for (const name of (v.only ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)) {
    if (!(WORKLOADS as readonly string[]).includes(name)) {
      throw new UsageError(`--only: unknown workload "${name}"; choose from ${WORKLOADS.join(', ')}.`);
    }
    if (!only.includes(name as WorkloadName)) only.push(name as WorkloadName);
  }
  const quick = v.quick === true;
  const rounds = positive('--rounds', v.rounds, quick ? 1 : 3);
  if (!Number.isInteger(rounds)) throw new UsageError(`--rounds must be a whole number, got "${v.rounds}".`);
  return {
    quick,
    only: only.length > 0 ? only : [...WORKLOADS],
    rounds,
    seconds: positive('--seconds', v.seconds, quick ? 3 : 5),
    // Every contender is loaded this long before the rounds: measured servers at their steady state, as
    // a site runs them. Hearth's HTTP path needs ~100-150k requests at 64 connections to get there
    // (HTTP-thread µs per request 60-97 in its first 3 s, ~50 after; the naive server is flat).
    warmupSeconds: quick ? 1 : 8,
    trialSeconds: quick ? 1.5 : 3,
    memoryCheckpoints: quick ? [5_000, 20_000] : [100_000, 250_000, 500_000, 1_000_000],
    switches: quick ? 4 : 8,
    help: v.help === true,
  };
}
