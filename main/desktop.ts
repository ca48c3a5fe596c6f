/**
 * The desktop app's wiring: single instance, the supervised server, the tray, the secured window
 * and the bridge. Electron and the process spawner are handed in, so tests run all of it against
 * fakes; main/main.ts passes the real ones.
 */
import type { SpawnOptions } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { IPC, type ServerStatus } from './api.js';
import { loadOrCreateAdminToken } from './admin-token.js';
import type { BrowserWindow, ElectronApi, SaveDialogOptions, Tray } from './electron-types.js';
import { createExporter } from './export.js';
import { verifyLaunch } from './identity.js';
import { registerBridge } from './ipc.js';
import { desktopPort, serverCommand } from './server-command.js';
import { claimSingleInstance, focusWindow } from './single-instance.js';
import { createSupervisor, type SupervisedChild, type Supervisor, type SupervisorOptions } from './supervisor.js';
import { TRAY_ICON_DATA_URL } from './tray-icon.js';
import { statusLabel, trayMenuTemplate } from './tray.js';
import { secureSession, secureWebContents, windowOptions } from './window.js';

export type Spawn = (command: string, args: string[], options: SpawnOptions) => SupervisedChild;

export interface DesktopOptions {
  electron: ElectronApi;
  spawn: Spawn;
  /** The compiled preload, dist/main/preload.cjs. */
  preloadPath: string;
  execPath: string;
  resourcesPath: string;
  env?: Readonly<Record<string, string | undefined>>;
  fetch?: (url: string, init?: RequestInit) => Promise<Response>;
  /** Clock and timing overrides for the supervisor (tests). */
  supervisor?: Omit<Partial<SupervisorOptions>, 'spawn' | 'healthUrl' | 'fetch'>;
}

export interface Desktop {
  readonly origin: string;
  readonly dataDir: string;
  readonly supervisor: Supervisor;
  openWindow(): void;
}

/** Resolves to null when another instance already runs (this one is quitting). */
export async function startDesktop({
  electron,
  spawn,
  preloadPath,
  execPath,
  resourcesPath,
  env = process.env,
  fetch = (url, init) => globalThis.fetch(url, init),
  supervisor: supervisorOverrides = {},
}: DesktopOptions): Promise<Desktop | null> {
  const { app, BrowserWindow, Tray, Menu, nativeImage, dialog, shell, ipcMain, session } = electron;
  const port = desktopPort(env);
  const origin = `http://127.0.0.1:${port}`;

  // A second instance started before we are ready needs nothing: the first window opens anyway.
  let openWindow = (): void => undefined;
  if (!claimSingleInstance(app, () => openWindow())) return null;

  // All of these must be in place before the first window or web contents exists.
  app.enableSandbox();
  app.on('web-contents-created', (_event, contents) => secureWebContents(contents, origin, shell));
  // Closing the last window leaves the server serving; the tray's Quit ends both.
  app.on('window-all-closed', () => undefined);

  await app.whenReady();
  secureSession(session.defaultSession, origin);

  const dataDir = env.HEARTH_DATA_DIR || join(app.getPath('userData'), 'data');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const adminToken = env.HEARTH_ADMIN_TOKEN || loadOrCreateAdminToken(dataDir);
  const command = serverCommand({
    isPackaged: app.isPackaged,
    execPath,
    appPath: app.getAppPath(),
    resourcesPath,
    dataDir,
    port,
    adminToken,
    env,
  });
  const supervisor = createSupervisor({
    ...supervisorOverrides,
    spawn: () =>
      spawn(command.command, command.args, {
        env: command.env,
        cwd: command.cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
        windowsHide: true,
      }),
    healthUrl: `${origin}/v2/health/live`,
    fetch,
    // The UI is loaded and the token handed out only once what listens at the origin proved it is
    // the child just started: another program that took the port first gets nothing.
    verify: (report, signal) => verifyLaunch(report, { origin, token: adminToken, signal, fetch: (url, init) => fetch(url, init) }),
  });
  const verifiedToken = () => {
    if (supervisor.status().state !== 'running') throw new Error('the server has not proved its identity yet; the admin token is withheld');
    return adminToken;
  };

  let window: BrowserWindow | null = null;
  let windowLoaded = false;
  const liveWindow = () => (window !== null && !window.isDestroyed() ? window : null);

  const loadUi = () => {
    const target = liveWindow();
    if (target === null || windowLoaded || supervisor.status().state !== 'running') return;
    windowLoaded = true;
    // A refused load (the server died in between) is retried on the next 'running'.
    target.loadURL(`${origin}/ui/`).catch(() => {
      if (window === target) windowLoaded = false;
    });
  };

  openWindow = () => {
    const existing = liveWindow();
    if (existing !== null) {
      focusWindow(existing);
      return;
    }
    const created = new BrowserWindow(windowOptions(preloadPath, { devTools: !app.isPackaged }));
    window = created;
    windowLoaded = false;
    created.on('closed', () => {
      if (window === created) window = null;
    });
    created.show();
    loadUi();
  };

  const showSaveDialog = (options: SaveDialogOptions) => {
    const parent = liveWindow();
    return parent === null ? dialog.showSaveDialog(options) : dialog.showSaveDialog(parent, options);
  };

  registerBridge(ipcMain, origin, {
    getAdminToken: verifiedToken,
    saveExport: createExporter({
      baseUrl: origin,
      adminToken: verifiedToken,
      showSaveDialog,
      defaultDir: app.getPath('downloads'),
      fetch,
    }),
    openDataFolder: async () => {
      const failure = await shell.openPath(dataDir);
      if (failure !== '') throw new Error(`could not open ${dataDir}: ${failure}`);
    },
    restartServer: () => supervisor.restart(),
    getServerLog: () => supervisor.logs(),
    getServerStatus: () => supervisor.status(),
  });

  let quitState: 'running' | 'stopping' | 'stopped' = 'running';
  const tray: Tray = new Tray(nativeImage.createFromDataURL(TRAY_ICON_DATA_URL));
  const actions = {
    open: () => openWindow(),
    restart: () => void supervisor.restart(),
    quit: () => app.quit(),
  };
  const showStatus = (status: ServerStatus) => {
    if (quitState === 'stopped') return;
    tray.setToolTip(statusLabel(status, port));
    tray.setContextMenu(Menu.buildFromTemplate(trayMenuTemplate(status, port, actions)));
  };
  tray.on('click', () => openWindow());
  showStatus(supervisor.status());

  supervisor.onStatus((status) => {
    showStatus(status);
    const target = liveWindow();
    if (target !== null && !target.webContents.isDestroyed()) target.webContents.send(IPC.serverStatus, status);
    if (status.state === 'running') loadUi();
  });

  app.on('activate', () => openWindow());
  app.on('before-quit', (event) => {
    if (quitState === 'stopped') return;
    // Hold the quit until the server has shut down cleanly, then quit for real.
    event.preventDefault();
    if (quitState === 'stopping') return;
    quitState = 'stopping';
    void supervisor.stop().finally(() => {
      quitState = 'stopped';
      tray.destroy();
      app.quit();
    });
  });

  supervisor.start();
  openWindow();
  return { origin, dataDir, supervisor, openWindow: () => openWindow() };
}
