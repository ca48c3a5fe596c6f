import type { FastifyRequest } from 'fastify';
import { isLoopbackAddress } from './cidr.js';

/**
 * A client on this machine: its socket is loopback and no trusted proxy forwarded it. The
 * socket decides, not X-Forwarded-For: a client behind a trusted proxy could claim 127.0.0.1.
 */
export function isLocalClient(request: FastifyRequest, proxied: boolean): boolean {
  return isLoopbackAddress(request.socket.remoteAddress) && !(proxied && request.headers['x-forwarded-for'] !== undefined);
}
