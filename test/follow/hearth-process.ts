import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/hearth.js', import.meta.url));

export interface HearthProcess {
  url: string;
  /** host:port, as an nginx upstream names it. */
  address: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * `hearth serve` in a child process of its own (it is killed with SIGKILL in the failover test,
 * which an in-process server cannot be), on an ephemeral loopback port read from what it prints.
 */
export async function startHearthProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<HearthProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--workers', '1', '--log-level', 'warn', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /API:\s+(http:\/\/[^\s/]+)\/v2/.exec(out);
      if (m) resolve(m[1]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (b: Buffer) => { out += b.toString(); });
    void exited.then(() => reject(new Error(`hearth serve exited before it served:\n${out}`)));
  });
  return {
    url,
    address: new URL(url).host,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
