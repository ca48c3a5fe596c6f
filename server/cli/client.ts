import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ADMIN_TOKEN_FILE } from '../auth/admin-token.js';
import { IDENTITY_PATH, newChallenge, proofMatches } from '../auth/identity.js';
import { defaultDataDir } from '../base/config.js';
import { errorMessage } from '../base/message.js';

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

/**
 * A small client of the admin API; errors carry the server's own message. Before the first request
 * that carries the token, the server must answer a fresh challenge with a proof that it holds the
 * token (server/auth/identity.ts): a program that took the port before Hearth never receives it.
 */
export class AdminClient {
  private confirmed: Promise<void> | undefined;

  constructor(readonly url: string, private readonly token: string) {}

  private confirm(): Promise<void> {
    this.confirmed ??= this.checkIdentity();
    return this.confirmed;
  }

  private async checkIdentity(): Promise<void> {
    const challenge = newChallenge();
    let res: Response;
    try {
      res = await fetch(`${this.url}${IDENTITY_PATH}?challenge=${challenge}`, { redirect: 'error' });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? errorMessage(err);
      throw new CliError(`Cannot reach Hearth at ${this.url} (${cause}). Is it running? Start it with "hearth serve", or pass --url.`);
    }
    let answer: unknown;
    try { answer = await res.json(); } catch { answer = null; }
    const { nonce, proof } = (typeof answer === 'object' && answer !== null ? answer : {}) as { nonce?: unknown; proof?: unknown };
    if (res.ok && typeof nonce === 'string' && typeof proof === 'string' && proofMatches(this.token, challenge, nonce, proof)) return;
    throw new CliError(
      `The server at ${this.url} did not prove it holds the admin token, so the token was not sent. ` +
      'Either the token is wrong (check --token, HEARTH_ADMIN_TOKEN or --data-dir), or another program is listening there instead of Hearth (or a Hearth older than this CLI).',
    );
  }

  async request<T>(method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    await this.confirm();
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
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? errorMessage(err);
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
    await this.confirm();
    const res = await fetch(`${this.url}${pathname}`, { headers: { authorization: `Bearer ${this.token}` } }).catch((err: unknown) => {
      throw new CliError(`Cannot reach Hearth at ${this.url} (${errorMessage(err)}).`);
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
