import { describe, expect, it } from 'vitest';
import { cpuBoundRate, cpuCeilingOf, evaluateAims } from '../../bench/aims.js';
import { summarize, ratiosOf } from '../../bench/measure.js';
import { growthOf, peakGrowthOf } from '../../bench/memory.js';
import { analyzeSwitches, type Probe, type Switch } from '../../bench/rollback.js';
import type { WorkloadResult } from '../../bench/workloads.js';

const m = (rps: number, p99Ms = 1) => ({ rps, p50Ms: p99Ms / 2, p99Ms, failed: 0 });

describe('ratiosOf', () => {
  it('divides within each round, so a slow round does not skew the ratio', () => {
    const results = [summarize('hearth', 'Hearth', [m(2000), m(1000), m(2200)]), summarize('naive', 'naive', [m(1000), m(500), m(1000)])];
    const [r] = ratiosOf(results, [{ label: 'Hearth / naive', numerator: 'hearth', denominator: 'naive' }]);
    expect(r.perRound).toEqual([2, 2, 2.2]);
    expect(r.spread).toEqual({ median: 2, min: 2, max: 2.2, n: 3 });
  });
});

describe('evaluateAims', () => {
  const workload = (name: string, contenders: WorkloadResult['contenders']): WorkloadResult => ({
    name, title: name, connections: 1, contenders, notes: [],
    ratios: ratiosOf(contenders, [
      { label: 'a', numerator: 'hearth', denominator: 'limit' },
      { label: 'b', numerator: 'hearth', denominator: 'naive' },
      { label: 'c', numerator: 'hearth-binary', denominator: 'naive' },
    ]),
  });

  it('passes and misses against the issue\'s thresholds, and marks what did not run', () => {
    const aims = evaluateAims({
      workloads: [
        workload('classifier', [summarize('limit', 'l', [m(1000)]), summarize('hearth', 'h', [m(900)]), summarize('naive', 'n', [m(500)])]),
        workload('demo-1', [summarize('hearth', 'h', [m(100, 0.8), m(100, 1.4), m(100, 0.9)]), summarize('naive', 'n', [m(110, 0.6), m(110, 0.7), m(110, 0.7)])]),
      ],
      memory: { connections: 64, failed: 0, growth: 0.12, readings: [{ requests: 10_000, rssBytes: 100 }, { requests: 100_000, rssBytes: 112 }] },
    });
    const byAim = Object.fromEntries(aims.map((a) => [a.aim, a.pass]));
    expect(byAim['classifier ≥ 85% of the limit']).toBe(true);
    expect(byAim['MLP, binary tensors ≥ 4× the naive JSON server']).toBeNull();
    // p50 ratios per round: 0.4/0.3, 0.7/0.35, 0.45/0.35 → median 1.29 > 1.25; p99: 1.33, 2, 1.29 → median 1.33 ≤ 1.5.
    expect(byAim['demo model, 1 connection: p50 ≤ 1.25× the naive server']).toBe(false);
    expect(byAim['demo model, 1 connection: p99 ≤ 1.5× the naive server']).toBe(true);
    expect(byAim['demo model, 1 connection: req/s ≥ 0.8× the naive server']).toBe(true);
    expect(byAim['small MLP, JSON, 64 connections ≥ 1.2× the naive server']).toBeNull();
    expect(byAim['resident memory flat (±10%) from 10,000 to 100,000 requests']).toBe(false);
    expect(byAim['usage log on / off ≥ 0.9 at 1 connection']).toBeNull();
    expect(byAim['no failed or stale request during rollbacks']).toBeNull();
    expect(byAim['every measured request answered 2xx']).toBe(true);
    expect(aims.find((a) => a.aim.startsWith('classifier ≥ 85%'))?.measured).toBe('0.90×');
  });
});

