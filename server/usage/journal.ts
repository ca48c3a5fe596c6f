import Database from 'better-sqlite3';
import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { adminFields, RECORD_FIELD_NAMES, type NewRecord } from './record.js';
import { errorMessage } from '../base/message.js';

/**
 * One journaled usage record: `j` numbers the journal's entries (never reused: the database keeps
 * the last one committed in chain_state.journal_seq), `r` is the record as validated on the main thread.
 */
export interface JournalEntry {
  j: number;
  r: NewRecord;
  /**
   * Set when the line parsed but its record could not be committed as written (see
   * journaledRecordProblem): `r` is then the admin record that takes its place, and this says why.
   */
  refused?: string;
}

export interface JournalOptions {
  /** fdatasync after every write: the record then survives a power loss, not only the process being killed. */
  fsync?: boolean;
  /** Once every entry is committed, the file is emptied when it has grown past this many bytes. */
  truncateAtBytes?: number;
  /**
   * Past this many bytes (default 64 MiB), new lines, and the responses waiting for them, are held
   * until the log thread has committed everything the file holds, which is then emptied: under
   * steady load something is always journaled and not yet committed, so the file never emptied
   * itself and grew by 1.6 MB/s at 64 connections (65 MB in 40 s). A hold lasts a few milliseconds.
   */
  holdAtBytes?: number;
  /** The longest a hold lasts (default 250 ms): a log thread that cannot commit must not stop responses. After one that ran out, none for a minute. */
  holdMaxMs?: number;
  /** Called when a hold starts: the log thread should be sent what it has not been sent yet, now. */
  onHold?: () => void;
  /** Called when the file was emptied: byte ranges reported before it are gone (and all committed). */
  onEmptied?: () => void;
}

/** After a hold that ran out (the log thread could not commit in time), the file may grow this long before the next. */
const HOLD_AGAIN_AFTER_MS = 60_000;

/**
 * The fields of a journal line after its entry number, in this order: the record without `seq`
 * (the log thread numbers records). A field added to records later goes at the end, and lines of
 * the shorter length written before it must still be read.
 */
const LINE_FIELDS = RECORD_FIELD_NAMES.filter((name) => name !== 'seq') as (keyof NewRecord)[];

/**
 * An entry as one line of JSON: `[j, kind, time, requestId, …]` in LINE_FIELDS order. Positional
 * rather than an object with names: 128 bytes instead of 298 for an inference record, and written
 * by JSON.stringify as one array (values exactly as before: the record's validated strings,
 * integers and nulls). Measured with 25 records a turn, joined and copied into a Buffer as the
 * journal writes them: 0.94 µs a record, against 2.0 µs for the object and 1.9 µs for a line built
 * by concatenating the values one by one.
 */
export function journalLine(j: number, r: NewRecord): string {
  const values: unknown[] = [j];
  for (const name of LINE_FIELDS) values.push(r[name]);
  return `${JSON.stringify(values)}\n`;
}

/** Record fields the records table (STRICT) holds as INTEGER; the others are TEXT. `time` may not be null. */
const INTEGER_FIELDS: ReadonlySet<string> = new Set(['time', 'version', 'status', 'latencyUs', 'batchSize', 'bytesIn', 'bytesOut']);

/**
 * Why a journaled record cannot be committed as it stands, or undefined. The main thread journals
 * only records it validated, so a line that fails this was written by something else (an edited
 * file). The records table would refuse it at every try, and with it every record after it.
 */
export function journaledRecordProblem(r: Readonly<Record<string, unknown>>): string | undefined {
  if (r.kind !== 'inference' && r.kind !== 'admin') return 'kind is neither "inference" nor "admin"';
  for (const name of LINE_FIELDS) {
    const value = r[name];
    if (INTEGER_FIELDS.has(name)) {
      if (value === null && name !== 'time') continue;
      if (!Number.isSafeInteger(value)) return `${name} is not an integer`;
    } else if (value !== null && typeof value !== 'string') {
      return `${name} is neither text nor null`;
    }
  }
  return undefined;
}

/** The journal's only invented record: an admin record, in the chain, saying which line could not be committed and holding its text. */
const REFUSED_LINE_CHARS = 1000;

