import { describe, expect, it } from 'vitest';
import type { ServerStatus } from '../../main/api.js';
import { createBackoff } from '../../main/backoff.js';
import { ImpostorError } from '../../main/identity.js';
import { createSupervisor, type SupervisorOptions } from '../../main/supervisor.js';
import { createClock, createHealth, createSpawner } from './fakes.js';

const HEALTH_URL = 'http://127.0.0.1:8600/v2/health/live';

function setup(overrides: Partial<SupervisorOptions> = {}) {
  const clock = createClock();
  const spawner = createSpawner();
  const health = createHealth();
  const statuses: ServerStatus[] = [];
  const supervisor = createSupervisor({
    spawn: () => spawner.spawn(),
    healthUrl: HEALTH_URL,
    fetch: health.fetch,
    now: clock.now,
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    healthyResetMs: 10_000,
    healthIntervalMs: 100,
    readyTimeoutMs: 600_000,
    stopTimeoutMs: 3_000,
    ...overrides,
  });
  supervisor.onStatus((status) => statuses.push(status));
  const spawnTimes: number[] = [];
  const spawn = spawner.spawn;
  spawner.spawn = () => {
    spawnTimes.push(clock.now());
    return spawn();
  };
  /** Crashes the current server and returns how long the supervisor waited to start the next. */
  const crashAndMeasure = async () => {
    const crashedAt = clock.now();
    const count = spawner.children.length;
    spawner.last().exit(1);
    await clock.advance(60_000);
    if (spawner.children.length !== count + 1) throw new Error('no restart within 60 s');
    return (spawnTimes.at(-1) ?? Number.NaN) - crashedAt;
  };
  return { clock, spawner, health, statuses, supervisor, spawnTimes, crashAndMeasure };
}

