import type { IncomingMessage } from 'node:http';

/** How often deadlines are checked; a slow body is cut at most this late. */
const SWEEP_MS = 1000;

/**
 * The time limit for receiving a request's body, per route. Node's own `requestTimeout` is one
 * limit for every request on the server; uploads of big models need far longer than inference
 * requests should get (a 2 GiB model in 120 s needs 17 MB/s). So Node's limit is set to the
 * longest (the upload's) and the shorter one is kept here: requests with a body are watched
 * from arrival until their answer is sent, one interval checks them all.
 */
export class BodyDeadlines {
  private readonly open = new Map<IncomingMessage, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly limitMs: number, private readonly now: () => number = Date.now) {}

  /** Starts the clock on a request whose body is still to come. */
  watch(raw: IncomingMessage): void {
    this.open.set(raw, this.now() + this.limitMs);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.sweep(), SWEEP_MS);
      this.timer.unref();
    }
  }

  /** The request is being answered (its body was read, or it was refused). */
  done(raw: IncomingMessage): void {
    this.open.delete(raw);
  }

  /** Answers 408 and closes the connection of each request whose body is overdue. */
  sweep(): void {
    const now = this.now();
    for (const [raw, deadline] of this.open) {
      if (raw.complete || raw.destroyed) this.open.delete(raw);
      else if (now > deadline) {
        this.open.delete(raw);
        // As Node does at its own request timeout: no handler has run, nothing was answered yet.
        raw.socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        raw.socket.destroySoon();
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
