// Hearth under test: `hearth serve` in a child process on a fresh data directory, driven through
// its admin API as a site's admin would.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startChild, type ChildServer } from './processes.js';
import { SERVE_NODE_FLAGS } from '../server/base/node-flags.js';

export const ROOT = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../' : '../', import.meta.url));

export interface HearthOptions {
  usageLog?: boolean;
  label?: string;
}

export interface Hearth extends ChildServer {
  dataDir: string;
  token: string;
  /** Calls the admin API; throws with the server's message on a non-2xx answer. */
  admin<T = unknown>(method: string, route: string, body?: unknown): Promise<T>;
}

export async function startHearth({ usageLog = true, label = 'hearth' }: HearthOptions = {}): Promise<Hearth> {
  const bin = path.join(ROOT, 'bin', 'hearth.js');
  if (!existsSync(path.join(ROOT, 'dist', 'server', 'cli.js'))) throw new Error('dist/ is missing: run "npm run build" first.');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // Started as its launchers start it (bin/hearth.js's first line, npm start, the container, the desktop app).
  const args = [...SERVE_NODE_FLAGS, bin, 'serve', '--port', String(port), '--data-dir', dataDir, '--log-level', 'silent'];
  if (!usageLog) args.push('--no-usage-log');
  const env = { ...process.env };
  delete env.HEARTH_ADMIN_TOKEN;
  let child: ChildServer;
  try {
    child = await startChild(label, url, args, { readyPath: '/v2/health/ready', env });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const token = readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
  const admin = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const bytes = body instanceof Uint8Array;
    const res = await fetch(`${url}/admin/v1${route}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': bytes ? 'application/octet-stream' : 'application/json' }),
      },
      body: body === undefined ? undefined : bytes ? body : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${label}: ${method} /admin/v1${route} answered ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  return {
    ...child,
    dataDir,
    token,
    admin,
    stop: async () => {
      await child.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Registers a model file as the next version, makes it production (which loads and warms it), returns the version. */
export async function registerModel(hearth: Hearth, name: string, onnx: Uint8Array): Promise<number> {
  const { version } = await hearth.admin<{ version: number }>('POST', `/models/${name}/versions?description=bench`, onnx);
  await hearth.admin('PUT', `/models/${name}/aliases/production`, { version });
  return version;
}

/** An API key for inference, as a LAN client presents it. */
export async function createApiKey(hearth: Hearth): Promise<string> {
  const { key } = await hearth.admin<{ key: string }>('POST', '/keys', { name: 'bench', scopes: ['infer', 'metadata'] });
  return key;
}