describe('createBackoff', () => {
  it('doubles from 500 ms and stops at 30 s', () => {
    const backoff = createBackoff();
    const delays = Array.from({ length: 9 }, () => backoff.next());
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('starts over after reset', () => {
    const backoff = createBackoff({ initialMs: 100, maxMs: 1000, factor: 3 });
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([100, 300, 900, 1000]);
    backoff.reset();
    expect(backoff.next()).toBe(100);
  });

  it('rejects settings that cannot make a sequence', () => {
    expect(() => createBackoff({ initialMs: 0 })).toThrow(RangeError);
    expect(() => createBackoff({ initialMs: 1000, maxMs: 10 })).toThrow(RangeError);
  });
});

describe('createSupervisor', () => {
  it('is "starting" until the liveness probe answers 200, then "running"', async () => {
    const { supervisor, health, clock, spawner } = setup();
    supervisor.start();
    expect(supervisor.status()).toMatchObject({ state: 'starting', pid: 4000, restarts: 0 });

    health.set(0); // not listening yet
    await clock.advance(350);
    expect(supervisor.status().state).toBe('starting');
    health.set(503);
    await clock.advance(100);
    expect(supervisor.status().state).toBe('starting');

    health.set(200);
    await clock.advance(100);
    expect(supervisor.status()).toMatchObject({ state: 'running', pid: 4000 });
    expect(health.calls.every((url) => url === HEALTH_URL)).toBe(true);

    // Once running it stops polling.
    const polls = health.calls.length;
    await clock.advance(5_000);
    expect(health.calls.length).toBe(polls);
    expect(spawner.children).toHaveLength(1);
  });

  it('restarts a crashing server after 500, 1000, 2000, … ms, capped at 30 s', async () => {
    const { supervisor, crashAndMeasure } = setup();
    supervisor.start();
    const delays: number[] = [];
    for (let i = 0; i < 9; i += 1) delays.push(await crashAndMeasure());
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(supervisor.status().restarts).toBe(9);
  });

  it('reports each crash and restart in its status events', async () => {
    const { supervisor, spawner, clock, health, statuses } = setup();
    health.set(200);
    supervisor.start();
    await clock.advance(0);
    spawner.last().exit(3);
    await clock.advance(0);
    const restarting = supervisor.status();
    expect(restarting).toMatchObject({ state: 'restarting', pid: null, restarts: 0 });
    expect(restarting.lastExit).toEqual({ code: 3, signal: null, at: clock.now() });
    expect(restarting.nextStartAt).toBe(clock.now() + 500);

    await clock.advance(500);
    expect(supervisor.status()).toMatchObject({ state: 'running', pid: 4001, restarts: 1 });
    expect(statuses.map((s) => `${s.state}:${s.pid}`)).toEqual([
      'starting:4000',
      'running:4000',
      'restarting:null',
      'starting:4001',
      'running:4001',
    ]);
  });

  it('starts the backoff over once the server had run healthily for a while', async () => {
    const { supervisor, clock, health, crashAndMeasure } = setup({ healthyResetMs: 10_000 });
    supervisor.start();
    // Three quick crashes grow the delay to 2000 ms…
    expect([await crashAndMeasure(), await crashAndMeasure(), await crashAndMeasure()]).toEqual([500, 1000, 2000]);

    // …a crash 3 s after becoming healthy keeps growing it…
    health.set(200);
    await clock.advance(100);
    expect(supervisor.status().state).toBe('running');
    await clock.advance(3_000);
    expect(await crashAndMeasure()).toBe(4000);

    // …but one after 10 s of health starts again at 500 ms.
    await clock.advance(10_000);
    expect(supervisor.status().state).toBe('running');
    expect(await crashAndMeasure()).toBe(500);
  });

  it('stops with SIGTERM and does not restart', async () => {
    const { supervisor, spawner, clock, health } = setup();
    health.set(200);
    supervisor.start();
    await clock.advance(0);
    const child = spawner.last();

    await supervisor.stop();
    expect(child.signals).toEqual(['SIGTERM']);
    expect(supervisor.status()).toMatchObject({ state: 'stopped', pid: null });
    expect(supervisor.status().lastExit).toMatchObject({ code: null, signal: 'SIGTERM' });

    await clock.advance(60_000);
    expect(spawner.children).toHaveLength(1);
    expect(clock.pending()).toEqual([]);
  });

  it('sends SIGKILL when the server ignores SIGTERM past the stop timeout', async () => {
    const { supervisor, spawner, clock } = setup({ stopTimeoutMs: 3_000 });
    supervisor.start();
    const child = spawner.last();
    child.exitOnSigterm = false;

    let stopped = false;
    const stopping = supervisor.stop().then(() => {
      stopped = true;
    });
    await clock.advance(2_999);
    expect(child.signals).toEqual(['SIGTERM']);
    expect(stopped).toBe(false);

    await clock.advance(1);
    await stopping;
    expect(child.signals).toEqual(['SIGTERM', 'SIGKILL']);
    expect(stopped).toBe(true);
    expect(supervisor.status()).toMatchObject({ state: 'stopped', lastExit: { signal: 'SIGKILL' } });
  });

  it('keeps the first SIGKILL deadline when stop() is called again', async () => {
    const { supervisor, spawner, clock } = setup({ stopTimeoutMs: 3_000 });
    supervisor.start();
    const child = spawner.last();
    child.exitOnSigterm = false;
    const first = supervisor.stop();
    await clock.advance(2_000);
    const second = supervisor.stop();
    await clock.advance(1_000);
    expect(child.signals).toEqual(['SIGTERM', 'SIGKILL']);
    await Promise.all([first, second]);
    expect(supervisor.status().state).toBe('stopped');
  });

  it('cancels a pending restart when stopped', async () => {
    const { supervisor, spawner, clock } = setup();
    supervisor.start();
    spawner.last().exit(1);
    await clock.advance(100);
    expect(supervisor.status().state).toBe('restarting');

    await supervisor.stop();
    await clock.advance(60_000);
    expect(spawner.children).toHaveLength(1);
    expect(supervisor.status().state).toBe('stopped');
  });

  it('restart() replaces the process at once and resets the backoff', async () => {
    const { supervisor, spawner, clock, health } = setup();
    supervisor.start();
    for (let i = 0; i < 3; i += 1) {
      spawner.last().exit(1);
      await clock.advance(5_000);
    }
    health.set(200);
    await clock.advance(100);
    const old = spawner.last();
    health.set(503);

    await supervisor.restart();
    expect(old.signals).toEqual(['SIGTERM']);
    expect(spawner.children).toHaveLength(5);
    expect(supervisor.status()).toMatchObject({ state: 'starting', pid: 4004, restarts: 4 });

    // A crash right after the manual restart waits the initial delay again.
    spawner.last().exit(1);
    const before = clock.now();
    await clock.advance(499);
    expect(spawner.children).toHaveLength(5);
    await clock.advance(1);
    expect(spawner.children).toHaveLength(6);
    expect(clock.now() - before).toBe(500);
  });

  it('kills a server that never becomes live and starts another', async () => {
    const { supervisor, spawner, clock, health } = setup({ readyTimeoutMs: 20_000 });
    health.set(0);
    supervisor.start();
    const stuck = spawner.last();
    await clock.advance(19_999);
    expect(stuck.signals).toEqual([]);
    await clock.advance(1);
    expect(stuck.signals).toEqual(['SIGTERM']);
    await clock.advance(500);
    expect(spawner.children).toHaveLength(2);
    expect(supervisor.logs().some((line) => line.includes('did not answer'))).toBe(true);
  });

  it('treats a process that failed to spawn as a crash', async () => {
    const { supervisor, spawner, clock } = setup();
    const spawnFirst = spawner.spawn;
    let first = true;
    spawner.spawn = () => {
      const child = spawnFirst();
      if (first) {
        first = false;
        Object.defineProperty(child, 'pid', { value: undefined });
        queueMicrotask(() => child.emit('error', new Error('spawn node ENOENT')));
      }
      return child;
    };
    supervisor.start();
    await clock.advance(0);
    expect(supervisor.status().state).toBe('restarting');
    await clock.advance(500);
    expect(spawner.children).toHaveLength(2);
    expect(supervisor.logs()).toContain('[hearth-desktop] server process error: spawn node ENOENT');
  });

  it('keeps the server output line by line, the last 500 lines only', async () => {
    const { supervisor, spawner, clock } = setup({ logCapacity: 500 });
    supervisor.start();
    const child = spawner.last();
    child.print('listening on 127.0.0.1:8600\nloaded mod');
    child.print('warning: no GPU\n', 'stderr');
    child.print('el demo v1\n');
    expect(supervisor.logs()).toEqual(['listening on 127.0.0.1:8600', 'warning: no GPU', 'loaded model demo v1']);

    for (let i = 0; i < 600; i += 1) child.print(`line ${i}\n`);
    child.print('no newline at the end');
    child.exit(1);
    await clock.advance(0);
    const logs = supervisor.logs();
    expect(logs).toHaveLength(500);
    expect(logs.slice(-4)).toEqual([
      'line 599',
      'no newline at the end',
      '[hearth-desktop] server exited with code 1',
      '[hearth-desktop] restarting the server in 500 ms',
    ]);
    expect(logs[0]).toBe('line 103');
  });

  it('passes new log lines to listeners until they unsubscribe', () => {
    const { supervisor, spawner } = setup();
    const seen: string[] = [];
    const off = supervisor.onLog((line) => seen.push(line));
    supervisor.start();
    spawner.last().print('one\ntwo\n');
    off();
    spawner.last().print('three\n');
    expect(seen).toEqual(['one', 'two']);
  });
});

describe('createSupervisor with identity verification', () => {
  const REPORT = { event: 'listening', url: 'http://127.0.0.1:8600', address: '127.0.0.1', port: 8600, nonce: 'n1' };
  function verifying(verify: SupervisorOptions['verify']) {
    const fixture = setup({ verify });
    fixture.health.set(200);
    return fixture;
  }

  it('asks nothing of the port before its own child reports, then goes running once verified', async () => {
    const seen: unknown[] = [];
    const { supervisor, spawner, clock, health } = verifying(async (report) => {
      seen.push(report);
    });
    supervisor.start();
    await clock.advance(5_000);
    expect(supervisor.status().state).toBe('starting');
    expect(health.calls).toEqual([]);
    expect(seen).toEqual([]);
    spawner.last().print(`hearth-launch ${JSON.stringify(REPORT)}\n`);
    await clock.advance(0);
    expect(seen).toEqual([REPORT]);
    expect(supervisor.status()).toMatchObject({ state: 'running', error: null });
    expect(health.calls).toEqual([]);
  });

  it('stops for good, with the reason, when the child could not bind the port', async () => {
    const { supervisor, spawner, clock } = verifying(async () => undefined);
    supervisor.start();
    const child = spawner.last();
    child.print('hearth-launch {"event":"error","code":"EADDRINUSE","message":"listen EADDRINUSE: address already in use 127.0.0.1:8600"}\n');
    child.exit(1);
    await clock.advance(60_000);
    expect(spawner.children).toHaveLength(1);
    expect(supervisor.status()).toMatchObject({ state: 'stopped', restarts: 0 });
    expect(supervisor.status().error).toMatch(/in use by another program \(listen EADDRINUSE.*127\.0\.0\.1:8600\)/);
  });

  it('kills its child and does not restart when the listener fails the identity check', async () => {
    const { supervisor, spawner, clock } = verifying(async () => {
      throw new ImpostorError('what answers at http://127.0.0.1:8600 is not the server this app started');
    });
    supervisor.start();
    const child = spawner.last();
    child.print(`hearth-launch ${JSON.stringify(REPORT)}\n`);
    await clock.advance(60_000);
    expect(child.signals).toEqual(['SIGTERM']);
    expect(spawner.children).toHaveLength(1);
    expect(supervisor.status().state).toBe('stopped');
    expect(supervisor.status().error).toMatch(/not the server this app started; the admin token was not sent/);
  });

  it('retries a check that could not connect', async () => {
    let attempts = 0;
    const { supervisor, spawner, clock } = verifying(async () => {
      attempts += 1;
      if (attempts < 3) throw new TypeError('fetch failed');
    });
    supervisor.start();
    spawner.last().print(`hearth-launch ${JSON.stringify(REPORT)}\n`);
    await clock.advance(1_000);
    expect(attempts).toBe(3);
    expect(supervisor.status().state).toBe('running');
  });
});
