import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/** How often deadlines are checked; a slow body is cut at most this late. */
const SWEEP_MS = 1000;

/** Set on a request while its body is watched: a flag on the request, not a reference to it (see below). */
const kWatched = Symbol('hearth.bodyWatched');
type WatchedRequest = IncomingMessage & { [kWatched]?: boolean };

/**
 * The time limit for receiving a request's body, per route. Node's own `requestTimeout` is one
 * limit for every request on the server; uploads of big models need far longer than inference
 * requests should get (a 2 GiB model in 120 s needs 17 MB/s). So Node's limit is set to the
 * longest (the upload's) and the shorter one is kept here: a request with a body is watched from
 * its arrival until its body has been read (`done` from a preValidation hook) or, refused before
 * that, until its answer is sent; one interval checks them all.
 *
 * Kept per connection, never per request. The table lives as long as the server, in V8's old
 * generation, and with request objects stored in it, even for the few milliseconds until each
 * body is read, requests were promoted out of the young generation with their headers and stream
 * state. Measured (`--trace-gc`, small MLP, 64 connections): the heap grew 0.86 MB per
 * young-generation collection with the request as key, 0.90 MB with the socket as key and the
 * request as value, 0.30 MB with the socket and a number, 0.22 MB with no watch at all; the table
 * was empty at every second. The likely mechanism, not verified in V8's source: a Map with this
 * churn is rehashed again and again, and the tables it leaves behind still point at the requests
 * they held until the next full collection. HTTP/1.1 bodies arrive one after another on a
 * connection, so one entry per socket is enough.
 */
export class BodyDeadlines {
  private readonly open = new Map<Socket, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly limitMs: number, private readonly now: () => number = Date.now) {}

  /** Starts the clock on a request whose body is still to come. */
  watch(raw: IncomingMessage): void {
    (raw as WatchedRequest)[kWatched] = true;
    this.open.set(raw.socket, this.now() + this.limitMs);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.sweep(), SWEEP_MS);
      this.timer.unref();
    }
  }

  /**
   * The request's body has been read, or the request is being answered. Only a request still
   * watched ends its connection's watch: the answer to one request may be sent after the next
   * request on the same connection started its own.
   */
  done(raw: IncomingMessage): void {
    const request = raw as WatchedRequest;
    if (request[kWatched] !== true) return;
    request[kWatched] = false;
    // Kept, without a deadline, until the connection closes: a Map that loses and regains an entry
    // per request shrinks and grows its table again and again, and each new table is allocated in
    // the old generation (a sampling heap profile of what survives young collections: Map.delete
    // here was 40% of it at 64 connections). The sweep drops it once the socket is destroyed.
    // A connection the sweep already dropped (answered 408) is not added back.
    if (this.open.has(raw.socket)) this.open.set(raw.socket, Infinity);
  }

  /** Connections in the table, watched or not (for tests of its churn). */
  get connections(): number { return this.open.size; }

  /** Answers 408 and closes each connection whose request's body is overdue; forgets closed ones. */
  sweep(): void {
    const now = this.now();
    for (const [socket, deadline] of this.open) {
      if (socket.destroyed) this.open.delete(socket);
      else if (now > deadline) {
        this.open.delete(socket);
        // As Node does at its own request timeout: no handler has run, nothing was answered yet.
        socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        socket.destroySoon();
      }
    }
    if (this.open.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.open.clear();
  }
}

/** Whether a request announces a body (Content-Length above 0, or chunked). */
export function hasBody(raw: IncomingMessage): boolean {
  const length = raw.headers['content-length'];
  return (length !== undefined && length !== '0') || raw.headers['transfer-encoding'] !== undefined;
}
