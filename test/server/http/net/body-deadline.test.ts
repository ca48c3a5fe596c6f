import type { IncomingMessage } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { BodyDeadlines } from '../../../../server/http/net/body-deadline.js';

/** A connection as the deadlines use it: what was written to it, and whether it was closed. */
class FakeSocket {
  written: string[] = [];
  destroyed = false;
  closing = false;
  end(data: string): void { this.written.push(data); }
  destroySoon(): void { this.closing = true; }
}

const requestOn = (socket: FakeSocket): IncomingMessage => ({ socket } as unknown as IncomingMessage);

/** V8's collector, for a test of what a structure keeps alive (the flag can be set at run time). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('body deadlines', () => {
  let clock = 0;
  let deadlines: BodyDeadlines | undefined;
  afterEach(() => { deadlines?.close(); deadlines = undefined; clock = 0; });
  const start = (limitMs: number) => (deadlines = new BodyDeadlines(limitMs, () => clock));
  /** Deadlines of 1000 ms watching one request on a fresh connection. */
  const watchingOne = () => {
    const d = start(1000);
    const socket = new FakeSocket();
    const raw = requestOn(socket);
    d.watch(raw);
    return { d, socket, raw };
  };

  it('answers 408 and closes a connection whose announced body is overdue, not before', () => {
    const d = start(1000);
    const socket = new FakeSocket();
    d.watch(requestOn(socket));
    clock = 1000;
    d.sweep();
    expect(socket.written).toEqual([]);
    clock = 1001;
    d.sweep();
    expect(socket.written).toEqual(['HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n']);
    expect(socket.closing).toBe(true);
  });

  it('stops the clock once the body is read, however long the answer then takes', () => {
    const { d, socket, raw } = watchingOne();
    clock = 500;
    d.done(raw); // the body has been read (preValidation)
    clock = 60_000; // a long inference
    d.sweep();
    d.done(raw); // its answer is sent
    expect(socket.written).toEqual([]);
  });

  it('keeps watching the next request on a connection when the answer to the one before is sent', () => {
    const d = start(1000);
    const socket = new FakeSocket();
    const first = requestOn(socket);
    const second = requestOn(socket);
    d.watch(first);
    d.done(first); // its body was read
    d.watch(second); // pipelined: its head arrived before the first was answered
    d.done(first); // the first's answer is sent
    clock = 2000;
    d.sweep();
    expect(socket.written).toHaveLength(1);
  });

  it('does not take back a connection it answered 408 when that request\'s answer is then sent', () => {
    const { d, socket, raw } = watchingOne();
    clock = 2000;
    d.sweep(); // overdue: 408, and the table is empty
    expect(socket.written).toHaveLength(1);
    d.done(raw); // onSend of the request that was cut off
    expect(d.connections).toBe(0);
  });

  it('forgets a connection that closed', () => {
    const d = start(1000);
    const socket = new FakeSocket();
    d.watch(requestOn(socket));
    socket.destroyed = true;
    clock = 2000;
    d.sweep();
    expect(socket.written).toEqual([]);
  });

  it('keeps a connection\'s one entry from request to request, and drops it once the connection is gone', () => {
    // An entry deleted and added again per request made the table shrink and grow, and each new
    // hash table is allocated in V8's old generation (the class comment of net/body-deadline.ts).
    const d = start(1000);
    const socket = new FakeSocket();
    for (let i = 0; i < 3; i++) {
      const raw = requestOn(socket);
      d.watch(raw);
      d.done(raw);
      expect(d.connections).toBe(1);
    }
    clock = 60_000;
    d.sweep(); // an idle keep-alive connection: not overdue, still known
    expect(socket.written).toEqual([]);
    expect(d.connections).toBe(1);
    socket.destroyed = true;
    d.sweep();
    expect(d.connections).toBe(0);
  });

  it('holds no reference to a request it watches, only to its connection', async () => {
    // A request held by this long-lived table is promoted to V8's old generation with its headers
    // and stream state (see the class comment): the table must not point at it, even while watched.
    const gc = collector();
    const d = start(1000);
    const socket = new FakeSocket();
    // Watched from a function that returns, so that nothing here keeps the request.
    const watchOne = (): WeakRef<IncomingMessage> => {
      const raw = requestOn(socket);
      d.watch(raw);
      return new WeakRef(raw);
    };
    const ref = watchOne();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(ref.deref()).toBeUndefined();
    // And the connection is still watched.
    clock = 2000;
    d.sweep();
    expect(socket.written).toHaveLength(1);
  });
});
