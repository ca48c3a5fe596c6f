import { unwatchFile, watchFile, type Stats } from 'node:fs';
import { errorMessage } from '../base/message.js';
import { readKeysFile } from './keys-file.js';
import type { KeyStore } from './keys.js';

export interface KeysFileOptions {
  /** How often the file's status is read (a stat, not a read of its contents). */
  intervalMs: number;
  /** Called after each load with the ids added and removed (for the audit log). */
  onLoaded: (change: { file: string; ids: string[]; added: string[]; removed: string[] }) => void;
  /** Called when a changed file cannot be used; the keys loaded before stay in force. */
  onError: (message: string) => void;
}

/** Reads the keys file into the store; throws (keeping the keys in force) when it is not valid. */
export async function loadKeysFile(keys: KeyStore, file: string): Promise<{ ids: string[]; added: string[]; removed: string[] }> {
  const before = new Set(keys.list().filter((k) => k.fromFile).map((k) => k.id));
  const loaded = await readKeysFile(file);
  keys.useFileKeys(file, loaded);
  const ids = loaded.map((k) => k.id);
  return { ids, added: ids.filter((id) => !before.has(id)), removed: [...before].filter((id) => !ids.includes(id)) };
}

const same = (a: Stats, b: Stats) => a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.size === b.size && a.ctimeMs === b.ctimeMs;

/**
 * Re-reads the keys file whenever it changes, until the returned function is called. Polled with
 * stat, which follows symbolic links: Kubernetes updates a mounted Secret by re-pointing a link
 * (`..data`) at a new folder, which inotify on the file's path does not report.
 */
export function watchKeysFile(keys: KeyStore, file: string, opts: KeysFileOptions): () => void {
  let chain = Promise.resolve();
  const listener = (curr: Stats, prev: Stats) => {
    if (same(curr, prev)) return;
    chain = chain.then(async () => {
      try {
        opts.onLoaded({ file, ...(await loadKeysFile(keys, file)) });
      } catch (err) {
        opts.onError(`${errorMessage(err)} The keys loaded before stay in force.`);
      }
    });
  };
  watchFile(file, { interval: opts.intervalMs, persistent: false }, listener);
  return () => unwatchFile(file, listener);
}
