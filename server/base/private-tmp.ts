// A leaf: node's own modules only, so any layer that starts a child process may use it.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Names the folder withPrivateTmp made, for the child's own clean-up (never the user's TMPDIR). */
const OWN_TMPDIR = 'HEARTH_CHILD_TMPDIR';

/**
 * Source to put first in a child started under withPrivateTmp: the child removes its temp folder as
 * it exits, so the folder goes even when the parent is gone first (a server stopped while its
 * provider probes still run). After a crash or a kill the parent's own removal covers it.
 */
export const REMOVE_OWN_TMP_AT_EXIT = `
process.on('exit', () => {
  const own = process.env.${OWN_TMPDIR};
  if (own) require('node:fs').rmSync(own, { recursive: true, force: true });
});
`;

/**
 * Runs `start` with an environment whose temp folder (TMPDIR, and TMP and TEMP for Windows) is a
 * new folder of its own, removed once `start` settles. onnxruntime-node writes `mat-debug-<pid>.log`
 * and `.ses` into the temp folder of every process that creates a session and never removes them,
 * so each child that loads a model (provider probes, upload inspection) would leave them behind.
 * Where no folder can be made (a read-only temp folder), the child inherits the usual one.
 */
export async function withPrivateTmp<T>(start: (env: NodeJS.ProcessEnv) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-child-')).catch(() => undefined);
  if (dir === undefined) return start({ ...process.env, [OWN_TMPDIR]: '' });
  try {
    return await start({ ...process.env, TMPDIR: dir, TMP: dir, TEMP: dir, [OWN_TMPDIR]: dir });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
