import { request, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { connect, type TLSSocket } from 'node:tls';

/** How a follower reaches its leader: TLS with the certificate pinned, or plain HTTP when told so. */
export type LeaderTransport = { kind: 'pinned'; fingerprint: string } | { kind: 'insecure' };

/** A transport failure; the message names the leader's address, never the key. */
export class TransportError extends Error {}

/** `AB:CD:…` (as `hearth network show` prints it) or plain hex, any case; null when it is not 32 bytes. */
export function normalizeFingerprint(input: string): string | null {
  const hex = input.trim().replace(/:/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return null;
  return hex.match(/../g)?.join(':') ?? null;
}

/**
 * A TLS connection that is handed to the HTTP client only once the leader's certificate has the
 * pinned fingerprint: until then not one byte of the request (the key) is written to it. The
 * certificate is self-signed as a rule, so the usual chain check is replaced by the pin, not added to it.
 */
function pinnedConnection(fingerprint: string, host: string, port: number) {
  return (_opts: unknown, done: (err: Error | null, socket: Duplex) => void): undefined => {
    let settled = false;
    // On an error the HTTP client takes only the error; the socket is passed because its type wants one.
    const finish = (err: Error | null, socket: TLSSocket) => {
      if (settled) return;
      settled = true;
      done(err, socket);
    };
    const servername = /^[\d.]+$|:/.test(host) ? undefined : host;
    const socket = connect({ host, port, servername, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    socket.once('secureConnect', () => {
      const seen = socket.getPeerCertificate().fingerprint256 ?? '(none)';
      if (seen !== fingerprint) {
        socket.destroy();
        finish(new TransportError(`its TLS certificate has SHA-256 fingerprint ${seen}, not the pinned ${fingerprint} (--follow-fingerprint); nothing was sent to it`), socket);
        return;
      }
      finish(null, socket);
    });
    socket.once('error', (err: Error) => finish(err, socket));
    return undefined;
  };
}

export interface LeaderResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: IncomingMessage;
}

/** GET `url` with the bearer `key` over `transport`; resolves once the head has arrived. */
export function leaderGet(url: URL, key: string, transport: LeaderTransport, signal: AbortSignal): Promise<LeaderResponse> {
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const req = request({
      host, port, method: 'GET', path: `${url.pathname}${url.search}`, signal,
      headers: { authorization: `Bearer ${key}`, host: url.host, accept: 'application/json, application/octet-stream' },
      ...(transport.kind === 'pinned' ? { createConnection: pinnedConnection(transport.fingerprint, host, port) } : {}),
    }, (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res }));
    req.once('error', reject);
    req.end();
  });
}

/** The whole body as text, refusing more than `limit` bytes (a leader's JSON answers are small). */
export async function readText(body: IncomingMessage, limit = 64 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      throw new TransportError(`its answer is larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
