// CPU time from Linux /proc: a process's utime + stime as a whole and per thread, and the whole
// machine's busy and idle time. The bench reads these before and after a run, never during one,
// so that the accounting costs the measurement nothing. Pure parsing and diffing here; cpu-watch.ts
// turns two snapshots into the cores a run used.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * utime + stime (fields 14 and 15) of a /proc/PID/stat or /proc/PID/task/TID/stat line, in clock
 * ticks. The command name (field 2) is in parentheses and may hold spaces and parentheses itself,
 * so the fields are counted from after the last ')'.
 */
export function parseStatTicks(line: string): number {
  const close = line.lastIndexOf(')');
  if (close < 0) throw new Error(`not a /proc stat line: ${line.slice(0, 80)}`);
  // After the ')' the first field is field 3 (the state): utime is the 12th, stime the 13th.
  const fields = line.slice(close + 1).trim().split(/\s+/);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (fields.length < 13 || !Number.isInteger(utime) || !Number.isInteger(stime)) {
    throw new Error(`no utime and stime in the /proc stat line: ${line.slice(0, 80)}`);
  }
  return utime + stime;
}

/** The thread's name (field 2, between the first '(' and the last ')'), as `ps -L` shows it. */
export function parseStatName(line: string): string {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  return open >= 0 && close > open ? line.slice(open + 1, close) : '';
}

/**
 * Hearth's named threads (server/base/thread-name.ts), by the prefix of their names: onnxruntime's
 * threads take the name of the inference worker that started them.
 */
export const THREAD_ROLES = { inference: 'hearth-infer', usageLog: 'hearth-usage' } as const;

/** The machine's CPU time, all cores together, from the "cpu" line of /proc/stat, in clock ticks. */
export interface MachineTicks {
  /** idle + iowait. */
  idle: number;
  /** user, nice, system, idle, iowait, irq, softirq and steal (guest time is already in user and nice). */
  total: number;
}

export function parseMachineTicks(procStat: string): MachineTicks {
  const line = procStat.split('\n').find((l) => /^cpu\s/.test(l));
  if (!line) throw new Error('no "cpu" line in /proc/stat');
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (v.length < 4 || v.some((x) => !Number.isFinite(x))) throw new Error(`unreadable /proc/stat line: ${line}`);
  return { idle: v[3] + (v[4] ?? 0), total: v.reduce((a, b) => a + b, 0) };
}

/** One process at one moment: its own total (ended threads included) and each live thread's. */
export interface ProcessTicks {
  pid: number;
  total: number;
  /** Ticks by thread id; the main thread's id is the pid. */
  threads: ReadonlyMap<number, number>;
  /** Names by thread id, where read. */
  names?: ReadonlyMap<number, string>;
}

/** CPU seconds one process used between two snapshots. */
export interface ProcessCpu {
  /** The whole process, threads that ended in between included. */
  totalS: number;
  /** The main thread (for Hearth and the baselines, the one running the HTTP server). */
  mainS: number;
  /** Every other thread: workers, onnxruntime's, libuv's pool, V8's; total − main. */
  otherS: number;
  /** The most one other thread used, of those alive at the end. */
  busiestOtherS: number;
  /** Threads alive at the end named for Hearth's inference (THREAD_ROLES), and for its usage log. */
  inferenceS: number;
  usageLogS: number;
  /** Threads alive at the end. */
  threads: number;
  /** Threads in the second snapshot and not the first, and the reverse. */
  threadsStarted: number;
  threadsEnded: number;
}

/**
 * The difference of two snapshots of one process. A thread that started in between counts from
 * zero; one that ended is gone from the per-thread figures but still in the process's total, which
 * the kernel keeps for the threads it has reaped, so "other threads" is the total less the main one.
 */
export function diffProcessTicks(before: ProcessTicks, after: ProcessTicks, ticksPerS: number): ProcessCpu {
  if (before.pid !== after.pid) throw new Error(`snapshots of two processes (${before.pid}, ${after.pid})`);
  const mainTicks = Math.max(0, (after.threads.get(after.pid) ?? 0) - (before.threads.get(before.pid) ?? 0));
  const totalTicks = Math.max(0, after.total - before.total);
  let busiest = 0;
  let started = 0;
  const role = { inference: 0, usageLog: 0 };
  for (const [tid, ticks] of after.threads) {
    const was = before.threads.get(tid);
    if (was === undefined) started++;
    if (tid === after.pid) continue;
    const used = ticks - (was ?? 0);
    busiest = Math.max(busiest, used);
    const name = after.names?.get(tid) ?? '';
    if (name.startsWith(THREAD_ROLES.inference)) role.inference += used;
    else if (name.startsWith(THREAD_ROLES.usageLog)) role.usageLog += used;
  }
  let ended = 0;
  for (const tid of before.threads.keys()) if (!after.threads.has(tid)) ended++;
  return {
    totalS: totalTicks / ticksPerS,
    mainS: mainTicks / ticksPerS,
    // The threads' files and the process's are read a moment apart, a tick may fall between them:
    // the others never below zero, and no one thread above all of them.
    otherS: Math.max(0, totalTicks - mainTicks) / ticksPerS,
    busiestOtherS: Math.min(busiest, Math.max(0, totalTicks - mainTicks)) / ticksPerS,
    inferenceS: role.inference / ticksPerS,
    usageLogS: role.usageLog / ticksPerS,
    threads: after.threads.size,
    threadsStarted: started,
    threadsEnded: ended,
  };
}

/** The machine's idle share between two readings of /proc/stat, 0 to 1; NaN when no time passed. */
export function idleShare(before: MachineTicks, after: MachineTicks): number {
  const total = after.total - before.total;
  return total > 0 ? (after.idle - before.idle) / total : Number.NaN;
}

let ticksPerSecond: number | undefined;

/** The kernel's clock tick rate (`getconf CLK_TCK`), asked once; 100 if that fails. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    let n = Number.NaN;
    try {
      n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    } catch {
      // no getconf: the usual rate
    }
    ticksPerSecond = Number.isFinite(n) && n > 0 ? n : 100;
  }
  return ticksPerSecond;
}

/** A snapshot of one process from /proc/PID/task/ and /proc/PID/stat; throws if the process is gone. */
export function readProcessTicks(pid: number): ProcessTicks {
  const threads = new Map<number, number>();
  const names = new Map<number, string>();
  for (const name of readdirSync(`/proc/${pid}/task`)) {
    try {
      const line = readFileSync(`/proc/${pid}/task/${name}/stat`, 'utf8');
      threads.set(Number(name), parseStatTicks(line));
      names.set(Number(name), parseStatName(line));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  // Read after the threads, so the total is never behind them.
  return { pid, total: parseStatTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')), threads, names };
}

export function readMachineTicks(): MachineTicks {
  return parseMachineTicks(readFileSync('/proc/stat', 'utf8'));
}
