// Names the calling thread for the operating system, so that `top -H`, `ps -L` and the bench's
// CPU tables tell Hearth's threads apart (Node calls them all "node"), and lowers a background
// thread's priority. Linux only; elsewhere, or where /proc is not writable, nothing changes.
import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** Linux keeps 15 bytes of a thread's name. */
export const THREAD_NAME_MAX = 15;

/**
 * Names the thread this runs on: call it from the thread itself (a worker's first lines). Threads
 * it starts later (onnxruntime's intra-op pool) inherit the name, so their CPU counts with it.
 */
export function nameThisThread(name: string): boolean {
  if (process.platform !== 'linux') return false;
  try {
    writeFileSync('/proc/thread-self/comm', name.slice(0, THREAD_NAME_MAX));
    return true;
  } catch {
    return false;
  }
}

/**
 * Lowers the calling thread's scheduling priority by `by` nice levels from where it stands (a server
 * started with `nice` keeps the difference), at most to 19. Linux only, where a priority belongs to
 * a thread; on macOS and Windows it would lower the whole process, so there it does nothing. Raising
 * a nice value needs no privilege. Returns the thread's nice value, or undefined where unchanged.
 */
export function lowerThisThreadPriority(by: number): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const nice = Math.min(19, getPriority(0) + by);
    setPriority(0, nice);
    return nice;
  } catch {
    return undefined;
  }
}

/** The scheduling policy Linux reports in /proc/…/stat for SCHED_IDLE. */
const SCHED_IDLE = 5;

/** The calling thread's scheduling policy (field 41 of /proc/thread-self/stat), or undefined where unreadable. */
export function thisThreadPolicy(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: state is field 3.
    const policy = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[41 - 3]);
    return Number.isInteger(policy) ? policy : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Moves the calling thread to SCHED_IDLE (Linux): it then runs only on a core nothing else wants.
 * Node has no call for it, so `chrt` (util-linux) does it for this thread's id; any user may move
 * its own thread there, but only a privileged one may move it back, so a thread that may have to
 * catch up at a higher priority is replaced instead (see the usage log's thread). Returns whether the
 * thread is now SCHED_IDLE; false where chrt is missing or refused, and the thread is left as it was.
 */
export function idleThisThread(chrt = 'chrt'): boolean {
  if (process.platform !== 'linux') return false;
  const tid = thisThreadId();
  if (tid === undefined) return false;
  try {
    execFileSync(chrt, ['--idle', '--pid', '0', String(tid)], { stdio: 'ignore', timeout: 5000 });
  } catch {
    return false;
  }
  return thisThreadPolicy() === SCHED_IDLE;
}

/** The calling thread's id as Linux numbers it (the TID of /proc/PID/task/TID), or undefined. */
export function thisThreadId(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    return Number.isSafeInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Nanoseconds thread `tid` of this process has spent runnable but waiting for a core, in all
 * (the second field of /proc/self/task/TID/schedstat), or undefined where Linux does not say.
 */
export function threadRunQueueWaitNs(tid: number): number | undefined {
  try {
    const wait = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[1]);
    return Number.isFinite(wait) ? wait : undefined;
  } catch {
    return undefined;
  }
}
