import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';

/** The names of this process's threads, as `top -H` and `ps -L` show them. */
function threadNames(): string[] {
  const names: string[] = [];
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      names.push(readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim());
    } catch {
      // ended between the listing and the read
    }
  }
  return names;
}

describe('thread names', () => {
  let s: TestServer | undefined;
  afterEach(async () => { await s?.stop(); s = undefined; });

  it('names the inference workers and the usage-log thread, and leaves the main thread its name', async () => {
    const main = readFileSync('/proc/self/comm', 'utf8').trim();
    expect(threadNames().filter((n) => n.startsWith('hearth-'))).toEqual([]);
    s = await startTestServer({ workers: 2 });
    const names = threadNames();
    expect(names).toEqual(expect.arrayContaining(['hearth-infer-0', 'hearth-infer-1', 'hearth-usage']));
    expect(readFileSync('/proc/self/comm', 'utf8').trim()).toBe(main);
    await s.stop();
    s = undefined;
    // Stopped, the usage-log thread is gone. (onnxruntime keeps a process-wide thread, started by
    // the first worker to load it and named after it, beyond the workers' end.)
    expect(threadNames()).not.toContain('hearth-usage');
  });
});
