import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { IDLE_CHECK_MS, IdleWatch } from '../../../server/usage/idle-watch.js';

// A thread that sleeps (as the log thread does on another writer's lock, or waiting for work) is
// not starved, however long records wait: replacing it would not commit them sooner.
const SLEEPER = `
const { parentPort } = require('node:worker_threads');
const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').at(-1));
parentPort.postMessage(tid);
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5000);
`;

describe('IdleWatch', () => {
  let worker: Worker | undefined;
  afterEach(async () => { await worker?.terminate(); worker = undefined; });

  it('does not call a sleeping thread starved, however long records wait', async () => {
    worker = new Worker(SLEEPER, { eval: true });
    const [tid] = (await once(worker, 'message')) as [number];
    const watch = new IdleWatch(100);
    watch.written(5);
    const thread = { tid, runQueueWaitNs: undefined };
    const verdicts: boolean[] = [];
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, IDLE_CHECK_MS));
      verdicts.push(watch.starved(thread, true));
    }
    // Records have waited ~1 s, ten times the patience; the thread spent it asleep.
    expect(verdicts.every((v) => !v)).toBe(true);
    expect(thread.runQueueWaitNs).toBeTypeOf('number');
  });

  it('has nothing to say while every record written is committed', () => {
    const watch = new IdleWatch(0);
    watch.written(5);
    watch.committed(5);
    expect(watch.starved({ tid: null, runQueueWaitNs: undefined }, true)).toBe(false);
  });
});
