// Servers under test run as child processes, each with its own event loop, apart from the
// load generator and from this script.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ChildServer {
  name: string;
  url: string;
  pid: number;
  /** Resident memory now, from /proc (Linux). */
  rssBytes(): number;
  stop(): Promise<void>;
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** VmRSS of a /proc/<pid>/status text, in bytes. */
export function parseVmRss(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error('no VmRSS line in the process status (is this Linux?)');
  return Number(m[1]) * 1024;
}

export function readRssBytes(pid: number): number {
  return parseVmRss(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export interface StartOptions {
  /** Path answered with 200 once the server is ready for traffic. */
  readyPath: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Starts `node <args>` and waits until GET url+readyPath answers 200. */
export async function startChild(name: string, url: string, args: string[],
  { readyPath, env = process.env, timeoutMs = 120_000 }: StartOptions): Promise<ChildServer> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => { stderr = (stderr + s).slice(-4000); });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: could not start ${args.join(' ')}`);
  const handle: ChildServer = {
    name, url, pid,
    rssBytes: () => readRssBytes(pid),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited(child);
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${stderr.trim()}`);
    }
    try {
      const res = await fetch(url + readyPath, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return handle;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  await handle.stop();
  throw new Error(`${name} was not ready within ${timeoutMs} ms:\n${stderr.trim()}`);
}
