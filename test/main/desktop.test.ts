import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IPC } from '../../main/api.js';
import { startDesktop } from '../../main/desktop.js';
import { identityProof } from '../../main/identity.js';
import { UntrustedSenderError } from '../../main/ipc.js';
import { createFakeElectron, frameEvent } from './fake-electron.js';
import { createClock, FakeChild, settle } from './fakes.js';

const ORIGIN = 'http://127.0.0.1:8600';

describe('startDesktop', () => {
  let userData: string;
  beforeEach(() => {
    userData = mkdtempSync(join(tmpdir(), 'hearth-desktop-'));
  });
  afterEach(() => rmSync(userData, { recursive: true, force: true }));

  async function setup({ gotLock = true, env = {} as Record<string, string> } = {}) {
    const fake = createFakeElectron({ gotLock, userData });
    const clock = createClock();
    const spawned: Array<{ command: string; args: string[]; env: NodeJS.ProcessEnv | undefined; child: FakeChild }> = [];
    let live = false;
    const nonce = 'launch-nonce';
    // What `hearth serve` prints once listening; the app polls nothing before it.
    const report = (child: FakeChild) =>
      child.print(`hearth-launch ${JSON.stringify({ event: 'listening', url: ORIGIN, address: '127.0.0.1', port: 8600, nonce })}\n`);
    const desktop = await startDesktop({
      electron: fake.api,
      spawn: (command, args, options) => {
        const child = new FakeChild(5000 + spawned.length);
        spawned.push({ command, args, env: options.env, child });
        if (live) queueMicrotask(() => report(child));
        return child;
      },
      preloadPath: '/app/dist/main/preload.cjs',
      execPath: '/opt/Hearth/hearth',
      resourcesPath: '/opt/Hearth/resources',
      env: { PATH: '/usr/bin', ...env },
      fetch: async (url) => {
        const challenge = new URL(url).searchParams.get('challenge');
        if (!url.startsWith(`${ORIGIN}/admin/v1/identity?`) || challenge === null) throw new Error(`unexpected fetch ${url}`);
        if (!live) throw new TypeError('fetch failed');
        const token = env.HEARTH_ADMIN_TOKEN ?? readFileSync(join(userData, 'data', 'admin-token'), 'utf8').trim();
        return Response.json({ server: 'hearth', nonce, proof: identityProof(token, challenge, nonce) });
      },
      supervisor: { now: clock.now, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout },
    });
    const goLive = async () => {
      live = true;
      const current = spawned.at(-1)?.child;
      if (current !== undefined && !current.exited) report(current);
      await clock.advance(250);
    };
    return { ...fake, clock, spawned, desktop, goLive };
  }

  it('quits without starting a server when another instance holds the lock', async () => {
    const { desktop, spawned, app, windows, trays } = await setup({ gotLock: false });
    expect(desktop).toBeNull();
    expect(app.quitCalls).toBe(1);
    expect(spawned).toEqual([]);
    expect(windows).toEqual([]);
    expect(trays).toEqual([]);
  });

  it('starts the server with the data dir, port and admin token kept in userData', async () => {
    const { spawned, desktop } = await setup();
    const dataDir = join(userData, 'data');
    expect(desktop?.dataDir).toBe(dataDir);
    expect(spawned).toHaveLength(1);
    const [{ command, args, env }] = spawned as [(typeof spawned)[number]];
    expect(command).toBe('node');
    expect(args).toEqual(['--min-semi-space-size=8', join('/opt/hearth', 'bin', 'hearth.js'), 'serve', '--data-dir', dataDir, '--port', '8600']);
    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    expect(token).toMatch(/^hearth_admin_[A-Za-z0-9_-]{43}$/);
    expect(env?.HEARTH_ADMIN_TOKEN).toBe(token);
  });

  it('opens a locked-down window and loads the UI once the server is live', async () => {
    const { windows, goLive, app, session } = await setup();
    expect(app.sandboxEnabled).toBe(true);
    expect(windows).toHaveLength(1);
    const [window] = windows as [(typeof windows)[number]];
    expect(window.options.webPreferences).toMatchObject({
      preload: '/app/dist/main/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    });
    expect(window.shown).toBe(1);
    expect(window.loaded).toEqual([]);

    await goLive();
    expect(window.loaded).toEqual([`${ORIGIN}/ui/`]);
    // Every web contents is hardened as Electron creates it, and the session denies permissions.
    expect(window.webContents.navigate('will-navigate', 'https://evil.example/')).toBe(false);
    expect(window.webContents.openHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(session.request('media', `${ORIGIN}/ui/`)).toBe(false);
  });

  it('pushes server status to the window and the tray', async () => {
    const { windows, trays, goLive, spawned, clock } = await setup();
    await goLive();
    const [window] = windows as [(typeof windows)[number]];
    const [tray] = trays as [(typeof trays)[number]];
    expect(tray.toolTip).toBe('Hearth — serving on port 8600');

    spawned[0]?.child.exit(1);
    await clock.advance(0);
    expect(tray.toolTip).toBe('Hearth — restarting (exited with 1)');
    const pushed = window.webContents.sent.filter((m) => m.channel === IPC.serverStatus).map((m) => m.args[0]);
    expect(pushed).toMatchObject([{ state: 'running', pid: 5000 }, { state: 'restarting', lastExit: { code: 1 } }]);
  });

  it('answers the bridge for the UI only', async () => {
    const { ipcMain, desktop, goLive, shell } = await setup();
    await goLive();
    const token = readFileSync(join(userData, 'data', 'admin-token'), 'utf8').trim();
    expect(await ipcMain.invoke(IPC.getAdminToken, frameEvent(`${ORIGIN}/ui/`))).toBe(token);
    await expect(ipcMain.invoke(IPC.getAdminToken, frameEvent('https://evil.example/'))).rejects.toThrow(UntrustedSenderError);
    await ipcMain.invoke(IPC.openDataFolder, frameEvent(`${ORIGIN}/ui/`));
    expect(shell.opened).toEqual([desktop?.dataDir]);
    expect(await ipcMain.invoke(IPC.getServerStatus, frameEvent(`${ORIGIN}/ui/`))).toMatchObject({ state: 'running' });
  });

  it('keeps serving when the window closes, and reopens it from the tray', async () => {
    const { windows, trays, goLive, spawned, app } = await setup();
    await goLive();
    windows[0]?.close();
    expect(app.quitCalls).toBe(0);
    expect(spawned[0]?.child.signals).toEqual([]);

    trays[0]?.choose('Open Hearth');
    expect(windows).toHaveLength(2);
    expect(windows[1]?.loaded).toEqual([`${ORIGIN}/ui/`]);
  });

  it('focuses the existing window when a second instance starts', async () => {
    const { windows, app } = await setup();
    const [window] = windows as [(typeof windows)[number]];
    window.minimized = true;
    app.emit('second-instance', { preventDefault: () => undefined }, ['hearth']);
    expect(windows).toHaveLength(1);
    expect(window.minimized).toBe(false);
    expect(window.focused).toBe(1);
  });

  it('stops the server before quitting', async () => {
    const { trays, goLive, spawned, app } = await setup();
    await goLive();
    const child = spawned[0]?.child;
    trays[0]?.choose('Quit');
    // The first quit waits for the server…
    expect(app.quitPrevented).toBe(1);
    expect(app.quitted).toBe(false);
    expect(child?.signals).toEqual(['SIGTERM']);
    await settle();
    // …and quits for real once it has exited.
    expect(app.quitted).toBe(true);
    expect(trays[0]?.destroyed).toBe(true);
  });

  it('retries loading the UI after a refused load when the server is live again', async () => {
    let refuse = true;
    const fake = await setup();
    const [window] = fake.windows as [(typeof fake.windows)[number]];
    window.loadURL = (url: string) => {
      window.loaded.push(url);
      return refuse ? Promise.reject(new Error('ERR_CONNECTION_REFUSED')) : Promise.resolve();
    };
    await fake.goLive();
    expect(window.loaded).toHaveLength(1);
    refuse = false;
    fake.spawned[0]?.child.exit(1);
    await fake.clock.advance(500);
    await fake.clock.advance(250);
    expect(window.loaded).toEqual([`${ORIGIN}/ui/`, `${ORIGIN}/ui/`]);
  });

  it('honours HEARTH_PORT and HEARTH_ADMIN_TOKEN', async () => {
    const { spawned, desktop } = await setup({ env: { HEARTH_PORT: '9100', HEARTH_ADMIN_TOKEN: 'from-env' } });
    expect(desktop?.origin).toBe('http://127.0.0.1:9100');
    expect(spawned[0]?.args.slice(-2)).toEqual(['--port', '9100']);
    expect(spawned[0]?.env?.HEARTH_ADMIN_TOKEN).toBe('from-env');
  });
});
