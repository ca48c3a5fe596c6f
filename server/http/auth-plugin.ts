import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError } from './errors.js';
import { isLocalClient } from './net/local-client.js';
import { timingSafeEqual } from 'node:crypto';
import { tokenHash, type ApiKey, type Scope } from '../auth/keys.js';
import type { InferLane } from './infer-lane.js';
import type { AuthQuestion, Identity } from './auth-types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The API key the client presented, when it presented a valid one. */
    apiKey?: ApiKey;
    /** Whether the admin token was presented. */
    isAdmin: boolean;
  }
  interface FastifyContextConfig {
    /**
     * What a route needs: nothing, an admin token, or an API key scope. `follow` marks the
     * read-only admin routes a follower mirrors from: the admin token or a key with that scope.
     */
    access?: 'public' | 'admin' | Scope;
  }
}

function bearer(h: string | undefined): string | undefined {
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : '';
}

/** Tokens whose hash the auth hook remembers at most (see `identify`). */
const SEEN_TOKENS = 1024;

const unauthorized = (message: string) => new HttpError(401, message, { 'www-authenticate': 'Bearer' });

/**
 * Who may call what. Admin routes take only the admin token. Inference and metadata routes take
 * an API key with the route's scope; loopback clients may omit it unless --require-api-key is set.
 */
export const authPlugin = fp(async (app: FastifyInstance, opts: { lane?: InferLane }) => {
  const { keys, config } = app.hearth;
  app.decorateRequest('apiKey', undefined);
  app.decorateRequest('isAdmin', false);
  // Hashed once: each request's token is hashed once too, and that hash both checks the admin
  // token (compared in constant time, length included) and finds an API key.
  const adminHash = Buffer.from(tokenHash(app.hearth.adminToken), 'hex');
  const proxied = config.trustProxy.length > 0;

  /**
   * Tokens seen lately, with their hash and whether it is the admin token's: a client's token is
   * hashed once, not on every request (1.2% of the HTTP thread at 64 connections). Only the hash
   * is remembered, never whether a key is valid: revocation and expiry are checked on every request.
   * Bounded, and emptied when full, so made-up tokens cannot grow it.
   */
  const seen = new Map<string, { hash: string; admin: boolean }>();
  const identify = (token: string) => {
    let known = seen.get(token);
    if (!known) {
      const hash = tokenHash(token);
      known = { hash, admin: timingSafeEqual(Buffer.from(hash, 'hex'), adminHash) };
      if (seen.size >= SEEN_TOKENS) seen.clear();
      seen.set(token, known);
    }
    return known;
  };

  // The inference lane asks the same question for the requests it may serve (http/infer-lane.ts).
  if (opts.lane) opts.lane.authorize = authorize;

  app.addHook('onRequest', function authenticate(request, _reply, done) {
    try {
      const who = authorize({
        access: request.routeOptions.config.access ?? 'public', authorization: request.headers.authorization,
        ip: request.ip, local: () => isLocalClient(request, proxied), corsOrigin: request.corsOrigin,
      });
      if (who.admin) request.isAdmin = true;
      if (who.key) request.apiKey = who.key;
      done();
    } catch (error) {
      done(error as Error);
    }
  });

  /**
   * A request without valid credentials from an address refused too often (net/rejections.ts)
   * gets 429: it slows key and token guessing, and costs less than what it would be refused for.
   * Valid credentials are never throttled here, so a client sharing a NAT address is not hurt.
   */
  function throttle(ip: string): void {
    const wait = app.rejectionBudget.retryAfter(ip);
    if (wait > 0) {
      throw new HttpError(429, `Too many refused requests from your address; try again in ${wait} s. ` +
        'Check the API key or token your client sends.', { 'retry-after': String(wait) });
    }
  }

  /** Who the request is (the admin, a key, or anonymous and allowed), or the HttpError that refuses it. */
  function authorize(request: AuthQuestion): Identity {
    const { access } = request;
    if (access === 'public') return {};
    const token = bearer(request.authorization);
    const known = token !== undefined && token !== '' ? identify(token) : undefined;
    const hash = known?.hash;
    if (known?.admin) return { admin: true };
    if (access === 'follow' && token !== undefined && token !== '') {
      // Never anonymous, loopback included: these routes hand out key hashes and model files.
      const key = keys.authenticateHashed(token, hash as string);
      if (key?.scopes.includes('follow')) return { key };
      // Anything else is answered as on any admin route.
    }
    const local = request.local();
    if (access === 'admin' || access === 'follow') {
      if (!local) throttle(request.ip);
      if (token === undefined) throw unauthorized('This admin route needs the admin token: send "Authorization: Bearer <admin token>".');
      if (token.startsWith('hearth_') && !token.startsWith('hearth_admin_')) {
        throw unauthorized('API keys cannot call admin routes (except a follow key on what a follower reads); use the admin token.');
      }
      throw unauthorized('The admin token is not valid.');
    }
    if (token === undefined || token === '') {
      // A page of another origin is not the machine's own client even from a loopback browser:
      // without this, any site the CORS list names could drive a keyless loopback server.
      if (!config.requireApiKey && request.corsOrigin === undefined && local) return {};
      if (!local) throttle(request.ip);
      throw unauthorized('This server needs an API key: send "Authorization: Bearer <key>". The admin creates keys with "hearth key create".');
    }
    const key = keys.authenticateHashed(token, hash as string);
    if (!key) {
      if (!local) throttle(request.ip);
      throw unauthorized('The API key is not valid (unknown, revoked or expired).');
    }
    if (!key.scopes.includes(access)) {
      throw new HttpError(403, `This API key lacks the "${access}" scope this route needs.`);
    }
    return { key };
  }
}, { name: 'hearth-auth', dependencies: ['hearth-network'] });

/** Refuses a key limited to other models; called by routes once they know the model. */
export function checkModelAccess(request: FastifyRequest, model: string): void {
  const key = request.apiKey;
  if (key?.models && !key.models.includes(model)) {
    throw new HttpError(403, `This API key may not call model "${model}".`);
  }
}
