import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError } from '../http/errors.js';
import { isLoopbackAddress } from '../net/cidr.js';
import { timingSafeEqual } from 'node:crypto';
import { tokenHash, type ApiKey, type Scope } from './keys.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The API key the client presented, when it presented a valid one. */
    apiKey?: ApiKey;
    /** Whether the admin token was presented. */
    isAdmin: boolean;
  }
  interface FastifyContextConfig {
    /** What a route needs: nothing, an admin token, or an API key scope. */
    access?: 'public' | 'admin' | Scope;
  }
}

/**
 * A client on this machine: its socket is loopback and no trusted proxy forwarded it. The
 * socket decides, not X-Forwarded-For: a client behind a trusted proxy could claim 127.0.0.1.
 */
export function isLocalClient(request: FastifyRequest, proxied: boolean): boolean {
  return isLoopbackAddress(request.socket.remoteAddress) && !(proxied && request.headers['x-forwarded-for'] !== undefined);
}

function bearer(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : '';
}

const unauthorized = (message: string) => new HttpError(401, message, { 'www-authenticate': 'Bearer' });

/**
 * Who may call what. Admin routes take only the admin token. Inference and metadata routes take
 * an API key with the route's scope; loopback clients may omit it unless --require-api-key is set.
 */
export const authPlugin = fp(async (app: FastifyInstance) => {
  const { keys, config } = app.hearth;
  app.decorateRequest('apiKey', undefined);
  app.decorateRequest('isAdmin', false);
  // Hashed once: each request's token is hashed once too, and that hash both checks the admin
  // token (compared in constant time, length included) and finds an API key.
  const adminHash = Buffer.from(tokenHash(app.hearth.adminToken), 'hex');
  const proxied = config.trustProxy.length > 0;

  app.addHook('onRequest', (request, _reply, done) => {
    try {
      authorize(request);
      done();
    } catch (error) {
      done(error as Error);
    }
  });

  function authorize(request: FastifyRequest): void {
    const access = request.routeOptions.config.access ?? 'public';
    if (access === 'public') return;
    const token = bearer(request);
    const hash = token !== undefined && token !== '' ? tokenHash(token) : undefined;
    if (hash !== undefined && timingSafeEqual(Buffer.from(hash, 'hex'), adminHash)) {
      request.isAdmin = true;
      return;
    }
    if (access === 'admin') {
      if (token === undefined) throw unauthorized('This admin route needs the admin token: send "Authorization: Bearer <admin token>".');
      if (token.startsWith('hearth_') && !token.startsWith('hearth_admin_')) {
        throw unauthorized('API keys cannot call admin routes; use the admin token.');
      }
      throw unauthorized('The admin token is not valid.');
    }
    if (token === undefined || token === '') {
      // A page of another origin is not the machine's own client even from a loopback browser:
      // without this, any site the CORS list names could drive a keyless loopback server.
      if (!config.requireApiKey && request.corsOrigin === undefined && isLocalClient(request, proxied)) return;
      throw unauthorized('This server needs an API key: send "Authorization: Bearer <key>". The admin creates keys with "hearth key create".');
    }
    const key = keys.authenticateHashed(token, hash as string);
    if (!key) throw unauthorized('The API key is not valid (unknown, revoked or expired).');
    if (!key.scopes.includes(access)) {
      throw new HttpError(403, `This API key lacks the "${access}" scope this route needs.`);
    }
    request.apiKey = key;
  }
}, { name: 'hearth-auth' });

/** Refuses a key limited to other models; called by routes once they know the model. */
export function checkModelAccess(request: FastifyRequest, model: string): void {
  const key = request.apiKey;
  if (key?.models && !key.models.includes(model)) {
    throw new HttpError(403, `This API key may not call model "${model}".`);
  }
}