function refusedEntry(j: number, line: string, problem: string): JournalEntry {
  const detail = { entry: j, line: line.length > REFUSED_LINE_CHARS ? `${line.slice(0, REFUSED_LINE_CHARS)}…` : line };
  const r = adminFields({ action: 'usage_journal_entry_refused', actor: 'system', reason: problem, detail }, Date.now());
  return { j, r, refused: problem };
}

/**
 * A parsed line as an entry: a positional line, or `{"j":…,"r":{…}}` as versions before it wrote.
 * A field an object line leaves out reads as null, as the database would store it.
 */
function entryOf(value: unknown, line: string): JournalEntry | undefined {
  let j: number;
  const r: Record<string, unknown> = {};
  if (Array.isArray(value)) {
    if (value.length !== LINE_FIELDS.length + 1 || !Number.isSafeInteger(value[0])) return undefined;
    j = value[0] as number;
    for (let i = 0; i < LINE_FIELDS.length; i++) r[LINE_FIELDS[i]] = value[i + 1];
  } else {
    if (typeof value !== 'object' || value === null) return undefined;
    const e = value as { j?: unknown; r?: unknown };
    if (!Number.isSafeInteger(e.j) || typeof e.r !== 'object' || e.r === null) return undefined;
    j = e.j as number;
    for (const name of LINE_FIELDS) r[name] = (e.r as Record<string, unknown>)[name] ?? null;
  }
  const problem = journaledRecordProblem(r);
  return problem === undefined ? { j, r: r as unknown as NewRecord } : refusedEntry(j, line, problem);
}

/**
 * The entries of a journal file numbered above `after`, in order. A line that does not parse is a
 * write torn by a power loss (only the last can be): it was never acknowledged, so it is skipped.
 */
export function readJournal(file: string, after = 0): JournalEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return parseJournal(text, after);
}

/** The entries numbered above `after` in bytes [start, end) of an open journal file (see UsageJournal's onWritten). */
export function readJournalRange(fd: number, start: number, end: number, after: number): JournalEntry[] {
  const buffer = Buffer.allocUnsafe(end - start);
  let read = 0;
  while (read < buffer.length) {
    const n = readSync(fd, buffer, read, buffer.length - read, start + read);
    if (n === 0) break;
    read += n;
  }
  return parseJournal(buffer.toString('utf8', 0, read), after);
}

/**
 * The entries numbered above `after` in journal text (whole lines), in order; unparseable lines
 * skipped (torn writes), lines whose record cannot be committed replaced by a refusal (see entryOf).
 */
export function parseJournal(text: string, after = 0): JournalEntry[] {
  const entries: JournalEntry[] = [];
  let last = after;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    const entry = entryOf(value, line);
    // Entries are written in order; anything not above the last one is a duplicate.
    if (entry !== undefined && entry.j > last) {
      entries.push(entry);
      last = entry.j;
    }
  }
  return entries;
}

function endsWithNewline(fd: number, size: number): boolean {
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  return last[0] === 0x0a;
}

/**
 * The usage log's write-ahead journal, owned by the main thread. A record is appended with one
 * write() (all the records of one event-loop turn together) before its response is sent: the page
 * cache outlives a killed process, so an answered request always has its record. Hashing,
 * chaining, signing and the SQLite commit happen afterwards in the log thread, which reads back
 * what it had not committed when it starts (see log-thread.ts).
 */
export class UsageJournal {
  private readonly fd: number;
  private bytes: number;
  private lines: string[] = [];
  private callbacks: ((error: Error | null) => void)[] = [];
  private immediate: NodeJS.Immediate | null = null;
  private closed = false;
  /** Number of the newest entry handed to append(). */
  private last: number;
  /** Number of the newest entry the database has committed. */
  private committed: number;
  /** Number of the newest entry written to the file. */
  private written: number;
  /** Set while new lines are held for the file to be emptied (see JournalOptions.holdAtBytes). */
  private hold: NodeJS.Timeout | null = null;
  private holdAgainAt = 0;

