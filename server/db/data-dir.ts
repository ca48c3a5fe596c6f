import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Creates the data directory owner-only (0700), and tightens one that already exists with a
 * wider mode, with the secret files in it (0600): a directory made by hand or restored from a
 * backup (or an admin-token file written by hand) must not leave the admin token, the database or the signing key readable by other
 * local users. Returns what was changed, for the start-up log. Windows has no such modes.
 */
export async function secureDataDir(dataDir: string, secretFiles: readonly string[]): Promise<string[]> {
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return [];
  const changed: string[] = [];
  const tighten = async (file: string, mode: number) => {
    const st = await fs.stat(file).catch(() => undefined);
    if (st === undefined || (st.mode & 0o777 & ~mode) === 0) return;
    await fs.chmod(file, mode);
    changed.push(`${file}: ${(st.mode & 0o777).toString(8)} -> ${mode.toString(8)}`);
  };
  await tighten(dataDir, 0o700);
  for (const f of secretFiles) await tighten(path.join(dataDir, f), 0o600);
  return changed;
}
