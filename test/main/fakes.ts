/** Test doubles for the main process: a manual clock and child processes built from EventEmitter. */
import { EventEmitter } from 'node:events';

interface Timer {
  id: number;
  at: number;
  callback: () => void;
}

/** Lets asynchronous continuations (fetch promises, .then chains) run. */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createClock(start = 1_000_000) {
  let time = start;
  let nextId = 1;
  const timers = new Map<number, Timer>();
  return {
    now: () => time,
    setTimeout: (callback: () => void, ms: number): unknown => {
      const id = nextId++;
      timers.set(id, { id, at: time + ms, callback });
      return id;
    },
    clearTimeout: (handle: unknown) => {
      timers.delete(handle as number);
    },
    pending: () => [...timers.values()].map((t) => t.at - time).sort((a, b) => a - b),
    /** Moves time forward, firing due timers in order and letting promises settle after each. */
    async advance(ms: number) {
      const target = time + ms;
      await settle();
      for (;;) {
        const due = [...timers.values()].filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0];
        if (due === undefined) break;
        timers.delete(due.id);
        time = due.at;
        due.callback();
        await settle();
      }
      time = target;
      await settle();
    },
  };
}

export class FakeChild extends EventEmitter {
  readonly stdout = new EventEmitter();
  readonly stderr = new EventEmitter();
  readonly signals: string[] = [];
  exited = false;
  /** When false the child ignores SIGTERM, like a server stuck in shutdown. */
  exitOnSigterm = true;

  constructor(readonly pid: number | undefined) {
    super();
  }

  kill(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): boolean {
    this.signals.push(signal);
    if (this.exited) return false;
    if (signal === 'SIGKILL' || this.exitOnSigterm) queueMicrotask(() => this.exit(null, signal));
    return true;
  }

  exit(code: number | null, signal: string | null = null) {
    if (this.exited) return;
    this.exited = true;
    this.emit('exit', code, signal);
  }

  print(text: string, stream: 'stdout' | 'stderr' = 'stdout') {
    this[stream].emit('data', Buffer.from(text));
  }
}

/** A spawn function that records every child it makes. */
export function createSpawner(firstPid = 4000) {
  const children: FakeChild[] = [];
  return {
    children,
    spawn: () => {
      const child = new FakeChild(firstPid + children.length);
      children.push(child);
      return child;
    },
    last: () => {
      const child = children.at(-1);
      if (child === undefined) throw new Error('nothing spawned yet');
      return child;
    },
  };
}

/** A liveness endpoint whose answer the test sets; 0 stands for "connection refused". */
export function createHealth() {
  let status = 503;
  const calls: string[] = [];
  return {
    calls,
    set: (next: number) => {
      status = next;
    },
    fetch: async (url: string) => {
      calls.push(url);
      if (status === 0) throw new TypeError('fetch failed: connect ECONNREFUSED');
      return { status };
    },
  };
}
