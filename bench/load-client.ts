import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadMessage, LoadReply, LoadResult, LoadSpec } from './load-messages.js';

/** The bench's handle on the load generator process: one run at a time. */
export class LoadGenerator {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: LoadResult) => void; reject: (e: Error) => void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: LoadReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.result) p.resolve(reply.result);
      else p.reject(new Error(`load generator: ${reply.error ?? 'no result'}`));
    });
    child.on('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`the load generator exited (${code})`));
      this.pending.clear();
    });
  }

  static start(script = fileURLToPath(new URL('./load.js', import.meta.url))): LoadGenerator {
    // Advanced serialization carries request bodies as bytes, not as JSON arrays of numbers.
    return new LoadGenerator(fork(script, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  /** The load generator's process id, for its CPU figures; undefined if it could not start. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  run(spec: LoadSpec): Promise<LoadResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, spec } satisfies LoadMessage);
    });
  }

  close(): void {
    if (this.child.connected) this.child.disconnect();
  }
}
