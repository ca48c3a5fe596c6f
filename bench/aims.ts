// The throughput issue's aims, judged from the measurements. A report, never an assertion: a
// shared two-core machine cannot make a timed claim reliable enough to fail a build on.
import type { MemoryResult } from './memory.js';
import type { RollbackResult } from './rollback.js';
import { fmtMs, fmtPercent, fmtRatio, fmtSpread } from './table.js';
import type { WorkloadResult } from './workloads.js';

export interface AimResult {
  aim: string;
  measured: string;
  /** null when the workload it needs was not run. */
  pass: boolean | null;
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

export function evaluateAims(m: Measured): AimResult[] {
  const aims = [
    ratioAim(m, 'classifier ≥ 85% of the limit', 'classifier', 'hearth', 'limit', 0.85),
    ratioAim(m, 'classifier ≥ 2× the naive server', 'classifier', 'hearth', 'naive', 2),
    ratioAim(m, 'MLP, binary tensors ≥ 4× the naive JSON server', 'mlp', 'hearth-binary', 'naive', 4),
    ratioAim(m, 'demo model at 64 connections ≥ the naive server', 'demo-64', 'hearth', 'naive', 1),
  ];
  const one = m.workloads.find((w) => w.name === 'demo-1')?.contenders.find((c) => c.id === 'hearth');
  aims.push(one && one.p99Ms.n > 0
    ? { aim: 'demo model at 1 connection: p99 < 1 ms', measured: `${fmtSpread(one.p99Ms, fmtMs)} ms`, pass: one.p99Ms.median < 1 }
    : { aim: 'demo model at 1 connection: p99 < 1 ms', measured: 'not run', pass: null });
  const mem = m.memory;
  const memAim = mem ? `resident memory flat (±10%) from ${mem.readings[0]?.requests.toLocaleString('en-US')} to ${mem.readings.at(-1)?.requests.toLocaleString('en-US')} requests` : 'resident memory flat (±10%) from 10k to 100k requests';
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
