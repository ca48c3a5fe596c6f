import net from 'node:net';
import type { ApiKey } from '../../auth/keys.js';
import type { Config } from '../../base/config.js';
import { conflict, HttpError } from '../errors.js';
import { AddressList, isLoopbackAddress } from './cidr.js';
import { bindAddresses, isLanExposure, listInterfaces } from './exposure.js';
import { Listeners, type ListeningAddress } from './listeners.js';
import { RateLimiter, type Limits } from './rate-limit.js';
import { initialSettings, NetworkStore, validatePatch, type NetworkPatch, type NetworkSettings } from './settings.js';
import type { TlsInfo } from './tls.js';

/** Why an address could not be listened on, in words an admin can act on. */
function bindError(err: unknown, addresses: string[], port: number): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const where = addresses.map((a) => (a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`)).join(', ');
  if (code === 'EADDRINUSE') return conflict(`Port ${port} is already taken on ${where} by another program; the exposure is unchanged.`);
  if (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT') return new HttpError(400, `Cannot listen on ${where}: that address is not on this machine; the exposure is unchanged.`);
  if (code === 'EACCES') return new HttpError(400, `Not allowed to listen on ${where}; the exposure is unchanged.`);
  return new HttpError(500, `Cannot listen on ${where} (${code ?? String(err)}); the exposure is unchanged.`);
}

/** The network policy in force: exposure, client allowlist, CORS and rate limits, changeable at run time. */
export class NetworkControl {
  readonly limiter = new RateLimiter();
  private current: NetworkSettings;
  private allowlist: AddressList;
  private origins: Set<string>;
  private listeners: Listeners | null = null;
  private port: number | null = null;
  private pending: Promise<unknown> = Promise.resolve();

  /** Whether the exposure at start came from a change saved at run time rather than from the config. */
  readonly exposureSaved: boolean;

  constructor(private readonly store: NetworkStore, readonly config: Config, readonly tls: TlsInfo | null = null) {
    const saved = store.saved();
    this.current = initialSettings(config, saved);
    this.exposureSaved = saved.exposure !== undefined && this.current.exposure === saved.exposure && config.hostGiven !== true;
    this.allowlist = new AddressList(this.current.allow);
    this.origins = new Set(this.current.corsOrigins);
  }

  get settings(): NetworkSettings {
    return this.current;
  }

  /** Loopback always may connect: the admin on the machine cannot lock themself out. */
  allows(address: string | undefined): boolean {
    return isLoopbackAddress(address) || this.allowlist.has(address);
  }

  corsAllows(origin: string): boolean {
    return this.origins.has(origin) || this.origins.has('*');
  }

  limitsFor(key: ApiKey): Limits {
    return {
      perSecond: key.ratePerSecond ?? this.current.rateLimit.perSecond,
      concurrent: key.maxConcurrent ?? this.current.rateLimit.concurrent,
    };
  }

  /** Where to listen at start, from the exposure in force. */
  bindAddresses(): string[] {
    return bindAddresses(this.current.exposure);
  }

  /** Serves on loopback only for this run, when a saved exposure cannot be listened on any more. */
  fallBackToLoopback(): void {
    this.current = { ...this.current, exposure: 'loopback' };
  }

  /** Called once the server listens on `bindAddresses()[0]`; opens the other addresses. */
  async attach(server: net.Server): Promise<void> {
    const address = server.address();
    if (!address || typeof address !== 'object') throw new Error('The server is not listening on a TCP port.');
    this.port = address.port;
    this.listeners ??= new Listeners(server, address.port);
    try {
      await this.listeners.adopt(this.bindAddresses());
    } catch (err) {
      await this.listeners.close();
      throw err;
    }
  }

  listening(): ListeningAddress[] {
    return this.listeners?.addresses() ?? [];
  }

  /** URLs a client can use, one per address (a wildcard stands for every address of the machine). */
  urls(): string[] {
    const scheme = this.tls ? 'https' : 'http';
    const out: string[] = [];
    for (const l of this.listening()) {
      const hosts = l.address === '::' || l.address === '0.0.0.0'
        ? listInterfaces().filter((i) => l.address === '::' || i.family === 'IPv4').map((i) => i.address)
        : [l.address];
      for (const h of hosts) out.push(`${scheme}://${h.includes(':') ? `[${h}]` : h}:${l.port}`);
    }
    return [...new Set(out)];
  }

  /** A URL on this machine's loopback, for the local CLI and desktop app. */
  localUrl(): string {
    const scheme = this.tls ? 'https' : 'http';
    const l = this.listening()[0];
    if (!l) return `${scheme}://127.0.0.1:${this.config.port}`;
    const host = l.address === '::' || l.address === '0.0.0.0' ? '127.0.0.1' : l.address;
    return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${l.port}`;
  }

  get lan(): boolean {
    return isLanExposure(this.current.exposure);
  }

  /**
   * Applies a change now and keeps it for later starts. A new exposure is listened on before it
   * is saved; if it cannot be, nothing changes.
   */
  update(patch: NetworkPatch): Promise<NetworkSettings> {
    const run = this.pending.then(async () => {
      const checked = validatePatch(patch);
      const next: NetworkSettings = {
        ...this.current, ...checked,
        rateLimit: { ...this.current.rateLimit, ...checked.rateLimit },
      };
      // Checked even when not listening (an app under test), so that a bad exposure is refused the same way.
      const addresses = checked.exposure !== undefined ? bindAddresses(next.exposure) : null;
      if (addresses && this.listeners && this.port !== null) {
        try {
          await this.listeners.move(addresses);
        } catch (err) {
          throw bindError(err, addresses, this.port);
        }
      }
      this.current = next;
      this.allowlist = new AddressList(next.allow);
      this.origins = new Set(next.corsOrigins);
      this.store.save(checked.rateLimit ? { ...checked, rateLimit: next.rateLimit } : checked);
      return next;
    });
    this.pending = run.catch(() => undefined);
    return run;
  }

  /** Stops accepting on the extra addresses (before the server's own socket closes). */
  async close(): Promise<void> {
    await this.pending;
    await this.listeners?.close();
  }

  /** Once the server has closed: lets requests that came in on the extra addresses finish. */
  async drain(): Promise<void> {
    await this.listeners?.drain();
  }

  /** The machine's addresses, to choose an interface from. */
  interfaces() {
    return listInterfaces();
  }
}
