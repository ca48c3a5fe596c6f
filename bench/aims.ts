// The throughput issue's aims, judged from the measurements. A report, never an assertion: a
// shared two-core machine cannot make a timed claim reliable enough to fail a build on.
import type { MemoryResult } from './memory.js';
import type { RollbackResult } from './rollback.js';
import { roundRatios, spread } from './stats.js';
import { fmtPercent, fmtRatio, fmtSpread } from './table.js';
import type { WorkloadResult } from './workloads.js';

export interface AimResult {
  aim: string;
  measured: string;
  /** null when the workload it needs was not run. */
  pass: boolean | null;
  /**
   * What the same run says no server could exceed on this machine, in the aim's terms, when it
   * measured one (see ceilingOf and cpuCeilingOf); shown beside the figure.
   */
  ceiling?: string;
}

export interface Measured {
  workloads: readonly WorkloadResult[];
  rollback?: RollbackResult;
  memory?: MemoryResult;
}

function ratioAim(m: Measured, aim: string, workload: string, numerator: string, denominator: string, atLeast: number): AimResult {
  const r = m.workloads.find((w) => w.name === workload)?.ratios.find((x) => x.numerator === numerator && x.denominator === denominator);
  if (!r || r.spread.n === 0) return { aim, measured: 'not run', pass: null };
  return { aim, measured: fmtSpread(r.spread, fmtRatio), pass: r.spread.median >= atLeast };
}

/** A per-contender figure of one workload against the same figure of another contender, per round. */
function latencyAim(m: Measured, aim: string, workload: string, field: 'p50Ms' | 'p99Ms', atMost: number): AimResult {
  const w = m.workloads.find((x) => x.name === workload);
  const hearth = w?.contenders.find((c) => c.id === 'hearth');
  const naive = w?.contenders.find((c) => c.id === 'naive');
  if (!hearth || !naive || hearth.rounds.length === 0) return { aim, measured: 'not run', pass: null };
  const perRound = roundRatios(hearth.rounds.map((r) => r[field]), naive.rounds.map((r) => r[field]));
  const s = spread(perRound);
  return {
    aim,
    measured: `${fmtSpread(s, fmtRatio)} (${fmtUs(hearth[field].median)} vs ${fmtUs(naive[field].median)} µs)`,
    pass: s.median <= atMost,
  };
}

const fmtUs = (ms: number) => Math.round(ms * 1000).toLocaleString('en-US');

/**
 * The HTTP floor (a route that receives the same body and answers a constant) against the aim's
 * baseline, per round: a server that does the work cannot be faster than one that does none.
 */
function ceilingOf(m: Measured, workload: string, denominator: string): string | undefined {
  const w = m.workloads.find((x) => x.name === workload);
  const floor = w?.contenders.find((c) => c.id === 'floor');
  const base = w?.contenders.find((c) => c.id === denominator);
  if (!floor || !base || floor.rounds.length === 0) return undefined;
  return `HTTP floor ${fmtRatio(spread(roundRatios(floor.rounds.map((r) => r.rps), base.rounds.map((r) => r.rps))).median)}`;
}

/**
 * The most requests a second any server could answer here: each costs at least the CPU the limit
 * spends per row plus what the HTTP floor and the load generator spend per request on the same
 * body, and the machine has `cores`. A workload without a limit (a model whose run is small next
 * to receiving the request: the small MLP) counts no inference at all, so its bound is looser than
 * the true one. With `usageLogOf`, also the CPU that contender's usage-log thread spent per request
 * (Hearth's named thread): the bound for a server that keeps Hearth's usage record of every
 * request. Undefined without the CPU figures it needs.
 */
export function cpuBoundRate(w: WorkloadResult | undefined, cores: number, usageLogOf?: string): number | undefined {
  const limit = w?.contenders.find((c) => c.id === 'limit');
  const floor = w?.contenders.find((c) => c.id === 'floor');
  const limitCores = limit === undefined ? 0 : limit.cpu?.serverCores;
  const floorCores = floor?.cpu?.serverCores;
  const loadCores = floor?.cpu?.loadCores;
  if (!floor || limitCores === undefined || floorCores === undefined || loadCores === undefined) return undefined;
  let perRequest = (limit ? limitCores / limit.rps.median : 0) + (floorCores + loadCores) / floor.rps.median;
  if (usageLogOf !== undefined) {
    const c = w?.contenders.find((x) => x.id === usageLogOf);
    const logCores = c?.cpu?.serverUsageLogCores;
    if (!c || logCores === undefined || !(logCores > 0)) return undefined;
    perRequest += logCores / c.rps.median;
  }
  return cores / perRequest;
}

/** For a model whose inference takes most of the machine (the classifier): cpuBoundRate over the limit's rate. */
export function cpuCeilingOf(w: WorkloadResult | undefined, cores: number, usageLogOf?: string): number | undefined {
  const rate = cpuBoundRate(w, cores, usageLogOf);
  const limit = w?.contenders.find((c) => c.id === 'limit');
  return rate === undefined || !limit ? undefined : rate / limit.rps.median;
}

