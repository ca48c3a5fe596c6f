import { describe, expect, it } from 'vitest';
import { parseBenchArgs, UsageError, WORKLOADS } from '../../bench/args.js';
import { limitConfigs } from '../../bench/limit-client.js';
import { parseVmRss } from '../../bench/processes.js';

describe('parseBenchArgs', () => {
  it('defaults to every workload, 3 rounds of 5 s runs', () => {
    const o = parseBenchArgs([]);
    expect(o.only).toEqual([...WORKLOADS]);
    expect(o.rounds).toBe(3);
    expect(o.seconds).toBe(5);
    expect(o.quick).toBe(false);
    expect(o.memoryCheckpoints).toEqual([100_000, 250_000, 500_000, 1_000_000]);
  });

  it('makes --quick one round of 3 s runs', () => {
    const o = parseBenchArgs(['--quick']);
    expect(o.rounds).toBe(1);
    expect(o.seconds).toBe(3);
  });

  it('takes --only repeated or comma-separated, without duplicates', () => {
    expect(parseBenchArgs(['--only', 'mlp,demo', '--only', 'mlp']).only).toEqual(['mlp', 'demo']);
    expect(parseBenchArgs(['--only=classifier', '--rounds', '2', '--seconds', '1.5'])).toMatchObject({ only: ['classifier'], rounds: 2, seconds: 1.5 });
  });

  it('refuses what it does not know, naming it', () => {
    expect(() => parseBenchArgs(['--only', 'gpu'])).toThrow(new UsageError('--only: unknown workload "gpu"; choose from classifier, mlp, small, demo, rollback, memory.'));
    expect(() => parseBenchArgs(['--rounds', '0'])).toThrow(/--rounds must be a positive number/);
    expect(() => parseBenchArgs(['--rounds', '1.5'])).toThrow(/whole number/);
    expect(() => parseBenchArgs(['--fast'])).toThrow(UsageError);
  });
});

describe('limitConfigs', () => {
  it('never batches more rows than the connections keep in flight', () => {
    const configs = limitConfigs(32, 2);
    expect(configs.filter((c) => c.sessions === 1 && c.threads === 1).map((c) => c.batch)).toEqual([1, 4, 8, 16, 32]);
    expect(configs.filter((c) => c.sessions === 1 && c.threads === 2).map((c) => c.batch)).toEqual([1, 4, 8, 16, 32]);
    expect(configs.filter((c) => c.sessions === 2).map((c) => c.batch)).toEqual([1, 4, 8, 16]);
    expect(limitConfigs(1, 1)).toEqual([{ batch: 1, sessions: 1, threads: 1 }]);
  });
});

describe('parseVmRss', () => {
  it('reads the resident set from /proc/<pid>/status in bytes', () => {
    expect(parseVmRss('Name:\tnode\nVmPeak:\t 999 kB\nVmRSS:\t  123456 kB\nThreads:\t11\n')).toBe(123456 * 1024);
    expect(() => parseVmRss('Name:\tnode\n')).toThrow(/VmRSS/);
  });
});
