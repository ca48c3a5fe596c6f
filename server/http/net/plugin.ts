import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import fp from 'fastify-plugin';
import { HttpError } from '../errors.js';
import { normalizeAddress } from './cidr.js';
import type { NetworkControl } from './control.js';
import { Counter } from 'prom-client';
import { HostCheck } from './host-check.js';
import { isLocalClient } from './local-client.js';
import { badRequestId } from './request-id.js';
import { BodyDeadlines, hasBody } from './body-deadline.js';
import { RejectionBudget, RejectionSummaries, REJECTED_STATUSES } from './rejections.js';
import type { InferLane } from '../infer-lane.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Exposure, client allowlist, CORS and rate limits in force. */
    network: NetworkControl;
    /** Refused requests waiting to be summarised in the usage log; usage reads flush them first. */
    rejections: RejectionSummaries;
    /** Refusals per client address; the auth plugin answers 429 to an address past its budget. */
    rejectionBudget: RejectionBudget;
  }
  interface FastifyRequest {
    /** The request's Origin when CORS allows it; the response then names it. */
    corsOrigin?: string;
  }
  interface FastifyContextConfig {
    /** The route receives model files: its body may take --upload-timeout rather than the request timeout. */
    upload?: boolean;
  }
}

const PREFLIGHT_MAX_AGE_S = 600;
/** An address may be refused this many seconds' worth of its rate at once. */
const REJECTED_BURST_SECONDS = 10;
/** How often the rejected-request summaries go to the usage log. */
const REJECTED_SUMMARY_MS = 60_000;

function errorText(payload: string): string | null {
  try {
    const e = (JSON.parse(payload) as { error?: unknown }).error;
    return typeof e === 'string' ? e.slice(0, 300) : null;
  } catch {
    return null;
  }
}
const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
const ALLOWED_HEADERS = 'authorization, content-type, inference-header-content-length, x-request-id';
const EXPOSED_HEADERS = 'inference-header-content-length, retry-after, x-request-id';

/** Same-origin requests carry an Origin too (POST from the /ui pages); they are not cross-origin. */
function sameOrigin(request: FastifyRequest, origin: string): boolean {
  try {
    const o = new URL(origin);
    // Through URL both sides drop the scheme's default port alike.
    return request.headers.host !== undefined && new URL(`${o.protocol}//${request.headers.host}`).host === o.host;
  } catch {
    return false;
  }
}

/**
 * The network policy's gate, ahead of authentication: a client outside the allowlist is refused
 * before its body is read, and a web page of an origin not allowed is refused outright (its
 * requests would otherwise still run, even though the browser hid the answer).
 */
