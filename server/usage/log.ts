import type { Database } from 'better-sqlite3';
import { prepareInsertCheckpoint, lastSignedSeq, signCheckpoint } from './checkpoint.js';
import { SELECT_HEAD, UPDATE_HEAD, type HeadRow } from './chain-state.js';
import { adminFields, hashRecord, inferenceFields, RECORD_COLUMNS, RECORD_FIELD_NAMES, type NewRecord } from './record.js';
import type { SigningKey } from './signing.js';
import type { AdminAction, InferenceRecord, RecordFields } from './types.js';

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
  now?: () => number;
}

export interface UsageLogStats {
  transactions: number;
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
  /** Like appendFields, for a journal entry: chain_state.journal_seq moves to `j` in the same transaction. */
  appendJournaled(j: number, fields: NewRecord): Promise<number>;
}

interface Pending {
  fields: NewRecord;
  /** The journal entry's number, for records that came through the journal. */
  j?: number;
  resolve: (seq: number) => void;
  reject: (error: unknown) => void;
}

// Positional parameters: binding 20 named ones from an object costs about as much as the insert itself.
const INSERT_RECORD = `INSERT INTO records (${Object.values(RECORD_COLUMNS).join(', ')}, prev_hash, hash)
  VALUES (${RECORD_FIELD_NAMES.map(() => '?').join(', ')}, ?, ?)`;

function insertValues(fields: RecordFields, prevHash: string, hash: string): (string | number | null)[] {
  const values: (string | number | null)[] = RECORD_FIELD_NAMES.map((name) => fields[name]);
  values.push(prevHash, hash);
  return values;
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
    now = Date.now,
  }: UsageLogOptions = {},
): UsageLogWriter {
  const stats: UsageLogStats = { transactions: 0, records: 0, checkpoints: 0 };
  if (!enabled) {
    return {
      append: () => Promise.resolve(0),
      appendAdmin: () => Promise.resolve(0),
      appendFields: () => Promise.resolve(0),
      appendJournaled: () => Promise.resolve(0),
      flush: () => Promise.resolve(),
      close: () => Promise.resolve(),
      stats,
    };
  }

  const selectHead = db.prepare(SELECT_HEAD);
  const updateHead = db.prepare(UPDATE_HEAD);
  const insertRecord = db.prepare(INSERT_RECORD);
  const insertCheckpoint = prepareInsertCheckpoint(db);
  const updateJournalSeq = db.prepare('UPDATE chain_state SET journal_seq = ? WHERE id = 1 AND journal_seq < ?');
  const selectJournalSeq = db.prepare('SELECT journal_seq FROM chain_state WHERE id = 1').pluck();
  let signedSeq = signer ? lastSignedSeq(db, signer) : 0;

  /** Signs the head inside the caller's transaction; returns the seq signed, or 0. */
  function checkpointInside(seq: number, hash: string): number {
    if (!signer || seq <= signedSeq) return 0;
    const cp = signCheckpoint(signer, seq, hash, now());
    insertCheckpoint.run(cp.seq, cp.hash, cp.time, cp.signature, signer.fingerprint);
    return seq;
  }

  // signedSeq moves only after a commit, so a rolled-back checkpoint is signed again later.
  function noteCheckpoint(seq: number): void {
    if (seq === 0) return;
    signedSeq = seq;
    stats.checkpoints += 1;
  }

  const writeBatch = db.transaction((batch: Pending[]): { seqs: number[]; signed: number } => {
    // Read the head inside the transaction: exports and pruning also touch chain_state.
    const head = selectHead.get() as HeadRow;
    let seq = head.headSeq;
    let prevHash = head.headHash;
    const seqs: number[] = [];
    // Journal entries are committed once, whoever commits them: one already in is skipped (seq 0).
    const committedJ = batch.some((item) => item.j !== undefined) ? (selectJournalSeq.get() as number) : 0;
    let journaled = 0;
    for (const item of batch) {
      if (item.j !== undefined) {
        if (item.j <= committedJ) {
          seqs.push(0);
          continue;
        }
        if (item.j > journaled) journaled = item.j;
      }
      seq += 1;
      const fields: RecordFields = { ...item.fields, seq };
      const hash = hashRecord(prevHash, fields);
      insertRecord.run(insertValues(fields, prevHash, hash));
      seqs.push(seq);
      prevHash = hash;
    }
    updateHead.run(seq, prevHash);
    if (journaled > 0) updateJournalSeq.run(journaled, journaled);
    const signed = seq - signedSeq >= checkpointEvery ? checkpointInside(seq, prevHash) : 0;
    return { seqs, signed };
  });

  const checkpointHead = db.transaction((): number => {
    const head = selectHead.get() as HeadRow;
    return checkpointInside(head.headSeq, head.headHash);
  });

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
      let result: { seqs: number[]; signed: number };
      try {
        result = writeBatch.immediate(batch);
      } catch (error) {
        for (const item of batch) item.reject(error);
        continue;
      }
      noteCheckpoint(result.signed);
      stats.transactions += 1;
      stats.records += batch.length;
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
          noteCheckpoint(checkpointHead.immediate());
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
    appendJournaled: (j, fields) => enqueue(() => fields, j),
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
        if (signer) noteCheckpoint(checkpointHead.immediate());
      } catch (error) {
        return Promise.reject(error);
      }
      return Promise.resolve();
    },
    stats,
  };
}
