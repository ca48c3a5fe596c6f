import type { Database } from 'better-sqlite3';
import { prepareInsertCheckpoint, signCheckpoint } from './checkpoint.js';
import { appendCheckpoints, type FileCheckpoint } from './checkpoint-file.js';
import { assertChainHolds, AuditChainRefused, fileAnchor, lastDbCheckpoint, type Anchor } from './chain-guard.js';
import { SELECT_HEAD, UPDATE_HEAD, type HeadRow } from './chain-state.js';
import type { JournalEntry } from './journal.js';
import { registerSigningKey, trustedKeys } from './key-history.js';
import { adminFields, hashNumbered, inferenceFields, type NewRecord } from './record.js';
import { recordInserts } from './record-insert.js';
import type { SigningKey } from './signing.js';
import type { AdminAction, InferenceRecord } from './types.js';
import { errorMessage } from '../base/message.js';

export interface UsageLogOptions {
  /** false: appends resolve at once (with seq 0) and nothing is written. */
  enabled?: boolean;
  maxBatch?: number;
  /** How long the first append of a batch waits for others to join it. */
  maxDelayMs?: number;
  /** Without a signer no checkpoints are written (exports then sign only at export time). */
  signer?: SigningKey | null;
  checkpointEvery?: number;
  checkpointMs?: number;
  /**
   * The checkpoint file (checkpoint-file.ts): every checkpoint is appended to it, and no record is
   * appended while the database's chain does not hold its newest checkpoint.
   */
  checkpointFile?: string | null;
  now?: () => number;
}

export interface UsageLogStats {
  transactions: number;
  /** Records this log committed; a journal entry it found already committed (seq 0) is not one. */
  records: number;
  checkpoints: number;
}

export interface UsageLog {
  /** Resolves with the record's seq once its transaction has committed. */
  append(record: InferenceRecord): Promise<number>;
  appendAdmin(action: AdminAction): Promise<number>;
  /** Commits everything queued so far. */
  flush(): Promise<void>;
  /** Flushes, signs a last checkpoint and refuses further appends. Does not close the database. */
  close(): Promise<void>;
  readonly stats: Readonly<UsageLogStats>;
}

/** The log as it runs in one thread, also taking records already validated and timestamped elsewhere. */
export interface UsageLogWriter extends UsageLog {
  /** Like append, for fields built by inferenceFields/adminFields (log-thread.ts gets them from the main thread). */
  appendFields(fields: NewRecord): Promise<number>;
  /**
   * Like appendFields, for journal entries: chain_state.journal_seq moves to the newest entry's
   * number in the same transaction. Resolves with each entry's seq (0: committed before), in order.
   */
  appendJournaled(entries: readonly JournalEntry[]): Promise<number[]>;
  /** Why the chain is refused (see chain-guard.ts), or null when it may be extended. */
  refusal(): string | null;
}

interface Pending {
  fields: NewRecord;
  /** The journal entry's number, for records that came through the journal. */
  j?: number;
  resolve: (seq: number) => void;
  reject: (error: unknown) => void;
}

/** Defaults shared by the in-process log and the worker-thread log. */
export const USAGE_LOG_DEFAULTS = { maxBatch: 256, maxDelayMs: 2, checkpointEvery: 1000, checkpointMs: 60_000 } as const;

/**
 * Group-committing, hash-chained writer: appends queue for up to maxDelayMs (or until maxBatch are
 * waiting), then go to SQLite together in one BEGIN IMMEDIATE transaction.
 */
