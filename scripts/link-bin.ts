// Makes `npx hearth` run this checkout's command. npm links the bins of dependencies into
// node_modules/.bin but not the project's own, and without the link npx would fetch an
// unrelated package named "hearth" from the registry.
import { existsSync, mkdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const binDir = path.join(root, 'node_modules', '.bin');
if (existsSync(path.join(root, 'node_modules'))) {
  mkdirSync(binDir, { recursive: true });
  const link = path.join(binDir, 'hearth');
  const target = path.join('..', '..', 'bin', 'hearth.js');
  let current: string | undefined;
  try { current = readlinkSync(link); } catch { current = undefined; }
  if (current !== target) {
    rmSync(link, { force: true });
    symlinkSync(target, link);
  }
  if (process.platform === 'win32') {
    writeFileSync(path.join(binDir, 'hearth.cmd'), '@node "%~dp0\\..\\..\\bin\\hearth.js" %*\r\n');
  }
}
