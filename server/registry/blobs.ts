import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { WriteLock } from './write-lock.js';

export interface StagedBlob {
  /** Temporary file holding the bytes until they are committed or discarded. */
  tmpPath: string;
  sha256: string;
  size: number;
}

export class BodyTooLargeError extends Error {}

/** Points where a test can act inside the store's own sequence (never set in production). */
export interface BlobStoreHooks {
  /** Called by `remove` after its caller decided the blob is unreferenced, before the file goes. */
  beforeRemove?: (sha256: string) => Promise<void>;
}

/**
 * Content-addressed, immutable model files: `blobs/sha256/<aa>/<hash>`. Bytes are staged in
 * `blobs/tmp` first, so a file that fails validation never enters the store.
 */
export class BlobStore {
  readonly root: string;
  private readonly tmpDir: string;
  /** Registry writes that add or remove files take turns here (see WriteLock). */
  readonly writes = new WriteLock();

  constructor(dataDir: string, private readonly hooks: BlobStoreHooks = {}) {
    this.root = path.join(dataDir, 'blobs', 'sha256');
    this.tmpDir = path.join(dataDir, 'blobs', 'tmp');
  }

  async init(): Promise<void> {
    await fs.mkdir(this.root, { recursive: true });
    await fs.mkdir(this.tmpDir, { recursive: true });
  }

  pathOf(sha256: string): string {
    return path.join(this.root, sha256.slice(0, 2), sha256);
  }

  /** Streams a body to a temporary file while hashing it, without holding it in memory. */
  async stage(source: Readable | Uint8Array, maxBytes = Number.MAX_SAFE_INTEGER): Promise<StagedBlob> {
    const tmpPath = path.join(this.tmpDir, `${randomUUID()}.part`);
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > maxBytes) return done(new BodyTooLargeError(`the model file is larger than the limit of ${maxBytes} bytes`));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      if (source instanceof Uint8Array) {
        const out = createWriteStream(tmpPath);
        await pipeline(async function* () { yield Buffer.from(source.buffer, source.byteOffset, source.byteLength); }, meter, out);
      } else {
        await pipeline(source, meter, createWriteStream(tmpPath));
      }
    } catch (err) {
      await fs.rm(tmpPath, { force: true });
      throw err;
    }
    return { tmpPath, sha256: hash.digest('hex'), size };
  }

  /** Moves a staged file into the store (fsynced, then renamed: never a half-written blob). */
  async commit(staged: StagedBlob): Promise<string> {
    const dest = this.pathOf(staged.sha256);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    const fh = await fs.open(staged.tmpPath, 'r+');
    try { await fh.sync(); } finally { await fh.close(); }
    await fs.rename(staged.tmpPath, dest);
    return dest;
  }

  async discard(staged: StagedBlob): Promise<void> {
    await fs.rm(staged.tmpPath, { force: true });
  }

  async remove(sha256: string): Promise<void> {
    await this.hooks.beforeRemove?.(sha256);
    await fs.rm(this.pathOf(sha256), { force: true });
  }

  /**
   * Removes staged leftovers and blobs no version refers to: what a crash between writing a
   * blob and committing its row leaves behind.
   */
  async collectGarbage(referenced: Set<string>): Promise<string[]> {
    const removed: string[] = [];
    for (const f of await fs.readdir(this.tmpDir)) {
      await fs.rm(path.join(this.tmpDir, f), { force: true });
    }
    for (const dir of await fs.readdir(this.root)) {
      for (const f of await fs.readdir(path.join(this.root, dir))) {
        if (!referenced.has(f)) {
          await fs.rm(path.join(this.root, dir, f), { force: true });
          removed.push(f);
        }
      }
    }
    return removed;
  }
}