export function createUsageLog(
  db: Database,
  {
    enabled = true,
    maxBatch = USAGE_LOG_DEFAULTS.maxBatch,
    maxDelayMs = USAGE_LOG_DEFAULTS.maxDelayMs,
    signer = null,
    checkpointEvery = USAGE_LOG_DEFAULTS.checkpointEvery,
    checkpointMs = USAGE_LOG_DEFAULTS.checkpointMs,
    checkpointFile = null,
    now = Date.now,
  }: UsageLogOptions = {},
): UsageLogWriter {
  const stats: UsageLogStats = { transactions: 0, records: 0, checkpoints: 0 };
  if (!enabled) {
    return {
      append: () => Promise.resolve(0),
      appendAdmin: () => Promise.resolve(0),
      appendFields: () => Promise.resolve(0),
      appendJournaled: (entries) => Promise.resolve(entries.map(() => 0)),
      refusal: () => null,
      flush: () => Promise.resolve(),
      close: () => Promise.resolve(),
      stats,
    };
  }

  const selectHead = db.prepare(SELECT_HEAD);
  const updateHead = db.prepare(UPDATE_HEAD);
  const recordRows = recordInserts(db);
  const insertCheckpoint = prepareInsertCheckpoint(db);
  const updateJournalSeq = db.prepare('UPDATE chain_state SET journal_seq = ? WHERE id = 1 AND journal_seq < ?');
  const selectJournalSeq = db.prepare('SELECT journal_seq FROM chain_state WHERE id = 1').pluck();
  const keys = signer ? trustedKeys(db, signer) : new Map();
  /** The newest checkpoint of the file, then of the database: the chain must still hold both. */
  let anchors: (Anchor | null)[] = signer ? [fileAnchor(checkpointFile, keys), lastDbCheckpoint(db, keys)] : [];
  /** Newest seq signed by a trusted key: the next checkpoint comes at most checkpointEvery records after it. */
  let signedSeq = anchors.reduce((max, a) => Math.max(max, a?.seq ?? 0), 0);

  /** Signs record `seq` inside the caller's transaction; null when it is already signed. */
  function checkpointInside(seq: number, hash: string): FileCheckpoint | null {
    if (!signer || seq <= signedSeq) return null;
    const cp = signCheckpoint(signer, seq, hash, now());
    insertCheckpoint.run(cp.seq, cp.hash, cp.time, cp.signature, signer.fingerprint);
    return { ...cp, fingerprint: signer.fingerprint };
  }

  // signedSeq moves only after a commit, so a rolled-back checkpoint is signed again later; the
  // file gets only committed checkpoints, so it never holds one the database lost.
  function noteCheckpoints(signed: readonly FileCheckpoint[]): void {
    if (signed.length === 0) return;
    const last = signed[signed.length - 1];
    signedSeq = last.seq;
    anchors = [last];
    stats.checkpoints += signed.length;
    if (!checkpointFile) return;
    try {
      appendCheckpoints(checkpointFile, signed);
    } catch (error) {
      console.error(`hearth usage log: cannot append to the checkpoint file ${checkpointFile}: ${errorMessage(error)}`);
    }
  }

  /** `written`: the records this transaction added, which leaves out journal entries already in (seq 0). */
  const writeBatch = db.transaction((batch: Pending[]): { seqs: number[]; written: number; signed: FileCheckpoint[] } => {
    // Refuse to chain onto a history that no longer matches what was signed (see chain-guard.ts).
    assertChainHolds(db, anchors);
    // Read the head inside the transaction: exports and pruning also touch chain_state.
    const head = selectHead.get() as HeadRow;
    let seq = head.headSeq;
    let prevHash = head.headHash;
    const seqs: number[] = [];
    // Journal entries are committed once, whoever commits them: one already in is skipped (seq 0).
    const committedJ = batch.some((item) => item.j !== undefined) ? (selectJournalSeq.get() as number) : 0;
    let journaled = 0;
    const signed: FileCheckpoint[] = [];
    let lastSigned = signedSeq;
    const rows = recordRows();
    for (const item of batch) {
      if (item.j !== undefined) {
        if (item.j <= committedJ) {
          seqs.push(0);
          continue;
        }
        if (item.j > journaled) journaled = item.j;
      }
      seq += 1;
      const hash = hashNumbered(prevHash, item.fields, seq);
      rows.add(item.fields, seq, prevHash, hash);
      seqs.push(seq);
      prevHash = hash;
      // Exactly every checkpointEvery records, mid-batch too: the bundle header promises it.
      if (signer && seq - lastSigned >= checkpointEvery) {
        const cp = signCheckpoint(signer, seq, hash, now());
        insertCheckpoint.run(cp.seq, cp.hash, cp.time, cp.signature, signer.fingerprint);
        signed.push({ ...cp, fingerprint: signer.fingerprint });
        lastSigned = seq;
      }
    }
    rows.finish();
    updateHead.run(seq, prevHash);
    if (journaled > 0) updateJournalSeq.run(journaled, journaled);
    return { seqs, written: seq - head.headSeq, signed };
  });

  const checkpointHead = db.transaction((): FileCheckpoint[] => {
    assertChainHolds(db, anchors);
    const head = selectHead.get() as HeadRow;
    const cp = checkpointInside(head.headSeq, head.headHash);
    return cp ? [cp] : [];
  });

  /** Signs the head unless the chain is refused (then there is nothing it may sign). */
  function signHead(): void {
    try {
      noteCheckpoints(checkpointHead.immediate());
    } catch (error) {
      if (!(error instanceof AuditChainRefused)) throw error;
    }
  }

  // A new signing key over an existing log is itself an audit record, committed in the same
  // transaction that adds the key to the history (so old checkpoints keep verifying).
  if (signer) {
    try {
      const signed = db
        .transaction((): FileCheckpoint[] => {
          const change = registerSigningKey(db, signer, now());
          if (!change?.replaces) return [];
          const detail = { from: change.replaces, to: signer.fingerprint };
          const fields = adminFields({ action: 'audit_key_changed', actor: 'system', detail }, now());
          return writeBatch([{ fields, resolve: () => {}, reject: () => {} }]).signed;
        })
        .immediate();
      noteCheckpoints(signed);
    } catch (error) {
      // Refused: the key is not registered either, so the next start tries again.
      if (!(error instanceof AuditChainRefused)) throw error;
    }
  }

  let queue: Pending[] = [];
  let timer: NodeJS.Timeout | null = null;
  let immediate: NodeJS.Immediate | null = null;
  let closed = false;

  function drain(): void {
    if (timer) clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
    timer = null;
    immediate = null;
    while (queue.length > 0) {
      const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
      queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
      let result: ReturnType<typeof writeBatch>;
      try {
        result = writeBatch.immediate(batch);
      } catch (error) {
        for (const item of batch) item.reject(error);
        continue;
      }
      noteCheckpoints(result.signed);
      stats.transactions += 1;
      stats.records += result.written;
      batch.forEach((item, i) => item.resolve(result.seqs[i]));
    }
  }

  function schedule(): void {
    if (queue.length >= maxBatch || maxDelayMs <= 0) {
      if (timer) clearTimeout(timer);
      timer = null;
      immediate ??= setImmediate(drain);
    } else if (!timer && !immediate) {
      timer = setTimeout(drain, maxDelayMs);
    }
  }

  function enqueue(build: () => NewRecord, j?: number): Promise<number> {
    if (closed) return Promise.reject(new Error('the usage log is closed'));
    let fields: NewRecord;
    try {
      fields = build();
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<number>((resolve, reject) => {
      queue.push({ fields, j, resolve, reject });
      schedule();
    });
  }

  const interval = signer
    ? setInterval(() => {
        try {
          signHead();
        } catch {
          // A busy or closing database: the next interval, a full batch or close() will sign.
        }
      }, checkpointMs)
    : null;
  interval?.unref();

  return {
    append: (record) => enqueue(() => inferenceFields(record, now())),
    appendAdmin: (action) => enqueue(() => adminFields(action, now())),
    appendFields: (fields) => enqueue(() => fields),
    appendJournaled: (entries) => {
      if (closed) return Promise.reject(new Error('the usage log is closed'));
      // One promise for them all: the log thread hands over hundreds of entries at a time.
      return new Promise<number[]>((resolve, reject) => {
        const seqs: number[] = new Array<number>(entries.length).fill(0);
        let left = entries.length;
        let failed = false;
        if (left === 0) resolve(seqs);
        entries.forEach((entry, i) => {
          queue.push({
            fields: entry.r,
            j: entry.j,
            resolve: (seq) => {
              seqs[i] = seq;
              if (--left === 0 && !failed) resolve(seqs);
            },
            reject: (error) => {
              if (failed) return;
              failed = true;
              reject(error);
            },
          });
        });
        schedule();
      });
    },
    refusal: () => {
      try {
        db.transaction(() => assertChainHolds(db, anchors))();
        return null;
      } catch (error) {
        if (error instanceof AuditChainRefused) return error.message;
        throw error;
      }
    },
    flush: () => {
      drain();
      return Promise.resolve();
    },
    close: () => {
      if (closed) return Promise.resolve();
      drain();
      closed = true;
      if (interval) clearInterval(interval);
      try {
        if (signer) signHead();
      } catch (error) {
        return Promise.reject(error);
      }
      return Promise.resolve();
    },
    stats,
  };
}
