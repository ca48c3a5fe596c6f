import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest, onSendHookHandler } from 'fastify';
import type { ApiKey } from '../auth/keys.js';
import type { ModelVersion } from '../registry/registry.js';
import { QueueTimeoutError } from '../runtime/outcome.js';
import { asError } from '../base/message.js';
import { errorReply } from './error-reply.js';
import type { HttpError } from './errors.js';
import type { AuthQuestion, Identity } from './auth-types.js';
import { isLoopbackAddress } from './net/cidr.js';
import type { NetworkControl } from './net/control.js';
import type { BodyDeadlines } from './net/body-deadline.js';
import { collectInferBody } from './routes/infer-body.js';
import { infer } from './routes/infer.js';

/**
 * The inference lane: POST /v2/models/NAME[/versions/N]/infer served ahead of Fastify's router.
 *
 * Fastify's router, request and reply objects, hook runners and reply path were 7.6% of the HTTP
 * thread's profile with binary tensors at 64 connections, and its hooks' code 3.4% more; with the
 * lane that is 2.7% and 1.0%. On this 2-core machine, whose rounds swing 2×, the difference in
 * CPU per request between the two builds measured within that noise (see the inference-path issue's note).
 *
 * The lane takes a request only when nothing ahead of the route would refuse or change it: no
 * Origin (CORS), no X-Forwarded-For, a Content-Length within the body limit, no Expect, what the
 * network plugin's `refusal` lets through (allowlist, X-Request-Id, Host), what the auth plugin's
 * own `authorize` lets through for the "infer" scope other than the admin token, a key for this
 * model without a rate limit, and a version that exists and has no processing. Anything else goes
 * to Fastify untouched, which answers it (refusals included) as before: the lane never refuses on
 * its own. What follows the checks is the route's own code: the body collector, `infer`, the
 * route's onSend hook (in-progress count, metrics, usage record) and the error handler's mapping
 * (error-reply.ts). A hook added to the /infer routes must be added here too: infer-lane.test.ts
 * lists the hooks this was written against.
 */
export class InferLane {
  /** Set by the network plugin: its refusal ahead of the body, its policy and its body deadlines. */
  network?: { control: NetworkControl; refusal: (address: string | undefined, headers: IncomingHttpHeaders) => HttpError | undefined; deadlines: BodyDeadlines | undefined };
  /** Set by the auth plugin: its own check (throws the refusal). */
  authorize?: (question: AuthQuestion) => Identity;
  /** Set by the v2 routes. */
  route?: { onSend: onSendHookHandler; admit: (request: FastifyRequest) => boolean };
  /** Requests the lane has served (for tests and the bench). */
  taken = 0;
  private closing = false;
  private readonly collect: ReturnType<typeof collectInferBody>;

  constructor(
    private readonly app: FastifyInstance,
    private readonly genReqId: (raw: IncomingMessage) => string,
  ) {
    this.collect = collectInferBody(app.hearth.config.bodyLimitBytes);
  }

  /** Stops taking requests (the server is closing: Fastify answers them 503). */
  close(): void {
    this.closing = true;
  }

  /** Serves the request and returns true, or returns false having touched nothing (Fastify serves it). */
  take(raw: IncomingMessage, res: ServerResponse): boolean {
    if (raw.method !== 'POST' || this.closing) return false;
    let accepted;
    try {
      accepted = this.accept(raw);
    } catch {
      // A check that failed (the database, say): Fastify's route runs it again and answers the error.
      return false;
    }
    if (accepted === undefined) return false;
    this.taken += 1;
    this.serve(raw, res, accepted.params, accepted.key, accepted.v);
    return true;
  }

