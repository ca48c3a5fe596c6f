import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BLOCK } from './tar.js';

export class TarFormatError extends Error {}

/** Reads exact byte counts from a stream of chunks without holding more than one chunk. */
class ChunkReader {
  private buf: Buffer = Buffer.alloc(0);
  private readonly it: AsyncIterator<Uint8Array>;
  constructor(source: AsyncIterable<Uint8Array>) { this.it = source[Symbol.asyncIterator](); }

  /** Up to `max` bytes, at least one; null at the end of the stream. */
  async some(max: number): Promise<Buffer | null> {
    while (this.buf.length === 0) {
      const next = await this.it.next();
      if (next.done) return null;
      this.buf = Buffer.from(next.value);
    }
    const out = this.buf.subarray(0, max);
    this.buf = this.buf.subarray(out.length);
    return out;
  }

  async exact(n: number): Promise<Buffer | null> {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      const part = await this.some(n - got);
      if (part === null) {
        if (got === 0) return null;
        throw new TarFormatError('The archive ends in the middle of a block.');
      }
      parts.push(Buffer.from(part));
      got += part.length;
    }
    return Buffer.concat(parts);
  }
}

const field = (h: Buffer, offset: number, width: number): string => {
  const raw = h.subarray(offset, offset + width);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? width : end).toString('utf8');
};

function size(h: Buffer): number {
  if (h[124] & 0x80) {
    let v = 0n;
    for (let i = 125; i < 136; i++) v = (v << 8n) | BigInt(h[i]);
    return Number(v);
  }
  const text = field(h, 124, 12).trim();
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError('A tar header has an unreadable size.');
  return parseInt(text, 8);
}

/** A relative path with no "..", absolute or empty parts: it cannot leave the target folder. */
function safeParts(p: string): string[] {
  const parts = p.split('/');
  if (p.startsWith('/') || parts.some((x) => x === '' || x === '.' || x === '..' || x.includes('\\'))) {
    throw new TarFormatError(`The archive holds an unsafe path: ${JSON.stringify(p)}.`);
  }
  return parts;
}

/**
 * Extracts a ustar archive of regular files into `dir` (which must exist). Anything else in it
 * (links, devices, unsafe paths) is refused. Returns the paths written.
 */
export async function extractTar(source: AsyncIterable<Uint8Array>, dir: string): Promise<string[]> {
  const reader = new ChunkReader(source);
  const written: string[] = [];
  for (;;) {
    const h = await reader.exact(BLOCK);
    if (h === null) throw new TarFormatError('The archive ends without its end marker.');
    if (h.every((b) => b === 0)) return written;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
    if (parseInt(field(h, 148, 8).trim(), 8) !== sum) throw new TarFormatError('A tar header fails its checksum.');
    const type = String.fromCharCode(h[156]);
    if (type !== '0' && type !== '\u0000') throw new TarFormatError(`The archive holds an entry of type "${type}"; only regular files are expected.`);
    const prefix = field(h, 345, 155);
    const name = field(h, 0, 100);
    const rel = prefix ? `${prefix}/${name}` : name;
    const target = path.join(dir, ...safeParts(rel));
    const n = size(h);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const fh = await fs.open(target, 'wx');
    try {
      for (let left = n; left > 0;) {
        const part = await reader.some(left);
        if (part === null) throw new TarFormatError(`The archive ends inside ${rel}.`);
        await fh.write(part);
        left -= part.length;
      }
    } finally {
      await fh.close();
    }
    const pad = (BLOCK - (n % BLOCK)) % BLOCK;
    if (pad > 0 && (await reader.exact(pad)) === null) throw new TarFormatError(`The archive ends inside ${rel}.`);
    written.push(rel);
  }
}
