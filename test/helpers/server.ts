import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveConfig, type Config } from '../../server/base/config.js';
import { startServer, type RunningServer } from '../../server/serve.js';
import type { ServiceHooks } from '../../server/services.js';

export interface TestServer extends RunningServer {
  token: string;
  dataDir: string;
  /** fetch against the server, with the admin token unless headers say otherwise. */
  admin(pathname: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

/** A real Hearth on an ephemeral loopback port with a fresh data directory. */
export async function startTestServer(overrides: Partial<Config> = {}, keepDataDir?: string, hooks?: ServiceHooks): Promise<TestServer> {
  const dataDir = keepDataDir ?? await mkdtemp(path.join(os.tmpdir(), 'hearth-test-'));
  const config = resolveConfig({ port: 0, dataDir, logLevel: 'silent', workers: 1, ...overrides }, {});
  let server: RunningServer;
  try {
    server = await startServer(config, { logger: false, hooks });
  } catch (error) {
    // A server the test expects to refuse to start leaves no data directory behind.
    if (!keepDataDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const token = server.services.adminToken;
  return {
    ...server,
    token,
    dataDir,
    admin: (pathname, init = {}) => fetch(`${server.url}${pathname}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) },
    }),
    async stop() {
      await server.close();
      if (!keepDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function json<T = Record<string, unknown>>(res: Response | Promise<Response>): Promise<{ status: number; body: T }> {
  const r = await res;
  const text = await r.text();
  return { status: r.status, body: (text ? JSON.parse(text) : null) as T };
}

export const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

/** Anything that answers admin requests: an in-process test server or a `hearth serve` child. */
export type AdminClient = Pick<TestServer, 'admin'>;

export const upload = (server: AdminClient, name: string, bytes: Uint8Array, query = '') =>
  server.admin(`/admin/v1/models/${encodeURIComponent(name)}/versions${query}`, {
    // The cast is for the DOM's fetch types (the renderer's tests see those), which take only views
    // of an ArrayBuffer; Node's fetch takes any Uint8Array, and no model here sits in shared memory.
    method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes as Uint8Array<ArrayBuffer>,
  });
