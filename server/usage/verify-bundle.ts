import { createPublicKey, createHash, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { BUNDLE_FORMAT, BUNDLE_FORMAT_1, LINE_KEYS, LINE_KEYS_1, type LineType } from './bundle-format.js';
import { checkKeys, isHash, isInt, isNullableInt, isSignature, parseLine, recordShapeProblem } from './bundle-lines.js';
import { checkpointPayload } from './checkpoint.js';
import { splitLines, type RawLine } from './lines.js';
import { hashRecord } from './record.js';
import { fingerprint, normalizeFingerprint, publicKeyPem, verifyPayload } from './signing.js';
import type { RecordFields } from './types.js';

export interface VerifyOptions {
  /** Pin the signer: the bundle must be signed by this public key (PEM). */
  publicKeyPem?: string;
  /** Pin the signer by fingerprint (SHA-256 of the raw public key, hex). */
  fingerprint?: string;
  /** Report the hash of the record with this seq (`hashAt`), for `--extends`. */
  captureSeq?: number;
}

export interface VerifiedBundle {
  ok: true;
  format: string;
  count: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** Hash of the last record (the header's prevHash when there is none). */
  lastHash: string;
  /** Earliest and latest record time (ms), null without records. */
  firstTime: number | null;
  lastTime: number | null;
  exportedAt: number;
  fingerprint: string;
  /** false: the key in the bundle was trusted as is; anyone could have re-signed the history. */
  pinned: boolean;
  /** Format 2: the promised checkpoint interval and the seq after which it holds; null in format 1. */
  checkpointEvery: number | null;
  checkpointsFrom: number | null;
  /** Earlier keys (from the signed key history) whose checkpoints were verified. */
  earlierKeys: string[];
  /** Key changes recorded in the chain (admin action audit_key_changed). */
  keyChanges: { seq: number; from: string; to: string }[];
  /** The hash of record `captureSeq`, when the bundle holds it. */
  hashAt?: string;
}

export type VerifyResult =
  | VerifiedBundle
  | { ok: false; line: number; seq?: number; reason: string };

type Failure = Extract<VerifyResult, { ok: false }>;

/** Verifies a bundle held in memory (its text or bytes). */
export function verifyBundle(bundle: string | Uint8Array, options: VerifyOptions = {}): Promise<VerifyResult> {
  return verifyBundleStream([bundle], options);
}

/** Verifies a bundle file, streaming: memory stays flat whatever its size. */
export function verifyBundleFile(path: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  return verifyBundleStream(createReadStream(path), options);
}

export async function verifyBundleStream(
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const verifier = new Verifier(options);
  let lineNo = 0;
  for await (const raw of splitLines(chunks)) {
    lineNo += 1;
    const failure = verifier.line(raw, lineNo);
    if (failure) return failure;
  }
  return verifier.finish(lineNo);
}

class Verifier {
  private readonly digest = createHash('sha256');
  private publicKey: KeyObject | null = null;
  /** Keys a checkpoint may be signed by: the header's and the earlier ones it lists. */
  private readonly keys = new Map<string, KeyObject>();
  private readonly usedEarlier = new Set<string>();
  private format = BUNDLE_FORMAT;
  private checkpointEvery: number | null = null;
  private checkpointsFrom = 0;
  /** Records since the last checkpoint (or the bundle's start) that the interval rule counts. */
  private sinceCheckpoint = 0;
  private firstTime: number | null = null;
  private lastTime: number | null = null;
  private exportedAt = 0;
  private readonly keyChanges: VerifiedBundle['keyChanges'] = [];
  private hashAt: string | undefined;
  private keyFingerprint = '';
  private pinned = false;
  private chainHash = '';
  private count = 0;
  private firstSeq: number | null = null;
  private lastSeq: number | null = null;
  private lastType: LineType | null = null;
  private ended = false;

  constructor(private readonly options: VerifyOptions) {}

  line(raw: RawLine, line: number): Failure | null {
    const fail = (reason: string, seq?: number): Failure =>
      seq === undefined ? { ok: false, line, reason } : { ok: false, line, seq, reason };
    if (this.ended) return fail('unexpected data after the end line');
    if (!raw.terminated) return fail('the last line is incomplete: the bundle is truncated');

    const parsed = parseLine(raw.bytes);
    if (typeof parsed === 'string') return fail(parsed);
    const type = parsed.type;
    if (typeof type !== 'string' || !(type in LINE_KEYS)) return fail('unknown line type');
    // The header says which format the other lines follow.
    const lineKeys = (type === 'header' ? parsed.format : this.format) === BUNDLE_FORMAT_1 ? LINE_KEYS_1 : LINE_KEYS;
    const keysProblem = checkKeys(parsed, lineKeys[type as LineType]);
    if (keysProblem) return fail(`${type} line: ${keysProblem}`);

    if (this.lastType === null && type !== 'header') return fail('the bundle must start with its header line');
    let failure: Failure | null;
    switch (type as LineType) {
      case 'header':
        failure = this.lastType === null ? this.header(parsed, fail) : fail('a second header line');
        break;
      case 'record':
        failure = this.record(parsed, fail);
        break;
      case 'checkpoint':
        failure = this.checkpoint(parsed, fail);
        break;
      case 'end':
        failure = this.end(parsed, fail);
        this.ended = true;
        break;
    }
    if (failure) return failure;
    this.lastType = type as LineType;
    this.digest.update(raw.bytes).update('\n');
    return null;
  }

  finish(lines: number): VerifyResult {
    if (!this.ended) {
      const after = this.lastSeq === null ? '' : ` after record seq ${this.lastSeq}`;
      return {
        ok: false,
        line: lines + 1,
        reason: `the bundle is truncated${after}: it has no signed end line`,
      };
    }
    const result: VerifiedBundle = {
      ok: true,
      format: this.format,
      count: this.count,
      firstSeq: this.firstSeq,
      lastSeq: this.lastSeq,
      lastHash: this.chainHash,
      firstTime: this.firstTime,
      lastTime: this.lastTime,
      exportedAt: this.exportedAt,
      fingerprint: this.keyFingerprint,
      pinned: this.pinned,
      checkpointEvery: this.checkpointEvery,
      checkpointsFrom: this.checkpointEvery === null ? null : this.checkpointsFrom,
      earlierKeys: [...this.usedEarlier],
      keyChanges: this.keyChanges,
    };
    if (this.hashAt !== undefined) result.hashAt = this.hashAt;
    return result;
  }

  private header(h: Record<string, unknown>, fail: (reason: string) => Failure): Failure | null {
    if (h.format !== BUNDLE_FORMAT && h.format !== BUNDLE_FORMAT_1) {
      return fail(`unsupported format (expected "${BUNDLE_FORMAT}" or "${BUNDLE_FORMAT_1}")`);
    }
    this.format = h.format;
    if (!isNullableInt(h.from) || !isNullableInt(h.to)) return fail('header: from and to must be integers or null');
    if (!isHash(h.prevHash)) return fail('header: prevHash must be 64 lowercase hex digits');
    if (typeof h.publicKey !== 'string' || typeof h.fingerprint !== 'string') {
      return fail('header: publicKey and fingerprint must be strings');
    }
    let key: KeyObject;
    try {
      key = createPublicKey(h.publicKey);
      // Canonical PEM only: two spellings of one key would leave bytes the signature doesn't pin.
      if (publicKeyPem(key) !== h.publicKey) return fail('header: publicKey is not in canonical PEM form');
      this.keyFingerprint = fingerprint(key);
    } catch {
      return fail('header: publicKey is not an Ed25519 public key in PEM form');
    }
    if (h.fingerprint !== this.keyFingerprint) return fail('header: fingerprint does not match publicKey');

    const pins: string[] = [];
    try {
      if (this.options.publicKeyPem !== undefined) pins.push(fingerprint(this.options.publicKeyPem));
    } catch (error) {
      return fail(`the pinned public key is unusable: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (this.options.fingerprint !== undefined) pins.push(normalizeFingerprint(this.options.fingerprint));
    for (const pin of pins) {
      if (pin !== this.keyFingerprint) {
        return fail(`signed by key ${this.keyFingerprint}, not by the pinned key ${pin}`);
      }
    }
    this.pinned = pins.length > 0;
    this.publicKey = key;
    this.keys.set(this.keyFingerprint, key);
    this.chainHash = h.prevHash;
    return this.format === BUNDLE_FORMAT ? this.headerV2(h, fail) : null;
  }

  /** Format 2: the checkpoint interval and the earlier keys. */
  private headerV2(h: Record<string, unknown>, fail: (reason: string) => Failure): Failure | null {
    if (!isInt(h.checkpointEvery) || h.checkpointEvery < 1) return fail('header: checkpointEvery must be a positive integer');
    if (!isInt(h.checkpointsFrom) || h.checkpointsFrom < 0) return fail('header: checkpointsFrom must be a non-negative integer');
    this.checkpointEvery = h.checkpointEvery;
    this.checkpointsFrom = h.checkpointsFrom;
    if (!Array.isArray(h.keys)) return fail('header: keys must be a list');
    for (const entry of h.keys as unknown[]) {
      const k = entry as Record<string, unknown>;
      if (typeof k !== 'object' || k === null || checkKeys(k, ['fingerprint', 'publicKey']) !== null) {
        return fail('header: each earlier key is {"fingerprint","publicKey"}');
      }
      try {
        if (typeof k.publicKey !== 'string') throw new Error('not a string');
        const earlier = createPublicKey(k.publicKey);
        if (publicKeyPem(earlier) !== k.publicKey || fingerprint(earlier) !== k.fingerprint) throw new Error('mismatch');
        this.keys.set(k.fingerprint, earlier);
      } catch {
        return fail('header: an earlier key is not a canonical Ed25519 PEM matching its fingerprint');
      }
    }
    return null;
  }

  private record(r: Record<string, unknown>, fail: (reason: string, seq?: number) => Failure): Failure | null {
    const shape = recordShapeProblem(r);
    if (shape) return fail(`record: ${shape}`, typeof r.seq === 'number' ? r.seq : undefined);
    const { type: _type, prevHash, hash, ...rest } = r;
    const fields = rest as unknown as RecordFields;
    const seq = fields.seq;
    if (this.lastSeq !== null && seq !== this.lastSeq + 1) {
      const expected = this.lastSeq + 1;
      return seq <= this.lastSeq
        ? fail(`record seq ${seq} comes again after seq ${this.lastSeq} (record inserted, duplicated or moved)`, seq)
        : fail(`record seq ${expected} is missing: seq ${seq} follows seq ${this.lastSeq} (record deleted or moved)`, expected);
    }
    if (prevHash !== this.chainHash) {
      const before = this.lastSeq === null ? "the header's prevHash" : `the hash of record seq ${this.lastSeq}`;
      return fail(`prevHash does not match ${before} (the chain is broken here)`, seq);
    }
    if (hashRecord(this.chainHash, fields) !== hash) {
      return fail('hash does not match the record: its contents were changed', seq);
    }
    // The header promises a checkpoint at least every N records: a longer run means checkpoints
    // were removed, as they must be to rewrite a signed record and recompute the chain after it.
    if (this.checkpointEvery !== null && seq > this.checkpointsFrom) {
      this.sinceCheckpoint += 1;
      if (this.sinceCheckpoint > this.checkpointEvery) {
        return fail(
          `no checkpoint for more than ${this.checkpointEvery} records (the header promises one at least every ${this.checkpointEvery}): checkpoints were removed and the records before seq ${seq} may have been rewritten`,
          seq,
        );
      }
    }
    this.chainHash = hash as string;
    this.count += 1;
    this.firstSeq ??= seq;
    this.lastSeq = seq;
    if (seq === this.options.captureSeq) this.hashAt = hash as string;
    this.firstTime = this.firstTime === null ? fields.time : Math.min(this.firstTime, fields.time);
    this.lastTime = this.lastTime === null ? fields.time : Math.max(this.lastTime, fields.time);
    if (fields.kind === 'admin' && fields.action === 'audit_key_changed') this.noteKeyChange(seq, fields.detail);
    return null;
  }

  private noteKeyChange(seq: number, detail: string | null): void {
    try {
      const d = JSON.parse(detail ?? 'null') as { from?: unknown; to?: unknown } | null;
      if (d && typeof d.from === 'string' && typeof d.to === 'string') this.keyChanges.push({ seq, from: d.from, to: d.to });
    } catch {
      // A detail that is not JSON is reported as nothing; the record itself verified.
    }
  }

  private checkpoint(c: Record<string, unknown>, fail: (reason: string, seq?: number) => Failure): Failure | null {
    if (!isInt(c.seq) || !isHash(c.hash) || !isInt(c.time) || !isSignature(c.signature)) {
      return fail('checkpoint: seq, hash, time or signature is malformed');
    }
    if (c.seq !== this.lastSeq) {
      const where = this.lastSeq === null ? 'no record' : `record seq ${this.lastSeq}`;
      return fail(`checkpoint for seq ${c.seq} follows ${where}: records are missing or moved`, c.seq);
    }
    if (c.hash !== this.chainHash) {
      return fail(`record seq ${c.seq} differs from what was signed at checkpoint time (history rewritten)`, c.seq);
    }
    let key = this.publicKey;
    if (this.format === BUNDLE_FORMAT) {
      key = typeof c.fingerprint === 'string' ? (this.keys.get(c.fingerprint) ?? null) : null;
      if (!key) return fail(`checkpoint for seq ${c.seq} is signed by a key the header does not list`, c.seq);
    }
    if (!this.verifySignature(checkpointPayload(c.seq, c.hash, c.time), c.signature, key)) {
      return fail(`checkpoint signature for seq ${c.seq} is invalid`, c.seq);
    }
    if (key !== this.publicKey) this.usedEarlier.add(c.fingerprint as string);
    this.sinceCheckpoint = 0;
    return null;
  }

  private end(e: Record<string, unknown>, fail: (reason: string, seq?: number) => Failure): Failure | null {
    const { signature, ...payload } = e;
    if (!isSignature(signature)) return fail('end: signature is malformed');
    if (e.count !== this.count) return fail(`end: count says ${String(e.count)} records, the bundle holds ${this.count}`);
    if (e.firstSeq !== this.firstSeq || e.lastSeq !== this.lastSeq) {
      return fail(`end: the signed range ${String(e.firstSeq)}..${String(e.lastSeq)} differs from the records ${this.firstSeq}..${this.lastSeq}`);
    }
    if (e.lastHash !== this.chainHash) return fail('end: lastHash does not match the last record', this.lastSeq ?? undefined);
    if (this.count > 0 && this.lastType !== 'checkpoint') {
      return fail(`end: the last record (seq ${this.lastSeq}) is not covered by a checkpoint`, this.lastSeq ?? undefined);
    }
    if (!isInt(e.exportedAt)) return fail('end: exportedAt must be an integer');
    if (e.digest !== this.digest.copy().digest('hex')) {
      return fail('end: digest does not match the bundle: a line before it was changed');
    }
    if (!this.verifySignature(payload, signature)) return fail('end: signature is invalid');
    this.exportedAt = e.exportedAt;
    return null;
  }

  private verifySignature(payload: Record<string, unknown>, signature: string, key = this.publicKey): boolean {
    if (!key) return false;
    try {
      return verifyPayload(key, payload, signature);
    } catch {
      return false;
    }
  }
}
