import { describe, expect, it } from 'vitest';
import { runCpuOf, summarizeCpu, type CpuSnapshot, type RunCpu } from '../../bench/cpu-watch.js';

const before: CpuSnapshot = {
  machine: { idle: 1000, total: 10_000 },
  server: { pid: 10, total: 500, threads: new Map([[10, 300], [11, 200]]) },
  load: { pid: 20, total: 100, threads: new Map([[20, 100]]) },
};

// 2 s on two cores at 100 ticks/s: 400 ticks of machine time, 40 of them idle.
const after: CpuSnapshot = {
  machine: { idle: 1040, total: 10_400 },
  server: { pid: 10, total: 740, threads: new Map([[10, 470], [11, 250], [12, 20]]) },
  load: { pid: 20, total: 200, threads: new Map([[20, 200]]) },
};

describe('runCpuOf', () => {
  it('turns two snapshots into cores over the wall time', () => {
    expect(runCpuOf(before, after, 2, 100)).toEqual({
      wallS: 2,
      machineIdle: 0.1,
      machineBusyCores: 1.8,
      server: { cores: 1.2, mainCores: 0.85, otherCores: 0.35, busiestOtherCores: 0.25, inferenceCores: 0, usageLogCores: 0, threads: 3 },
      loadCores: 0.5,
    });
  });

  it('leaves out a process it has no snapshot of', () => {
    const r = runCpuOf({ machine: before.machine }, { machine: after.machine }, 2, 100);
    expect(r.server).toBeUndefined();
    expect(r.loadCores).toBeUndefined();
  });
});

const run = (server: number, load?: number, idle = 0.1): RunCpu => ({
  wallS: 3, machineIdle: idle, machineBusyCores: 1.8,
  server: {
    cores: server, mainCores: server / 2, otherCores: server / 2, busiestOtherCores: server / 4, inferenceCores: server / 4, usageLogCores: server / 8, threads: 12,
  },
  ...(load === undefined ? {} : { loadCores: load }),
});

describe('summarizeCpu', () => {
  it('takes each figure\'s median over the rounds that have it', () => {
    const s = summarizeCpu([run(1.2, 0.6, 0.05), undefined, run(1.6, 0.4, 0.15), run(1.0, 0.5, 0.1)]);
    expect(s).toMatchObject({
      rounds: 3, serverCores: 1.2, serverMainCores: 0.6, serverInferenceCores: 0.3, serverUsageLogCores: 0.15, loadCores: 0.5, machineIdle: 0.1, machineBusyCores: 1.8,
    });
  });

  it('has no load generator figure when no round had one, and no summary without rounds', () => {
    expect(summarizeCpu([run(2)])?.loadCores).toBeUndefined();
    expect(summarizeCpu([undefined])).toBeUndefined();
  });
});
