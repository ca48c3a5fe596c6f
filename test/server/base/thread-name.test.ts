import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { idleThisThread, thisThreadPolicy } from '../../../server/base/thread-name.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

/** Linux's scheduling policies as /proc/…/stat gives them (field 41). */
const SCHED_OTHER = 0;
const SCHED_IDLE = 5;

/** This process's threads: name (as `top -H` and `ps -L` show it), nice value (field 19 of stat) and policy (field 41). */
function threads(): { name: string; nice: number; policy: number }[] {
  const out: { name: string; nice: number; policy: number }[] = [];
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push({ name: readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim(), nice: Number(fields[16]), policy: Number(fields[38]) });
    } catch {
      // ended between the listing and the read
    }
  }
  return out;
}
const threadNames = () => threads().map((t) => t.name);

describe('thread names', () => {
  let s: TestServer | undefined;
  afterEach(async () => { await s?.stop(); s = undefined; });

  it('names the inference workers and the usage-log thread, leaves the main thread its name, and runs the usage log at a lower priority', async () => {
    const main = readFileSync('/proc/self/comm', 'utf8').trim();
    expect(threadNames().filter((n) => n.startsWith('hearth-'))).toEqual([]);
    s = await startTestServer({ workers: 2 });
    const names = threadNames();
    expect(names).toEqual(expect.arrayContaining(['hearth-infer-0', 'hearth-infer-1', 'hearth-usage']));
    expect(readFileSync('/proc/self/comm', 'utf8').trim()).toBe(main);
    // The usage log's thread runs 10 nice levels below the rest (its records are already journaled).
    const own = threads().find((t) => t.name === main)!.nice;
    expect(threads().filter((t) => t.name === 'hearth-usage').map((t) => t.nice)).toEqual([Math.min(19, own + 10)]);
    expect(threads().filter((t) => t.name.startsWith('hearth-infer-')).every((t) => t.nice === own)).toBe(true);
    // Once it has committed what the journal held, it goes further, to SCHED_IDLE; the others stay.
    for (let i = 0; i < 100 && threads().find((t) => t.name === 'hearth-usage')?.policy !== SCHED_IDLE; i++) await new Promise((r) => setTimeout(r, 50));
    expect(threads().filter((t) => t.name === 'hearth-usage').map((t) => t.policy)).toEqual([SCHED_IDLE]);
    expect(threads().filter((t) => t.name !== 'hearth-usage').every((t) => t.policy === SCHED_OTHER)).toBe(true);
    await s.stop();
    s = undefined;
    // Stopped, the usage-log thread is gone. (onnxruntime keeps a process-wide thread, started by
    // the first worker to load it and named after it, beyond the workers' end.)
    expect(threadNames()).not.toContain('hearth-usage');
  });

  it('leaves a thread as it is when chrt cannot be run', () => {
    expect(thisThreadPolicy()).toBe(SCHED_OTHER);
    expect(idleThisThread('/nonexistent/chrt')).toBe(false);
    expect(thisThreadPolicy()).toBe(SCHED_OTHER);
  });
});