  /** What the lane serves the request with, or undefined for Fastify to serve it. */
  private accept(raw: IncomingMessage): { params: { name: string; version: string | undefined }; key: ApiKey | undefined; v: ModelVersion } | undefined {
    const m = LANE_PATH.exec(raw.url ?? '');
    const { network, authorize, route } = this;
    if (m === null || network === undefined || authorize === undefined || route === undefined) return undefined;
    const h = raw.headers;
    const { config, registry } = this.app.hearth;
    if (h.origin !== undefined || h['x-forwarded-for'] !== undefined || h.expect !== undefined || h['transfer-encoding'] !== undefined) return undefined;
    const declared = Number(h['content-length']);
    if (!Number.isSafeInteger(declared) || declared <= 0 || declared > config.bodyLimitBytes) return undefined;
    // The network plugin's and the auth plugin's own checks: what they would refuse, Fastify refuses.
    const ip = raw.socket.remoteAddress;
    if (ip === undefined || network.refusal(ip, h) !== undefined) return undefined;
    let who: Identity;
    try {
      // No Origin and no X-Forwarded-For: local is the socket's own address, as isLocalClient reads it.
      who = authorize({ access: 'infer', authorization: h.authorization, ip, local: () => isLoopbackAddress(ip), corsOrigin: undefined });
    } catch {
      return undefined;
    }
    const key = who.key;
    const name = m[1];
    // The admin token, a key for other models (checkModelAccess) or one with a rate limit: the route's to answer.
    if (who.admin || (key !== undefined && key.models !== null && !key.models.includes(name))) return undefined;
    if (key !== undefined) {
      const limits = network.control.limitsFor(key);
      if (limits.perSecond !== null || limits.concurrent !== null) return undefined;
    }
    let v: ModelVersion;
    try {
      v = registry.getVersion(name, registry.resolve(name, m[2]));
    } catch {
      return undefined;
    }
    if (v.processing) return undefined;
    return { params: { name, version: m[2] }, key, v };
  }

  private serve(raw: IncomingMessage, res: ServerResponse, params: { name: string; version: string | undefined }, key: ApiKey | undefined, v: ModelVersion): void {
    const { app } = this;
    const { onSend, admit } = this.route as NonNullable<InferLane['route']>;
    const deadlines = this.network?.deadlines;
    const request = {
      id: this.genReqId(raw), raw, headers: raw.headers, params, ip: raw.socket.remoteAddress, socket: raw.socket,
      apiKey: key, isAdmin: false, arrivedAt: performance.now(),
      inference: undefined as FastifyRequest['inference'], failureReason: undefined as FastifyRequest['failureReason'], body: undefined as unknown,
    };
    deadlines?.watch(raw);
    let sent = false;
    const headers: Record<string, string> = {};
    const write = (status: number, payload: string | Buffer): void => {
      headers['content-length'] = String(Buffer.byteLength(payload));
      res.writeHead(status, headers);
      res.end(payload);
    };
    const reply = {
      statusCode: 200,
      raw: res,
      header(k: string, value: string) {
        headers[k] = value;
        return reply;
      },
      send(payload: string | Buffer | Error): void {
        if (sent) return;
        sent = true;
        deadlines?.done(raw);
        // The error handler's answer (error-reply.ts): its status, its headers only, its JSON body.
        const errorBody = (err: Error): string => {
          const r = errorReply(err, request.id, app.hearth.config.bodyLimitBytes);
          if (r.log !== undefined) app.log.error({ err, reqId: request.id }, r.log);
          reply.statusCode = r.status;
          for (const k of Object.keys(headers)) delete headers[k];
          Object.assign(headers, r.headers, { 'content-type': 'application/json; charset=utf-8' });
          return JSON.stringify(r.body);
        };
        if (payload instanceof QueueTimeoutError) request.failureReason = 'timeout';
        const body = payload instanceof Error ? errorBody(payload) : payload;
        const afterSend = (err?: Error | null, after?: unknown): void => {
          // As Fastify does for an onSend hook's error: the error handler's answer, without the hooks again.
          if (err) write(reply.statusCode, errorBody(err));
          else write(reply.statusCode, (after ?? body) as string | Buffer);
        };
        try {
          onSend.call(app, request as unknown as FastifyRequest, reply as unknown as FastifyReply, body, afterSend as Parameters<onSendHookHandler>[3]);
        } catch (err) {
          if (!res.headersSent) afterSend(asError(err));
        }
      },
    };
    this.collect(request as unknown as FastifyRequest, raw, (err, body) => {
      if (err) {
        reply.send(err);
        return;
      }
      request.body = body;
      deadlines?.done(raw);
      request.inference = { model: v.name, version: v.version, batchSize: 0, bytesIn: 0 };
      const alone = admit(request as unknown as FastifyRequest);
      request.inference.alone = alone;
      try {
        const answer = infer(app, request as unknown as FastifyRequest, reply as unknown as FastifyReply, v, alone);
        answer?.then((payload) => reply.send(payload), (e: unknown) => reply.send(asError(e)));
      } catch (e) {
        reply.send(asError(e));
      }
    });
  }
}

/** The unversioned and numbered /infer paths, for model names that need no decoding; the others go to Fastify. */
const LANE_PATH = /^\/v2\/models\/([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})(?:\/versions\/([1-9][0-9]{0,8}))?\/infer$/;
