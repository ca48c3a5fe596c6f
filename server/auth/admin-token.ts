import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export const ADMIN_TOKEN_FILE = 'admin-token';

/** The admin token: from the environment or config, else generated once and kept in the data dir (0600). */
export async function loadOrCreateAdminToken(dataDir: string, given?: string): Promise<{ token: string; file: string | null }> {
  if (given) return { token: given, file: null };
  const file = path.join(dataDir, ADMIN_TOKEN_FILE);
  try {
    const token = (await fs.readFile(file, 'utf8')).trim();
    if (token.length >= 16) return { token, file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const token = `hearth_admin_${randomBytes(32).toString('base64url')}`;
  await fs.writeFile(file, `${token}\n`, { mode: 0o600 });
  await fs.chmod(file, 0o600);
  return { token, file };
}
