/**
 * Runs the registry writes that add or remove model files one at a time, in the order they ask.
 * A delete decides which files no version uses and then unlinks them; an upload of the same bytes
 * under another model commits the file and then its row. Interleaved, the upload's version can be
 * left without its file; in turn, never. Only these writes take it: inference never waits on it.
 */
export class WriteLock {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  /** How many writes wait for the one running (for tests and diagnostics). */
  get queued(): number {
    return this.waiting;
  }

  run<T>(write: () => Promise<T>): Promise<T> {
    const before = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => { release = resolve; });
    this.waiting += 1;
    return before.then(async () => {
      this.waiting -= 1;
      try {
        return await write();
      } finally {
        release();
      }
    });
  }
}
