import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ADMIN_TOKEN_FILE } from '../auth/admin-token.js';
import { defaultDataDir } from '../config.js';

export interface ClientOptions {
  url?: string;
  token?: string;
  dataDir?: string;
}

export class CliError extends Error {}

/** The server the CLI talks to: --url, else HEARTH_URL, else the local default port. */
export function resolveUrl(opts: ClientOptions, env: NodeJS.ProcessEnv = process.env): string {
  const url = opts.url ?? env.HEARTH_URL ?? `http://127.0.0.1:${env.HEARTH_PORT ?? 8600}`;
  return url.replace(/\/+$/, '');
}

/** The admin token: --token, else HEARTH_ADMIN_TOKEN, else the token file in the data directory. */
export function resolveToken(opts: ClientOptions, env: NodeJS.ProcessEnv = process.env): string {
  if (opts.token) return opts.token;
  if (env.HEARTH_ADMIN_TOKEN) return env.HEARTH_ADMIN_TOKEN;
  const file = path.join(opts.dataDir ?? defaultDataDir(env), ADMIN_TOKEN_FILE);
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    throw new CliError(`No admin token: pass --token, set HEARTH_ADMIN_TOKEN, or run on the server's machine (looked in ${file}).`);
  }
}

/** A small client of the admin API; errors carry the server's own message. */
export class AdminClient {
  constructor(readonly url: string, private readonly token: string) {}

  async request<T>(method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    let res: Response;
    const init: RequestInit & { duplex?: 'half' } = {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...headers },
    };
    if (body instanceof Uint8Array || (typeof body === 'object' && body !== null && Symbol.asyncIterator in body)) {
      init.body = body as NonNullable<RequestInit["body"]>;
      init.duplex = 'half';
    } else if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    try {
      res = await fetch(`${this.url}${pathname}`, init);
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err instanceof Error ? err.message : String(err));
      throw new CliError(`Cannot reach Hearth at ${this.url} (${cause}). Is it running? Start it with "hearth serve", or pass --url.`);
    }
    const text = await res.text();
    if (!res.ok) {
      let message = text;
      try { message = (JSON.parse(text) as { error?: string }).error ?? text; } catch { /* not JSON */ }
      throw new CliError(`${res.status}: ${message}`);
    }
    const type = res.headers.get('content-type') ?? '';
    return (type.includes('json') && text.length > 0 ? JSON.parse(text) : text) as T;
  }

  async stream(pathname: string): Promise<Response> {
    const res = await fetch(`${this.url}${pathname}`, { headers: { authorization: `Bearer ${this.token}` } }).catch((err: unknown) => {
      throw new CliError(`Cannot reach Hearth at ${this.url} (${err instanceof Error ? err.message : String(err)}).`);
    });
    if (!res.ok) {
      const text = await res.text();
      let message = text;
      try { message = (JSON.parse(text) as { error?: string }).error ?? text; } catch { /* not JSON */ }
      throw new CliError(`${res.status}: ${message}`);
    }
    return res;
  }
}
