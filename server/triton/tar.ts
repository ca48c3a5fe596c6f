import type { Readable } from 'node:stream';

/** One file of a tar stream: its path inside the archive, its exact size and its bytes. */
export interface TarEntry {
  path: string;
  size: number;
  open: () => Readable | Uint8Array;
}

export const BLOCK = 512;
const OCTAL_MAX_SIZE = 0o77777777777; // 11 octal digits: just under 8 GiB

export class TarPathError extends Error {}

/** Splits a path into ustar's name (100 bytes) and prefix (155 bytes) at a slash. */
function splitPath(p: string): { name: string; prefix: string } {
  if (Buffer.byteLength(p) <= 100) return { name: p, prefix: '' };
  for (let i = p.indexOf('/'); i !== -1; i = p.indexOf('/', i + 1)) {
    const prefix = p.slice(0, i);
    const name = p.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { name, prefix };
  }
  throw new TarPathError(`The path ${p} is too long for a tar archive.`);
}

function octal(buf: Buffer, offset: number, width: number, value: number): void {
  buf.write(value.toString(8).padStart(width - 1, '0'), offset, width - 1, 'ascii');
  buf[offset + width - 1] = 0;
}

/** A ustar header for a regular file; sizes of 8 GiB and more use the base-256 form GNU tar reads. */
export function tarHeader(path: string, size: number, mtimeSeconds = 0): Buffer {
  const h = Buffer.alloc(BLOCK);
  const { name, prefix } = splitPath(path);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, 0o644);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  if (size <= OCTAL_MAX_SIZE) octal(h, 124, 12, size);
  else {
    h[124] = 0x80;
    let v = BigInt(size);
    for (let i = 135; i > 124; i--) { h[i] = Number(v & 0xffn); v >>= 8n; }
  }
  octal(h, 136, 12, mtimeSeconds);
  h.write('        ', 148, 8, 'ascii');
  h[156] = 0x30; // '0': a regular file
  h.write('ustar\u000000', 257, 8, 'binary');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return h;
}

/** Streams the entries as one ustar archive; a file whose size differs from its entry is an error. */
export async function* tarStream(entries: Iterable<TarEntry> | AsyncIterable<TarEntry>): AsyncGenerator<Uint8Array> {
  for await (const e of entries) {
    yield tarHeader(e.path, e.size);
    const body = e.open();
    let written = 0;
    if (body instanceof Uint8Array) {
      written = body.length;
      yield body;
    } else {
      for await (const chunk of body) {
        const bytes = chunk as Buffer;
        written += bytes.length;
        if (written > e.size) break;
        yield bytes;
      }
    }
    if (written !== e.size) throw new Error(`${e.path} changed while it was archived (${written} bytes, expected ${e.size}).`);
    const pad = (BLOCK - (e.size % BLOCK)) % BLOCK;
    if (pad > 0) yield Buffer.alloc(pad);
  }
  yield Buffer.alloc(BLOCK * 2);
}
