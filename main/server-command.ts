/**
 * How the desktop app starts `hearth serve`. Packaged, the server runs on Electron's own Node
 * (ELECTRON_RUN_AS_NODE), because electron-builder rebuilds better-sqlite3 for Electron's ABI and
 * reads bin/ from the app archive. In development the native modules were built by npm for the
 * system Node, so the server runs on `node` (or HEARTH_NODE).
 */
import { join } from 'node:path';

export interface ServerCommandOptions {
  isPackaged: boolean;
  /** `process.execPath`: the Electron binary. */
  execPath: string;
  /** `app.getAppPath()`: the project root in development, `resources/app.asar` when packaged. */
  appPath: string;
  /** `process.resourcesPath`: where electron-builder's extraResources land. */
  resourcesPath: string;
  dataDir: string;
  port: number;
  adminToken: string;
  env?: Readonly<Record<string, string | undefined>>;
}

export interface ServerCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

export const DEFAULT_PORT = 8600;

/** The V8 flags `hearth serve` is started with: server/base/node-flags.ts says why (a test keeps the two alike). */
export const SERVER_NODE_FLAGS: readonly string[] = ['--min-semi-space-size=8'];

export function serverCommand({
  isPackaged,
  execPath,
  appPath,
  resourcesPath,
  dataDir,
  port,
  adminToken,
  env = process.env,
}: ServerCommandOptions): ServerCommand {
  const inherited: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) inherited[name] = value;
  const childEnv: Record<string, string> = {
    ...inherited,
    HEARTH_ADMIN_TOKEN: adminToken,
    // The server then reports where it listens and its nonce on stdout (main/launch-report.ts).
    HEARTH_LAUNCH_REPORT: '1',
    // The demo models outside app.asar (extraResources), for native code that needs a real path.
    HEARTH_MODELS_DIR: isPackaged ? join(resourcesPath, 'models') : join(appPath, 'resources', 'models'),
  };
  if (isPackaged) childEnv.ELECTRON_RUN_AS_NODE = '1';
  else delete childEnv.ELECTRON_RUN_AS_NODE;
  return {
    command: isPackaged ? execPath : (env.HEARTH_NODE ?? 'node'),
    args: [...SERVER_NODE_FLAGS, join(appPath, 'bin', 'hearth.js'), 'serve', '--data-dir', dataDir, '--port', String(port)],
    env: childEnv,
    cwd: dataDir,
  };
}

/** HEARTH_PORT if it is a valid port, else 8600. */
export function desktopPort(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const port = Number(env.HEARTH_PORT);
  return Number.isInteger(port) && port > 0 && port < 65_536 ? port : DEFAULT_PORT;
}
