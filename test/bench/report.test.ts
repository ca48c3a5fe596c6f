import { describe, expect, it } from 'vitest';
import { summarizeCpu, type RunCpu } from '../../bench/cpu-watch.js';
import type { ContenderResult } from '../../bench/measure.js';
import { renderCpu } from '../../bench/report.js';
import type { WorkloadResult } from '../../bench/workloads.js';

const run = (server: number, load?: number, named = 0): RunCpu => ({
  wallS: 3, machineIdle: 0.1, machineBusyCores: 1.8,
  server: {
    cores: server, mainCores: server / 2, otherCores: server / 2, busiestOtherCores: server / 4, inferenceCores: named, usageLogCores: named / 2, threads: 12,
  },
  ...(load === undefined ? {} : { loadCores: load }),
});

describe('renderCpu', () => {
  const contender = (id: string, label: string, rounds: RunCpu[], rps = 1): ContenderResult => ({
    id, label, rounds: rounds.map((cpu) => ({ rps, p50Ms: 1, p99Ms: 1, failed: 0, cpu })),
    rps: { median: rps, min: rps, max: rps, n: 1 }, p50Ms: { median: 1, min: 1, max: 1, n: 1 }, p99Ms: { median: 1, min: 1, max: 1, n: 1 },
    failed: 0, cpu: summarizeCpu(rounds),
  });
  const workload = (contenders: ContenderResult[]): WorkloadResult => ({ name: 'w', title: 't', connections: 1, contenders, ratios: [], notes: [] });

  it('prints a row per contender: server (main / others), load generator, idle and the rest', () => {
    const lines = renderCpu(workload([contender('limit', 'limit', [run(1.8)]), contender('hearth', 'Hearth', [run(1.2, 0.5)])])).split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[3]).toMatch(/^ {2}limit\s+1\.80 \(0\.90 \/ 0\.90\)\s+—\s+10%\s+0\.00$/);
    expect(lines[4]).toMatch(/^ {2}Hearth\s+1\.20 \(0\.60 \/ 0\.60\)\s+0\.50\s+10%\s+0\.10$/);
  });

  it('then the CPU per request in µs, with Hearth\'s named threads apart from the other threads', () => {
    // 10,000 req/s: 1.20 cores is 120 µs a request, of which HTTP 60, inference 30, usage log 15, the rest 15.
    const text = renderCpu(workload([contender('naive', 'naive', [run(1.0, 0.4)], 10_000), contender('hearth', 'Hearth', [run(1.2, 0.5, 0.3)], 10_000)]));
    const lines = text.split('\n');
    expect(lines[5]).toMatch(/^CPU per request in µs/);
    expect(lines[8]).toMatch(/^ {2}naive\s+100\s+50\s+—\s+—\s+50\s+40$/);
    expect(lines[9]).toMatch(/^ {2}Hearth\s+120\s+60\s+30\s+15\s+15\s+50$/);
  });

  it('prints nothing when no run had CPU figures', () => {
    expect(renderCpu(workload([contender('x', 'x', [])]))).toBe('');
  });
});
