import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEMPLATE = fileURLToPath(new URL('../../deploy/nginx/hearth-failover.conf', import.meta.url));

/** nginx's path, looked up where Debian puts it too (/usr/sbin is not on every user's PATH). */
export function findNginx(env: NodeJS.ProcessEnv = process.env): string {
  const dirs = [...(env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'].filter(Boolean);
  const found = dirs.map((d) => path.join(d, 'nginx')).find((p) => existsSync(p));
  if (!found) {
    throw new Error('nginx is not installed, and the failover test needs it: install Debian\'s package with `apt-get install -y nginx` (CI does this in .ci/run).');
  }
  return found;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** The shipped configuration with the two instances' and the listener's addresses replaced. */
export function renderTemplate(template: string, { leader, follower, listenPort }: { leader: string; follower: string; listenPort: number }): string {
  const replace = (text: string, from: string, to: string) => {
    if (!text.includes(from)) throw new Error(`The nginx template no longer contains "${from}"; update the failover test with it.`);
    return text.replaceAll(from, to);
  };
  let out = replace(template, '127.0.0.1:8601', leader);
  out = replace(out, '127.0.0.1:8602', follower);
  return replace(out, '    listen 8600;', `    listen 127.0.0.1:${listenPort};`);
}

export interface RunningNginx {
  url: string;
  dir: string;
  stop(): Promise<void>;
  /** What nginx wrote to stderr (its error log). */
  log(): string;
}

/** Starts nginx in the foreground on a free loopback port, with the shipped config for these two upstreams. */
export async function startNginx(dir: string, upstreams: { leader: string; follower: string }): Promise<RunningNginx> {
  const bin = findNginx();
  const listenPort = await freePort();
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'hearth-failover.conf'), renderTemplate(readFileSync(TEMPLATE, 'utf8'), { ...upstreams, listenPort }));
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${path.join(dir, `${t}_temp`)};`).join('\n');
  await writeFile(path.join(dir, 'nginx.conf'), [
    'worker_processes 1;',
    // As root, workers would switch to "nobody", which may not read the temp dir.
    ...(process.getuid?.() === 0 ? ['user root;'] : []),
    'events { worker_connections 1024; }',
    'http {',
    '  access_log off;',
    temp,
    `  include ${path.join(dir, 'hearth-failover.conf')};`,
    '}',
    '',
  ].join('\n'));
  let stderr = '';
  const child: ChildProcess = spawn(bin, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', 'stderr', '-g', `daemon off; pid ${path.join(dir, 'nginx.pid')};`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (b: Buffer) => { stderr += b.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let started = false;
  const failed = exited.then((code) => { if (!started) throw new Error(`nginx exited (code ${code}) at start:\n${stderr}`); return 0; });
  failed.catch(() => undefined);
  const url = `http://127.0.0.1:${listenPort}`;
  // Ready once it answers; the upstreams are already listening, so health comes back 200.
  for (;;) {
    const status = await Promise.race([fetch(`${url}/v2/health/live`).then((r) => r.status, () => 0), failed]);
    if (status === 200) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  started = true;
  return {
    url,
    dir,
    log: () => stderr,
    async stop() {
      if (child.exitCode === null) child.kill('SIGQUIT');
      await exited;
    },
  };
}