describe('ceilings', () => {
  const withCpu = (rps: number, serverCores: number, loadCores?: number, usageLogCores = 0) => ({
    ...m(rps),
    cpu: {
      wallS: 5, machineIdle: 0, machineBusyCores: 2, ...(loadCores === undefined ? {} : { loadCores }),
      server: { cores: serverCores, mainCores: 0, otherCores: serverCores, busiestOtherCores: 0, inferenceCores: 0, usageLogCores, threads: 3 },
    },
  });
  const workload = (name: string, contenders: WorkloadResult['contenders']): WorkloadResult => ({ name, title: name, connections: 32, contenders, notes: [], ratios: [] });

  it('bounds the classifier by the CPU the limit spends per row plus what receiving a request costs', () => {
    // Limit: 1,000 rows/s on 2 cores, so 2 ms of CPU a row. Floor: 5,000 req/s for 0.5 + 0.5 cores,
    // so 0.2 ms a request. Two cores then serve at most 2 / 2.2 ms = 909 req/s: 0.909 of the limit.
    const w = workload('classifier', [summarize('limit', 'l', [withCpu(1000, 2)]), summarize('floor', 'f', [withCpu(5000, 0.5, 0.5)])]);
    expect(cpuCeilingOf(w, 2)).toBeCloseTo(2 / 0.0022 / 1000, 10);
    // Without the load generator's figure there is no bound to give.
    expect(cpuCeilingOf(workload('classifier', [summarize('limit', 'l', [withCpu(1000, 2)]), summarize('floor', 'f', [withCpu(5000, 0.5)])]), 2)).toBeUndefined();
  });

  it('adds the CPU a contender\'s usage-log thread spent per request, when asked and measured', () => {
    // As above, plus Hearth's usage log: 0.2 cores at 1,000 req/s is 0.2 ms a request; 2 / 2.4 ms = 833 req/s.
    const w = workload('mlp', [
      summarize('limit', 'l', [withCpu(1000, 2)]), summarize('floor', 'f', [withCpu(5000, 0.5, 0.5)]),
      summarize('hearth-binary', 'h', [withCpu(1000, 1.5, 0.3, 0.2)]), summarize('naive', 'n', [withCpu(200, 1, 0.2)]),
    ]);
    expect(cpuBoundRate(w, 2)).toBeCloseTo(2 / 0.0022, 6);
    expect(cpuBoundRate(w, 2, 'hearth-binary')).toBeCloseTo(2 / 0.0024, 6);
    // The naive server has no usage-log thread: no bound with it.
    expect(cpuBoundRate(w, 2, 'naive')).toBeUndefined();
    const aims = evaluateAims({ workloads: [w] }, 2);
    expect(aims.find((a) => a.aim.startsWith('MLP, binary'))?.ceiling).toBe('HTTP floor 25.00×; CPU bound 4.55×, 4.17× with the usage log');
  });

  it('bounds a workload without a limit by the HTTP floor, the load generator and the usage log alone', () => {
    // Small MLP: no limit contender, so no inference is counted. Floor: 0.2 ms a request (as above);
    // Hearth's usage log 0.2 cores at 2,000 req/s is 0.1 ms. Naive: 1,000 req/s.
    const w = workload('small', [
      summarize('floor', 'f', [withCpu(5000, 0.5, 0.5)]), summarize('hearth', 'h', [withCpu(2000, 1.5, 0.3, 0.2)]),
      summarize('naive', 'n', [withCpu(1000, 1, 0.3)]),
    ]);
    expect(cpuBoundRate(w, 2)).toBeCloseTo(2 / 0.0002, 6);
    expect(cpuBoundRate(w, 2, 'hearth')).toBeCloseTo(2 / 0.0003, 6);
    const aims = evaluateAims({ workloads: [w] }, 2);
    expect(aims.find((a) => a.aim.startsWith('small MLP'))?.ceiling).toBe('HTTP floor 5.00×; CPU bound 10.00×, 6.67× with the usage log');
    // A limit that was run but has no CPU figures gives no bound (rather than one without inference).
    expect(cpuBoundRate(workload('small', [summarize('limit', 'l', [m(1000)]), summarize('floor', 'f', [withCpu(5000, 0.5, 0.5)])]), 2)).toBeUndefined();
  });

  it('shows the HTTP floor against the baseline of an aim, per round, and the classifier\'s bound', () => {
    const aims = evaluateAims({
      workloads: [
        workload('mlp', [summarize('hearth-binary', 'h', [m(300), m(320)]), summarize('naive', 'n', [m(100), m(100)]), summarize('floor', 'f', [m(350), m(330)])]),
        workload('classifier', [summarize('limit', 'l', [withCpu(1000, 2)]), summarize('hearth', 'h', [m(800)]), summarize('floor', 'f', [withCpu(5000, 0.5, 0.5)])]),
      ],
    }, 2);
    expect(aims.find((a) => a.aim.startsWith('MLP, binary'))?.ceiling).toBe('HTTP floor 3.40×');
    expect(aims.find((a) => a.aim.startsWith('classifier'))?.ceiling).toBe('CPU bound 0.91×');
    expect(aims.find((a) => a.aim.startsWith('small MLP'))?.ceiling).toBeUndefined();
  });
});

describe('growthOf', () => {
  it('compares the last reading with the first', () => {
    expect(growthOf([{ requests: 1, rssBytes: 200 }, { requests: 2, rssBytes: 150 }, { requests: 3, rssBytes: 210 }])).toBeCloseTo(0.05, 10);
    expect(growthOf([{ requests: 1, rssBytes: 200 }])).toBeNaN();
  });

  it('also finds the highest reading, which a collection before the last one can hide', () => {
    expect(peakGrowthOf([{ requests: 1, rssBytes: 200 }, { requests: 2, rssBytes: 250 }, { requests: 3, rssBytes: 210 }])).toBeCloseTo(0.25, 10);
  });
});

describe('analyzeSwitches', () => {
  it('times each switch until a response carries its version, and counts stale answers after the ack', () => {
    const switches: Switch[] = [
      { action: 'rollback', toVersion: 1, t0: 100, t1: 103 },
      { action: 'promote', toVersion: 2, t0: 200, t1: 201 },
    ];
    const probes: Probe[] = [
      { start: 95, end: 101, ok: true, version: '2' },
      { start: 101, end: 102.5, ok: true, version: '1' },
      { start: 102.5, end: 104, ok: true, version: '1' },
      { start: 104, end: 105, ok: true, version: '2' },
      { start: 150, end: 151, ok: false },
      { start: 199, end: 202, ok: true, version: '2' },
      { start: 202, end: 203, ok: true, version: '2' },
    ];
    expect(analyzeSwitches(switches, probes)).toEqual([
      { action: 'rollback', toVersion: 1, adminMs: 3, visibleMs: 2.5, staleAfterAck: 1 },
      { action: 'promote', toVersion: 2, adminMs: 1, visibleMs: 2, staleAfterAck: 0 },
    ]);
  });

  it('reports null when no response showed the new version', () => {
    const [r] = analyzeSwitches([{ action: 'rollback', toVersion: 1, t0: 0, t1: 1 }], [{ start: 0, end: 5, ok: true, version: '2' }]);
    expect(r.visibleMs).toBeNull();
    expect(r.staleAfterAck).toBe(0);
  });
});
