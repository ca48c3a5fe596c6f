/**
 * The supervisor against real child processes (a few lines of Node serving the liveness probe),
 * with real timers and real signals. The fake-clock tests cover the timings; these check that
 * Node's ChildProcess behaves the way the supervisor expects.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerStatus } from '../../main/api.js';
import { createSupervisor, type Supervisor } from '../../main/supervisor.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const CHILD = `
const http = require('node:http');
const mode = process.env.MODE;
if (mode === 'stubborn') process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
const server = http.createServer((req, res) => {
  res.statusCode = req.url === '/v2/health/live' ? 200 : 404;
  res.end();
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => {
  console.log('child ' + process.pid + ' listening');
  console.error('a warning on stderr');
  if (mode === 'crash-once' && process.env.RUN === undefined) setTimeout(() => process.exit(3), 50);
});
`;

function until(supervisor: Supervisor, predicate: (status: ServerStatus) => boolean): Promise<ServerStatus> {
  return new Promise((resolve) => {
    if (predicate(supervisor.status())) return resolve(supervisor.status());
    const off = supervisor.onStatus((status) => {
      if (predicate(status)) {
        off();
        resolve(status);
      }
    });
  });
}

describe('createSupervisor with real processes', () => {
  let supervisor: Supervisor | null = null;
  afterEach(async () => {
    await supervisor?.stop();
    supervisor = null;
  });

  async function start(mode: string, stopTimeoutMs = 5_000) {
    const port = await freePort();
    const pids: Array<number | undefined> = [];
    supervisor = createSupervisor({
      spawn: () => {
        const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), MODE: mode };
        if (pids.length > 0) env.RUN = String(pids.length);
        const child = spawn(process.execPath, ['-e', CHILD], { env, stdio: ['ignore', 'pipe', 'pipe'] });
        pids.push(child.pid);
        return child;
      },
      healthUrl: `http://127.0.0.1:${port}/v2/health/live`,
      backoff: { initialMs: 50 },
      healthIntervalMs: 25,
      stopTimeoutMs,
    });
    supervisor.start();
    const running = await until(supervisor, (s) => s.state === 'running');
    return { supervisor, running, pids };
  }

  it('runs the server until it is live, keeps its output and stops it with SIGTERM', async () => {
    const { supervisor: s, running } = await start('normal');
    expect(running.pid).toBeGreaterThan(0);
    await s.stop();
    expect(s.status()).toMatchObject({ state: 'stopped', pid: null, lastExit: { code: null, signal: 'SIGTERM' } });
    expect(s.logs()).toContain(`child ${running.pid} listening`);
    expect(s.logs()).toContain('a warning on stderr');
  });

  it('kills a server that ignores SIGTERM', async () => {
    const { supervisor: s } = await start('stubborn', 300);
    await s.stop();
    expect(s.status().lastExit).toMatchObject({ code: null, signal: 'SIGKILL' });
    expect(s.logs()).toContain('ignoring SIGTERM');
  });

  it('starts a new process after one exits', async () => {
    const { supervisor: s, pids } = await start('crash-once');
    const again = await until(s, (status) => status.state === 'running' && status.restarts === 1);
    expect(pids).toHaveLength(2);
    expect(again.pid).toBe(pids[1]);
    expect(again.pid).not.toBe(pids[0]);
    expect(again.lastExit).toMatchObject({ code: 3, signal: null });
  });
});
