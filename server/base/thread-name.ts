// Names the calling thread for the operating system, so that `top -H`, `ps -L` and the bench's
// CPU tables tell Hearth's threads apart (Node calls them all "node"). Linux only; elsewhere, or
// where /proc is not writable, the thread keeps its name.
import { writeFileSync } from 'node:fs';

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
