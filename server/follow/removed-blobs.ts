import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BlobStore } from '../registry/blobs.js';

/**
 * Model files a follower stopped needing, kept in `blobs/removed/<sha256>` for a grace period
 * before they are unlinked: a leader that wrongly removed a model (or a wrong leader) costs a copy
 * back, not the file. The move time is the file's mtime; the store itself never reads this folder.
 */
export class RemovedBlobs {
  readonly dir: string;

  constructor(private readonly blobs: BlobStore, private readonly graceMs: number, private readonly now: () => number = Date.now) {
    this.dir = path.join(path.dirname(blobs.root), 'removed');
  }

  /** Moves a blob no version refers to any more out of the store. */
  async keep(sha256: string): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    const dest = path.join(this.dir, sha256);
    try {
      await fs.rename(this.blobs.pathOf(sha256), dest);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const t = new Date(this.now());
    await fs.utimes(dest, t, t);
  }

  /** Unlinks the kept files older than the grace period; returns their hashes. */
  async sweep(): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const gone: string[] = [];
    for (const name of names) {
      const file = path.join(this.dir, name);
      const stat = await fs.stat(file).catch(() => null);
      if (!stat || this.now() - stat.mtimeMs <= this.graceMs) continue;
      await fs.rm(file, { force: true });
      gone.push(name);
    }
    return gone;
  }
}