/** cpuBoundRate against a baseline's rate, without and with Hearth's usage log, for the ceiling column. */
function cpuBoundAgainst(w: WorkloadResult | undefined, cores: number, baseline: string, hearth: string): string | undefined {
  const base = w?.contenders.find((c) => c.id === baseline)?.rps.median;
  const bare = cpuBoundRate(w, cores);
  if (base === undefined || !(base > 0) || bare === undefined) return undefined;
  const logged = cpuBoundRate(w, cores, hearth);
  return `CPU bound ${fmtRatio(bare / base)}${logged === undefined ? '' : `, ${fmtRatio(logged / base)} with the usage log`}`;
}

export function evaluateAims(m: Measured, cores = 2): AimResult[] {
  const withCeiling = (aim: AimResult, ceiling: string | undefined): AimResult => (ceiling === undefined ? aim : { ...aim, ceiling });
  const both = (...parts: (string | undefined)[]) => (parts.some((x) => x !== undefined) ? parts.filter((x) => x !== undefined).join('; ') : undefined);
  const classifier = m.workloads.find((w) => w.name === 'classifier');
  const clsCeiling = cpuCeilingOf(classifier, cores);
  const clsLogged = cpuCeilingOf(classifier, cores, 'hearth');
  const clsCeilingText = clsCeiling === undefined ? undefined
    : `CPU bound ${fmtRatio(clsCeiling)}${clsLogged === undefined ? '' : `, ${fmtRatio(clsLogged)} with the usage log`}`;
  const aims = [
    latencyAim(m, 'demo model, 1 connection: p50 ≤ 1.25× the naive server', 'demo-1', 'p50Ms', 1.25),
    latencyAim(m, 'demo model, 1 connection: p99 ≤ 1.5× the naive server', 'demo-1', 'p99Ms', 1.5),
    ratioAim(m, 'demo model, 1 connection: req/s ≥ 0.8× the naive server', 'demo-1', 'hearth', 'naive', 0.8),
    withCeiling(ratioAim(m, 'small MLP, JSON, 64 connections ≥ 1.2× the naive server', 'small', 'hearth', 'naive', 1.2),
      both(ceilingOf(m, 'small', 'naive'), cpuBoundAgainst(m.workloads.find((w) => w.name === 'small'), cores, 'naive', 'hearth'))),
    withCeiling(ratioAim(m, 'MLP, binary tensors ≥ 4× the naive JSON server', 'mlp', 'hearth-binary', 'naive', 4),
      both(ceilingOf(m, 'mlp', 'naive'), cpuBoundAgainst(m.workloads.find((w) => w.name === 'mlp'), cores, 'naive', 'hearth-binary'))),
    withCeiling(ratioAim(m, 'classifier ≥ 85% of the limit', 'classifier', 'hearth', 'limit', 0.85), clsCeilingText),
    ratioAim(m, 'usage log on / off ≥ 0.9 at 1 connection', 'demo-1', 'hearth', 'hearth-nolog', 0.9),
    ratioAim(m, 'usage log on / off ≥ 0.9 at 64 connections', 'demo-64', 'hearth', 'hearth-nolog', 0.9),
    withCeiling(ratioAim(m, 'demo model at 64 connections ≥ the naive server', 'demo-64', 'hearth', 'naive', 1), ceilingOf(m, 'demo-64', 'naive')),
  ];
  const mem = m.memory;
  const memAim = mem ? `resident memory flat (±10%) from ${mem.readings[0]?.requests.toLocaleString('en-US')} to ${mem.readings.at(-1)?.requests.toLocaleString('en-US')} requests` : 'resident memory flat (±10%) from 100k to 1M requests';
  aims.push(mem && Number.isFinite(mem.growth)
    ? { aim: memAim, measured: fmtPercent(mem.growth), pass: Math.abs(mem.growth) <= 0.1 }
    : { aim: memAim, measured: 'not run', pass: null });
  const rb = m.rollback;
  const stale = rb ? rb.switches.reduce((n, s) => n + s.staleAfterAck, 0) : 0;
  aims.push(rb
    ? { aim: 'no failed or stale request during rollbacks', measured: `${rb.failed} failed, ${stale} stale of ${rb.requests.toLocaleString('en-US')}`, pass: rb.failed === 0 && stale === 0 }
    : { aim: 'no failed or stale request during rollbacks', measured: 'not run', pass: null });
  const failed = m.workloads.flatMap((w) => w.contenders).reduce((n, c) => n + c.failed, 0);
  aims.push(m.workloads.length > 0
    ? { aim: 'every measured request answered 2xx', measured: `${failed} failed`, pass: failed === 0 }
    : { aim: 'every measured request answered 2xx', measured: 'not run', pass: null });
  return aims;
}
