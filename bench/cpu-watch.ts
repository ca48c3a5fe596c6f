// Where the CPU went during one run: the server under test, split into its main thread and the
// rest, the load generator, and the whole machine. /proc is read once before the run and once
// after, never during it. Figures are in cores: CPU seconds over wall seconds, so 2.00 is both
// cores of a two-core machine busy for the whole run.
import {
  clockTicksPerSecond, diffProcessTicks, idleShare, readMachineTicks, readProcessTicks, type MachineTicks, type ProcessTicks,
} from './cpu.js';
import { median } from './stats.js';

export interface ServerCpu {
  /** The whole process. */
  cores: number;
  /** Its main thread: Hearth's HTTP thread (and the naive server's everything but onnxruntime's runs). */
  mainCores: number;
  /** Every other thread: inference workers, the usage-log thread, onnxruntime's, libuv's pool, V8's. */
  otherCores: number;
  /** The busiest single other thread; near 1.00 means one thread was the bottleneck. */
  busiestOtherCores: number;
  /** Of the others, Hearth's inference workers (with onnxruntime's threads) and its usage-log thread, by name; 0 for the baselines. */
  inferenceCores: number;
  usageLogCores: number;
  threads: number;
}

export interface RunCpu {
  wallS: number;
  /** The process serving (or, for the limit, running onnxruntime); absent when the bench did not start it. */
  server?: ServerCpu;
  /** The load generator process; absent when it had no part in the run (the limit). */
  loadCores?: number;
  /** The machine's idle + iowait share of all its CPU time over the run, 0 to 1. */
  machineIdle: number;
  /** The machine's busy time in cores: the server, the load generator and everything else running. */
  machineBusyCores: number;
}

export interface CpuSnapshot {
  machine: MachineTicks;
  server?: ProcessTicks;
  load?: ProcessTicks;
}

/** The cores a run used, from snapshots taken before and after it, wallS apart. */
export function runCpuOf(before: CpuSnapshot, after: CpuSnapshot, wallS: number, ticksPerS: number): RunCpu {
  const cores = (seconds: number) => (wallS > 0 ? seconds / wallS : Number.NaN);
  const out: RunCpu = {
    wallS,
    machineIdle: idleShare(before.machine, after.machine),
    machineBusyCores: cores(((after.machine.total - after.machine.idle) - (before.machine.total - before.machine.idle)) / ticksPerS),
  };
  if (before.server && after.server) {
    const d = diffProcessTicks(before.server, after.server, ticksPerS);
    out.server = {
      cores: cores(d.totalS), mainCores: cores(d.mainS), otherCores: cores(d.otherS), busiestOtherCores: cores(d.busiestOtherS),
      inferenceCores: cores(d.inferenceS), usageLogCores: cores(d.usageLogS), threads: d.threads,
    };
  }
  if (before.load && after.load) out.loadCores = cores(diffProcessTicks(before.load, after.load, ticksPerS).totalS);
  return out;
}

export interface CpuPids {
  server?: number;
  load?: number;
}

function snapshot(pids: CpuPids): CpuSnapshot {
  return {
    machine: readMachineTicks(),
    ...(pids.server !== undefined ? { server: readProcessTicks(pids.server) } : {}),
    ...(pids.load !== undefined ? { load: readProcessTicks(pids.load) } : {}),
  };
}

/**
 * Takes the "before" snapshot now and returns the function that takes the "after" one and gives
 * the run's figures. Without /proc (not Linux), or if a process is gone by the end, the run simply
 * has no CPU figures: the accounting never fails a measurement.
 */
export function watchCpu(pids: CpuPids): () => RunCpu | undefined {
  let before: CpuSnapshot;
  let ticksPerS: number;
  try {
    ticksPerS = clockTicksPerSecond();
    before = snapshot(pids);
  } catch {
    return () => undefined;
  }
  const started = process.hrtime.bigint();
  return () => {
    const wallS = Number(process.hrtime.bigint() - started) / 1e9;
    try {
      return runCpuOf(before, snapshot(pids), wallS, ticksPerS);
    } catch {
      return undefined;
    }
  };
}

/** Medians over rounds, each figure on its own (so main + other need not add up to the whole exactly); undefined where no round had it. */
export interface CpuSummary {
  rounds: number;
  serverCores?: number;
  serverMainCores?: number;
  serverOtherCores?: number;
  serverBusiestOtherCores?: number;
  serverInferenceCores?: number;
  serverUsageLogCores?: number;
  loadCores?: number;
  machineIdle: number;
  machineBusyCores: number;
}

export function summarizeCpu(runs: readonly (RunCpu | undefined)[]): CpuSummary | undefined {
  const present = runs.filter((r): r is RunCpu => r !== undefined);
  if (present.length === 0) return undefined;
  const med = (pick: (r: RunCpu) => number | undefined) => {
    const m = median(present.map(pick).filter((v): v is number => v !== undefined));
    return Number.isNaN(m) ? undefined : m;
  };
  return {
    rounds: present.length,
    serverCores: med((r) => r.server?.cores),
    serverMainCores: med((r) => r.server?.mainCores),
    serverOtherCores: med((r) => r.server?.otherCores),
    serverBusiestOtherCores: med((r) => r.server?.busiestOtherCores),
    serverInferenceCores: med((r) => r.server?.inferenceCores),
    serverUsageLogCores: med((r) => r.server?.usageLogCores),
    loadCores: med((r) => r.loadCores),
    machineIdle: med((r) => r.machineIdle) ?? Number.NaN,
    machineBusyCores: med((r) => r.machineBusyCores) ?? Number.NaN,
  };
}
