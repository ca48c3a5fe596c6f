import Database, { type Database as DatabaseT } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { BUNDLE_FORMAT, LINE_KEYS, type EndPayload } from './bundle-format.js';
import { canonicalJson } from './canonical.js';
import { ensureCheckpointAt } from './checkpoint.js';
import { appendCheckpoints, type FileCheckpoint } from './checkpoint-file.js';
import { assertChainHolds, fileAnchor, lastDbCheckpoint } from './chain-guard.js';
import { SELECT_HEAD, type HeadRow } from './chain-state.js';
import { keyHistory, trustedKeys } from './key-history.js';
import { USAGE_LOG_DEFAULTS } from './log.js';
import { selectField } from './record.js';
import { signPayload, type SigningKey } from './signing.js';
import type { RecordFields, StoredRecord } from './types.js';

const LINE_EXPRESSIONS: Record<string, string> = { type: "'record' AS type", prevHash: 'prev_hash AS prevHash', hash: 'hash' };

// Columns in the sorted key order of a record line, type included: each row object is then
// already canonical and JSON.stringify writes its line (values are strings, integers or null).
const RECORD_LINE_SELECT = [...LINE_KEYS.record]
  .sort()
  .map((key) => LINE_EXPRESSIONS[key] ?? selectField(key as keyof RecordFields))
  .join(', ');

export interface ExportBundleOptions {
  /** ms epoch, inclusive: the bundle starts at the first record with time >= from. */
  from?: number;
  /** ms epoch, exclusive: it ends at the last record with time < to. */
  to?: number;
  signer: SigningKey;
  /** The interval the log signs at (createUsageLog's checkpointEvery): the header promises it. */
  checkpointEvery?: number;
  /** The checkpoint file: the export refuses a chain that no longer holds its newest checkpoint. */
  checkpointFile?: string | null;
  now?: () => number;
  linesPerChunk?: number;
}

/**
 * Streams an audit bundle (JSON Lines, see README.md) as string chunks. Reads a snapshot through
 * its own read-only connection, so appends keep committing while a large export is consumed.
 */
