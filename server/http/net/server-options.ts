import type { ServerOptions as HttpServerOptions } from 'node:http';
import type { Config } from '../../base/config.js';
import type { TlsMaterial } from './tls.js';

/** How often Node checks requests against the header and request timeouts (its default is 30 s). */
const TIMEOUT_CHECK_MS = 1000;

/**
 * Node server options for the limits on a request's head, its timing and TLS, in the shape
 * Fastify takes them (`http`, or `https` which then carries the limits too). Typed as `object`
 * so that the app keeps one instance type whether it serves HTTP or HTTPS.
 */
export function serverOptions(config: Pick<Config, 'maxHeaderBytes' | 'headersTimeoutMs' | 'requestTimeoutMs' | 'uploadTimeoutMs'>, tls: TlsMaterial | null = null): object {
  const limits: HttpServerOptions = {
    maxHeaderSize: config.maxHeaderBytes,
    // Node requires the head's timeout to be no longer than the whole request's.
    headersTimeout: Math.min(config.headersTimeoutMs, config.requestTimeoutMs),
    // Node's limit is one for all routes: the longest. Shorter ones are net/body-deadline.ts's.
    requestTimeout: Math.max(config.requestTimeoutMs, config.uploadTimeoutMs),
    connectionsCheckingInterval: TIMEOUT_CHECK_MS,
  };
  return tls ? { https: { ...limits, cert: tls.cert, key: tls.key } } : { http: limits };
}
