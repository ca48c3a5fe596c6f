import { createHash } from 'node:crypto';
import type { Tensor } from '../protocol/tensor.js';
import type { VersionStats } from './stats.js';

/** A byte-bounded LRU of inference results, keyed by model, version and a hash of the inputs. */
export class ResponseCache {
  private readonly entries = new Map<string, { outputs: Tensor[]; bytes: number }>();
  private bytes = 0;

  constructor(readonly maxBytes = 64 * 1024 * 1024) {}

  static key(model: string, version: number, inputs: Tensor[], outputs: string[]): string {
    const h = createHash('sha256');
    h.update(`${model}\0${version}\0${outputs.join(',')}\0`);
    for (const t of [...inputs].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      h.update(`${t.name}\0${t.datatype}\0${t.shape.join('x')}\0`);
      if (Array.isArray(t.data)) for (const s of t.data) h.update(`${s.length}:${s}`);
      else h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
    return h.digest('base64');
  }

  /** A request's cached outputs, if any, and its key for storing them; counted as a hit or miss with its time. */
  lookup(model: string, version: number, inputs: Tensor[], stats: Pick<VersionStats, 'add'>): { key: string; hit?: Tensor[] } {
    const started = process.hrtime.bigint();
    const key = ResponseCache.key(model, version, inputs, []);
    const hit = this.get(key);
    stats.add(hit ? 'cache_hit' : 'cache_miss', Number(process.hrtime.bigint() - started));
    return { key, hit };
  }

  get(key: string): Tensor[] | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.outputs;
  }

  /**
   * Keeps `outputs`. A batched execution's outputs are views into the whole batch's buffer; kept
   * as they are, they would hold every other caller's rows too, so views get a buffer of their own
   * and the budget counts what is really retained.
   */
  set(key: string, outputs: Tensor[]): void {
    const bytes = outputs.reduce((n, t) => n + sizeOf(t), key.length);
    if (bytes > this.maxBytes) return;
    outputs = outputs.map(own);
    const old = this.entries.get(key);
    if (old) { this.bytes -= old.bytes; this.entries.delete(key); }
    this.entries.set(key, { outputs, bytes });
    this.bytes += bytes;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= e.bytes;
    }
  }

  get size(): { entries: number; bytes: number } { return { entries: this.entries.size, bytes: this.bytes }; }

  /** Bytes of the buffers the cache keeps alive, whoever else holds them: what the budget is about. */
  retainedBytes(): number {
    const buffers = new Set<ArrayBufferLike>();
    let strings = 0;
    for (const e of this.entries.values()) {
      for (const t of e.outputs) {
        if (Array.isArray(t.data)) strings += t.data.reduce((n, s) => n + s.length + 4, 0);
        else buffers.add(t.data.buffer);
      }
    }
    let total = strings;
    for (const b of buffers) total += b.byteLength;
    return total;
  }
}

/** The tensor with storage of its own: a view into a larger buffer is copied. */
function own(t: Tensor): Tensor {
  const d = t.data;
  if (Array.isArray(d) || (d.byteOffset === 0 && d.byteLength === d.buffer.byteLength)) return t;
  return { ...t, data: d.slice() };
}

/** Bytes of `t`'s elements (a tensor from own() retains exactly these). */
function sizeOf(t: Tensor): number {
  return Array.isArray(t.data) ? t.data.reduce((n, s) => n + s.length + 4, 0) : t.data.byteLength;
}