export async function* exportBundle(
  db: DatabaseT,
  {
    from,
    to,
    signer,
    checkpointEvery = USAGE_LOG_DEFAULTS.checkpointEvery,
    checkpointFile = null,
    now = Date.now,
    linesPerChunk = 1000,
  }: ExportBundleOptions,
): AsyncGenerator<string, void, undefined> {
  if (db.memory) throw new Error('audit export needs a database file (it reads through a second connection)');
  for (const [name, bound] of Object.entries({ from, to })) {
    if (bound !== undefined && !Number.isSafeInteger(bound)) throw new TypeError(`${name} must be a time in whole milliseconds`);
  }
  const range = seqRange(db, from, to);
  const keys = trustedKeys(db, signer);
  // Signed before the snapshot is taken, so the bundle's tail is covered by a stored checkpoint;
  // never over a chain that no longer holds what was signed before (that would vouch for a rewrite).
  const guard = (): void => assertChainHolds(db, [fileAnchor(checkpointFile, keys), lastDbCheckpoint(db, keys)]);
  if (range) {
    const cp = ensureCheckpointAt(db, signer, range.last, now(), guard);
    if (cp && checkpointFile) appendCheckpoints(checkpointFile, [{ ...cp, fingerprint: signer.fingerprint }]);
  } else {
    guard();
  }

  const reader = new Database(db.name, { readonly: true, fileMustExist: true });
  let iterator: IterableIterator<unknown> | null = null;
  try {
    reader.exec('BEGIN');
    const digest = createHash('sha256');
    let chunk: string[] = [];
    const emitLine = (line: string): void => {
      digest.update(line);
      chunk.push(line);
    };
    const emit = (value: Record<string, unknown>): void => emitLine(`${canonicalJson(value)}\n`);
    const take = (): string => {
      const text = chunk.join('');
      chunk = [];
      return text;
    };

    const first = range ? firstRecord(reader, range.first, range.last) : null;
    const prevHash = first?.prevHash ?? (reader.prepare(SELECT_HEAD).get() as HeadRow).headHash;
    const fingerprints = [...keys.keys()];
    const checkpoints = range
      ? (reader
          .prepare(
            `SELECT seq, hash, time, signature, key_fingerprint AS fingerprint FROM checkpoints
             WHERE seq BETWEEN ? AND ? AND key_fingerprint IN (${fingerprints.map(() => '?').join(', ')}) ORDER BY seq, id`,
          )
          .all(range.first, range.last, ...fingerprints) as FileCheckpoint[])
      : [];
    // Earlier keys whose checkpoints are in the bundle, so those still verify after a key change.
    const used = new Set(checkpoints.map((c) => c.fingerprint));
    const earlier = keyHistory(reader)
      .filter((k) => k.fingerprint !== signer.fingerprint && used.has(k.fingerprint))
      .map((k) => ({ fingerprint: k.fingerprint, publicKey: k.publicKeyPem }));
    const checkpointsFrom = reader.prepare('SELECT interval_from FROM chain_state WHERE id = 1').pluck().get() as number;
    emit({
      type: 'header',
      format: BUNDLE_FORMAT,
      publicKey: signer.publicKeyPem,
      fingerprint: signer.fingerprint,
      from: from ?? null,
      to: to ?? null,
      prevHash,
      checkpointEvery,
      checkpointsFrom,
      keys: earlier,
    });
    let nextCheckpoint = 0;
    let count = 0;
    let firstSeq: number | null = null;
    let lastSeq: number | null = null;
    let lastHash = prevHash;

    if (range) {
      iterator = reader
        .prepare(`SELECT ${RECORD_LINE_SELECT} FROM records WHERE seq BETWEEN ? AND ? ORDER BY seq`)
        .iterate(range.first, range.last);
      for (const row of iterator) {
        const record = row as StoredRecord;
        emitLine(`${JSON.stringify(record)}\n`);
        count += 1;
        firstSeq ??= record.seq;
        lastSeq = record.seq;
        lastHash = record.hash;
        // A checkpoint follows the record it signs; one whose record is gone still shows up, so
        // the verifier reports the hole instead of the export hiding it.
        while (nextCheckpoint < checkpoints.length && checkpoints[nextCheckpoint].seq <= record.seq) {
          emit({ type: 'checkpoint', ...checkpoints[nextCheckpoint] });
          nextCheckpoint += 1;
        }
        if (chunk.length >= linesPerChunk) yield take();
      }
      iterator = null;
      // Checkpoints past the last record left: records were deleted from the tail.
      for (const cp of checkpoints.slice(nextCheckpoint)) emit({ type: 'checkpoint', ...cp });
    }

    const end: EndPayload = {
      type: 'end',
      count,
      firstSeq,
      lastSeq,
      lastHash,
      exportedAt: now(),
      digest: digest.digest('hex'),
    };
    chunk.push(`${canonicalJson({ ...end, signature: signPayload(signer, { ...end }) })}\n`);
    yield take();
  } finally {
    iterator?.return?.();
    if (reader.inTransaction) reader.exec('ROLLBACK');
    reader.close();
  }
}

interface SeqRange {
  first: number;
  last: number;
}

function seqRange(db: DatabaseT, from: number | undefined, to: number | undefined): SeqRange | null {
  const first =
    from === undefined
      ? (db.prepare('SELECT MIN(seq) AS seq FROM records').get() as { seq: number | null }).seq
      : (db.prepare('SELECT MIN(seq) AS seq FROM records WHERE time >= ?').get(from) as { seq: number | null }).seq;
  const last =
    to === undefined
      ? (db.prepare(SELECT_HEAD).get() as HeadRow).headSeq
      : (db.prepare('SELECT MAX(seq) AS seq FROM records WHERE time < ?').get(to) as { seq: number | null }).seq;
  if (first === null || last === null || last < first) return null;
  return { first, last };
}

function firstRecord(reader: DatabaseT, first: number, last: number): { prevHash: string } | null {
  const row = reader
    .prepare('SELECT prev_hash AS prevHash FROM records WHERE seq BETWEEN ? AND ? ORDER BY seq LIMIT 1')
    .get(first, last) as { prevHash: string } | undefined;
  return row ?? null;
}
