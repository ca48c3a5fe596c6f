import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ADMIN_TOKEN = 'reliability-test-admin-token-0123456789';

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const address = srv.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  srv.close();
  await once(srv, 'close');
  return port;
}

export interface ChildServer {
  proc: ChildProcess;
  url: string;
  port: number;
  /** Resolves with the exit code (or the signal's name) once the process is gone. */
  exited: Promise<number | string>;
  output(): string;
  admin(pathname: string, init?: RequestInit): Promise<Response>;
}

/** `hearth serve` as its own process, as an operator runs it; resolves once it is ready. */
export async function spawnServer(dataDir: string, { port, workers = 2, demoModels = false }: { port?: number; workers?: number; demoModels?: boolean } = {}): Promise<ChildServer> {
  const p = port ?? await freePort();
  // HEARTH_TEST_LOG=info shows the server's log in output(), for diagnosing a failure.
  const args = ['bin/hearth.js', 'serve', '--port', String(p), '--data-dir', dataDir, '--log-level', process.env.HEARTH_TEST_LOG ?? 'silent', '--workers', String(workers)];
  if (!demoModels) args.push('--no-demo-models');
  const proc = spawn(process.execPath, args, {
    cwd: ROOT, env: { ...process.env, HEARTH_ADMIN_TOKEN: ADMIN_TOKEN }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  // onnxruntime logs every failed run to stderr; keep only the tail for diagnosis.
  proc.stderr?.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-20_000); });
  const exited = new Promise<number | string>((resolve) => {
    proc.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  const url = `http://127.0.0.1:${p}`;
  const child: ChildServer = {
    proc, url, port: p, exited, output: () => out,
    admin: (pathname, init = {}) => fetch(`${url}${pathname}`, {
      ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(init.headers as Record<string, string> | undefined) },
    }),
  };
  let gone = false;
  void exited.then(() => { gone = true; });
  for (let i = 0; i < 600; i++) {
    if (gone) throw new Error(`hearth serve exited before it was ready:\n${out}`);
    try {
      if ((await fetch(`${url}/v2/health/live`)).status === 200) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill('SIGKILL');
  throw new Error(`hearth serve did not start:\n${out}`);
}
