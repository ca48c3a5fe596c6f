import type { EventEmitter } from 'node:events';
import net from 'node:net';
import { covers } from './exposure.js';

export interface ListeningAddress {
  address: string;
  port: number;
  family: string;
}

function listenOn(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => { server.off('listening', onListening); reject(err); };
    const onListening = () => { server.off('error', onError); resolve(); };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host });
  });
}

/** Lets the event loop run the close callbacks, so that a port just released can be bound again. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The sockets an HTTP server listens on, movable while it runs. The first address is the server's
 * own listening socket; each further one is a plain TCP listener that hands its connections to the
 * same server, which then treats them exactly like its own (timeouts, TLS, keep-alive).
 */
export class Listeners {
  private bound: string[] = [];
  private readonly extra: net.Server[] = [];
  private readonly sockets = new Set<net.Socket>();
  private queue: Promise<unknown> = Promise.resolve();
  private active = 0;
  private idle: (() => void)[] = [];

  constructor(private readonly server: net.Server, private readonly port: number) {
    server.on('connection', (socket: net.Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('request', (_req: unknown, res: EventEmitter) => {
      this.active += 1;
      res.once('close', () => {
        this.active -= 1;
        if (this.active === 0) for (const f of this.idle.splice(0)) f();
      });
    });
  }

  /** Takes over a server already listening on `addresses[0]` and opens the rest. */
  async adopt(addresses: string[]): Promise<void> {
    this.bound = [addresses[0]];
    await this.openExtra(addresses.slice(1));
    this.bound = [...addresses];
  }

  addresses(): ListeningAddress[] {
    const out: ListeningAddress[] = [];
    for (const s of [this.server, ...this.extra]) {
      const a = s.address();
      if (a && typeof a === 'object') out.push({ address: a.address, port: a.port, family: a.family });
    }
    return out;
  }

  /**
   * Listens on `addresses` instead. Open connections that arrived on an address still listened on
   * stay; the others are closed, so that turning LAN exposure off takes effect at once. If a new
   * address cannot be bound, the old ones are restored and the error is thrown.
   */
  move(addresses: string[]): Promise<void> {
    const run = this.queue.then(async () => {
      if (addresses.join(' ') === this.bound.join(' ')) return;
      const before = this.bound;
      await this.closeAll();
      try {
        await this.open(addresses);
      } catch (err) {
        await this.closeAll();
        await this.open(before);
        throw err;
      }
      for (const s of this.sockets) if (!covers(addresses, s.localAddress)) s.destroy();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stops the extra listeners; the server's own socket is closed by whoever owns the server. */
  async close(): Promise<void> {
    await this.queue;
    for (const s of this.extra.splice(0)) s.close();
    this.bound = this.bound.slice(0, 1);
  }

  /**
   * Waits for the requests still being answered, then closes what connections are left. The
   * server's own close waits only for the connections it accepted itself, not for those the
   * extra listeners handed it.
   */
  async drain(): Promise<void> {
    if (this.active > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    for (const s of this.sockets) s.destroy();
  }

  private async open(addresses: string[]): Promise<void> {
    await listenOn(this.server, this.port, addresses[0]);
    this.bound = [addresses[0]];
    await this.openExtra(addresses.slice(1));
    this.bound = [...addresses];
  }

  private async openExtra(addresses: string[]): Promise<void> {
    for (const host of addresses) {
      // The same socket options as the server's own accepted sockets (http: half-open; https: not).
      const allowHalfOpen = Boolean((this.server as net.Server & { allowHalfOpen?: boolean }).allowHalfOpen);
      const forward = net.createServer({ allowHalfOpen, noDelay: true }, (socket) => {
        this.server.emit('connection', socket);
      });
      // An accept failure (EMFILE) on an extra listener must not take the process down.
      forward.on('error', () => undefined);
      await listenOn(forward, this.port, host).catch((err: unknown) => {
        forward.removeAllListeners('error');
        throw err;
      });
      this.extra.push(forward);
    }
  }

  private async closeAll(): Promise<void> {
    for (const s of this.extra.splice(0)) s.close();
    // Only the listening socket: net.Server's close, not http.Server's, which would also drop idle keep-alive clients.
    if (this.server.listening) net.Server.prototype.close.call(this.server);
    this.bound = [];
    await tick();
  }
}
