/**
 * The Electron entry (package.json "main": dist/main/main.js). It only fetches the real modules
 * and hands them to startDesktop, where the logic lives and is tested against fakes.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDesktop } from './desktop.js';
import type { ElectronApi } from './electron-types.js';

// createRequire rather than `import 'electron'`: the package is optional, so tsc never sees its types.
function loadElectron(): unknown {
  try {
    return createRequire(import.meta.url)('electron');
  } catch {
    return undefined;
  }
}
const loaded = loadElectron();
// Under plain Node the npm package answers with the path of the Electron binary instead.
if (typeof loaded !== 'object' || loaded === null || !('app' in loaded)) {
  console.error('dist/main/main.js is the desktop app: start it with `npx electron .`; for the server alone use `hearth serve`.');
  process.exit(1);
}
const electron = loaded as ElectronApi;
const here = dirname(fileURLToPath(import.meta.url));
const { resourcesPath } = process as NodeJS.Process & { resourcesPath?: string };

// A logout or `kill` should stop the server too, through the same clean path as the tray's Quit.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => electron.app.quit());

startDesktop({
  electron,
  spawn,
  preloadPath: join(here, 'preload.cjs'),
  execPath: process.execPath,
  resourcesPath: resourcesPath ?? here,
}).catch((error: unknown) => {
  console.error('Hearth could not start:', error);
  electron.app.exit(1);
});
