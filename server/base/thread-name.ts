// Names the calling thread for the operating system, so that `top -H`, `ps -L` and the bench's
// CPU tables tell Hearth's threads apart (Node calls them all "node"), and lowers a background
// thread's priority. Linux only; elsewhere, or where /proc is not writable, nothing changes.
import { writeFileSync } from 'node:fs';
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