  constructor(
    readonly file: string,
    /** The database's journal_seq: numbering continues above it and above what the file holds. */
    committedInDb: number,
    /**
     * Called after each write with the byte range it filled, [start, end) (whole lines): the log
     * thread reads the range from the file itself, so the text never crosses threads.
     */
    private readonly onWritten: (start: number, end: number) => void,
    private readonly options: JournalOptions = {},
  ) {
    const pending = readJournal(file, committedInDb);
    this.last = Math.max(committedInDb, pending.at(-1)?.j ?? 0);
    this.written = this.last;
    this.committed = committedInDb;
    this.fd = openSync(file, 'a+', 0o600);
    this.bytes = fstatSync(this.fd).size;
    // A write torn by a power cut leaves a line without its end: the next entry starts on its own line.
    if (this.bytes > 0 && !endsWithNewline(this.fd, this.bytes)) {
      writeSync(this.fd, '\n');
      this.bytes += 1;
    }
  }

  /**
   * Numbers a record and schedules its write; `done` runs once it is written (or could not be).
   * `now`: write at once instead of at the end of the turn (a request alone gains nothing by waiting).
   */
  append(record: NewRecord, done: (error: Error | null) => void, now = false): number {
    if (this.closed) {
      done(new Error('the usage log is closed'));
      return 0;
    }
    const j = ++this.last;
    this.lines.push(journalLine(j, record));
    this.callbacks.push(done);
    if (now) this.write();
    else this.immediate ??= setImmediate(() => this.write());
    return j;
  }

  /** Writes what this turn appended: one write() (and fdatasync when asked), then the callbacks. */
  write(): void {
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = null;
    if (this.lines.length === 0 || this.hold !== null) return;
    const text = this.lines.length === 1 ? this.lines[0] : this.lines.join('');
    const callbacks = this.callbacks;
    this.lines = [];
    this.callbacks = [];
    let error: Error | null = null;
    const start = this.bytes;
    try {
      const buffer = Buffer.from(text, 'utf8');
      let offset = 0;
      while (offset < buffer.length) offset += writeSync(this.fd, buffer, offset);
      if (this.options.fsync) fdatasyncSync(this.fd);
      this.bytes += buffer.length;
    } catch (e) {
      error = new Error(`the usage journal could not be written (${errorMessage(e)}); the request's record is not safe`);
    }
    if (!error) this.written = this.last;
    for (const cb of callbacks) cb(error);
    if (!error) this.onWritten(start, this.bytes);
    if (!error && this.bytes > (this.options.holdAtBytes ?? 64 * 1024 * 1024) && this.committed < this.written && Date.now() >= this.holdAgainAt) {
      this.hold = setTimeout(() => this.release(false), this.options.holdMaxMs ?? 250);
      this.options.onHold?.();
    }
  }

  /** Ends a hold: writes what waited; `emptied` false when it ran out before the log thread caught up. */
  private release(emptied: boolean): void {
    if (this.hold === null) return;
    clearTimeout(this.hold);
    this.hold = null;
    if (!emptied) this.holdAgainAt = Date.now() + HOLD_AGAIN_AFTER_MS;
    this.write();
  }

  /**
   * The log thread committed every entry up to `j`. Once everything written is, the file is emptied
   * when it is large (lines not written yet go to the emptied file), and a hold ends.
   */
  noteCommitted(j: number): void {
    if (j > this.committed) this.committed = j;
    if (this.committed < this.written) return;
    if (this.bytes > (this.options.truncateAtBytes ?? 4 * 1024 * 1024) || this.hold !== null) {
      try {
        ftruncateSync(this.fd, 0);
        this.bytes = 0;
        this.options.onEmptied?.();
      } catch {
        // Left as it is: the file is read from the database's journal_seq on, whatever its size.
      }
    }
    this.release(true);
  }

  get lastNumber(): number { return this.last; }
  /** Number of the newest entry written to the file. */
  get writtenNumber(): number { return this.written; }
  get committedNumber(): number { return this.committed; }

  close(): void {
    if (this.closed) return;
    // A hold ends with the journal: what waited is written now (release writes; write alone when none).
    this.release(true);
    this.write();
    this.closed = true;
    closeSync(this.fd);
  }
}

/** The last journal entry the database in `file` has committed (chain_state.journal_seq). */
export function committedJournalSeq(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT journal_seq FROM chain_state WHERE id = 1').pluck().get() as number | undefined) ?? 0;
  } finally {
    db.close();
  }
}