export const networkPlugin = fp(async (app: FastifyInstance, opts: { control: NetworkControl; lane?: InferLane }) => {
  const { control } = opts;
  app.decorate('network', control);
  app.decorateRequest('corsOrigin', undefined);
  const { config, usage, observability } = app.hearth;
  const hosts = new HostCheck(config.allowedHosts);
  const proxied = config.trustProxy.length > 0;
  const budget = new RejectionBudget({ perSecond: config.rejectedPerSecond, burst: config.rejectedPerSecond * REJECTED_BURST_SECONDS });
  const summaries = new RejectionSummaries((action) => usage.appendAdmin(action));
  app.decorate('rejections', summaries);
  app.decorate('rejectionBudget', budget);
  const rejected = new Counter({
    name: 'hearth_rejected_requests_total', help: 'Requests refused before they reached a model (401, 403, 404, 429), by status; summarised in the usage log.',
    labelNames: ['status'], registers: [observability.metrics.registry],
  });
  // Only when uploads get longer than other requests: otherwise Node's own limit is the one.
  const deadlines = config.uploadTimeoutMs > config.requestTimeoutMs ? new BodyDeadlines(config.requestTimeoutMs) : undefined;
  /** Why a request from `address` with these headers is refused before its body is read (allowlist, X-Request-Id, Host), or undefined. */
  const refusal = (address: string | undefined, headers: IncomingHttpHeaders): HttpError | undefined => {
    if (!control.allows(address)) {
      // Closing the connection lets the server answer without reading what the client still sends.
      return new HttpError(403, `Your address ${address ? normalizeAddress(address) : '(unknown)'} is not in this server's client allowlist; ` +
        'the admin can add it with "hearth network allow --add ADDRESS/32".', { connection: 'close' });
    }
    const badId = badRequestId(headers['x-request-id']);
    if (badId !== undefined) return new HttpError(400, badId);
    const host = headers.host;
    if (!hosts.allows(host)) {
      return new HttpError(403, `This server does not answer to the name "${String(host).slice(0, 100)}" (a page may be trying DNS rebinding). ` +
        'Use its address or host name, or the admin can allow the name with "hearth serve --allowed-hosts NAME".');
    }
    return undefined;
  };
  // The inference lane refuses nothing itself: it leaves to this hook what this would refuse (http/infer-lane.ts).
  if (opts.lane) opts.lane.network = { control, refusal, deadlines };
  const flushTimer = setInterval(() => { summaries.flush().catch((error: unknown) => app.log.error({ err: error }, 'writing the rejected-request summaries failed')); }, REJECTED_SUMMARY_MS);
  flushTimer.unref();

  // Callback-style hooks: an async hook costs a promise and a microtask turn on every request.
  app.addHook('onRequest', function networkCheck(request, reply, done) {
    request.arrivedAt = performance.now();
    if (deadlines !== undefined && request.routeOptions.config.upload !== true && hasBody(request.raw)) deadlines.watch(request.raw);
    const refused = refusal(request.ip, request.headers);
    if (refused !== undefined) return done(refused);
    const origin = request.headers.origin;
    if (origin === undefined || sameOrigin(request, origin)) return done();
    if (!control.corsAllows(origin)) {
      const how = control.settings.corsOrigins.length === 0
        ? 'Cross-origin requests are off on this server'
        : `The origin ${origin} is not in this server's CORS allowlist`;
      return done(new HttpError(403, `${how}; the admin can allow it with "hearth network cors --add ${origin}".`));
    }
    request.corsOrigin = origin;
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      // Answered here: done() is not called, so the request goes no further.
      void reply.code(204).headers({
        'access-control-allow-origin': origin,
        'access-control-allow-methods': ALLOWED_METHODS,
        'access-control-allow-headers': ALLOWED_HEADERS,
        'access-control-max-age': String(PREFLIGHT_MAX_AGE_S),
        vary: 'Origin',
      }).send();
      return;
    }
    done();
  });

  // The body has been read: its clock stops here, not when the answer is sent (an inference may take longer).
  if (deadlines !== undefined) {
    app.addHook('preValidation', function bodyRead(request, _reply, done) {
      deadlines.done(request.raw);
      done();
    });
  }

  app.addHook('onSend', function networkOnSend(request, reply, payload, done) {
    deadlines?.done(request.raw);
    const status = reply.statusCode;
    if (REJECTED_STATUSES.has(status) && request.inference === undefined) {
      rejected.labels(String(status)).inc();
      const client = request.ip ?? 'unknown';
      // The machine's own clients are not budgeted, as they need no key (and may be a proxy).
      if (!isLocalClient(request, proxied)) budget.charge(client);
      summaries.add({
        client, status, keyId: request.apiKey?.id ?? null, time: Date.now(),
        model: (request.params as { name?: string } | undefined)?.name ?? null,
        reason: typeof payload === 'string' ? errorText(payload) : null,
      });
    }
    if (request.corsOrigin !== undefined) {
      void reply.header('access-control-allow-origin', request.corsOrigin);
      void reply.header('access-control-expose-headers', EXPOSED_HEADERS);
      void reply.header('vary', 'Origin');
    }
    done(null, payload);
  });

  app.addHook('preClose', async () => {
    clearInterval(flushTimer);
    deadlines?.close();
    await summaries.flush();
    await control.close();
  });
  app.addHook('onClose', async () => { await control.drain(); });
}, { name: 'hearth-network' });

/**
 * Per-key rate limits, after authentication (it needs the key). A refused request gets 429 with
 * Retry-After before its body is read; an admitted one holds a concurrency slot until its
 * response has gone or its client has gone away.
 */
export const rateLimitPlugin = fp(async (app: FastifyInstance) => {
  app.addHook('onRequest', function rateLimit(request, reply, done) {
    const key = request.apiKey;
    if (!key) return done();
    const limits = app.network.limitsFor(key);
    // No limit set for this key (the default): nothing to count, no listeners to add.
    if (limits.perSecond === null && limits.concurrent === null) return done();
    const verdict = app.network.limiter.acquire(key.id, limits);
    if (!verdict.ok) return done(new HttpError(429, verdict.message, { 'retry-after': String(verdict.retryAfterS) }));
    reply.raw.once('close', verdict.release);
    reply.raw.once('finish', verdict.release);
    done();
  });
}, { name: 'hearth-rate-limit', dependencies: ['hearth-network', 'hearth-auth'] });
