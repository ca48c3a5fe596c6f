import type { FastifyError } from 'fastify';
import { HearthError, HttpError, STATUS_OF } from './errors.js';
import { AuditChainRefused } from '../usage/index.js';
import { ProtocolError } from '../protocol/errors.js';

/** What an error is answered with: the one mapping for Fastify's error handler and the inference lane (infer-lane.ts). */
export interface ErrorReply {
  status: number;
  headers: Record<string, string>;
  body: { error: string };
  /** The server's own failure: log it with this message. */
  log?: string;
}

export function errorReply(err: unknown, requestId: string, bodyLimitBytes: number): ErrorReply {
  if (err instanceof HttpError) return { status: err.statusCode, headers: err.headers, body: { error: err.message } };
  if (err instanceof HearthError) {
    const status = STATUS_OF[err.kind];
    const headers: Record<string, string> = err.retryAfterS === undefined ? {} : { 'retry-after': String(err.retryAfterS) };
    return { status, headers, body: { error: err.message }, ...(status >= 500 ? { log: 'request failed' } : {}) };
  }
  if (err instanceof ProtocolError) return { status: err.status, headers: {}, body: { error: err.message } };
  if (err instanceof AuditChainRefused) {
    // The server's own state, not the client's mistake: the action was not done and can be retried once an admin has looked.
    return { status: 503, headers: {}, body: { error: `Not done: the usage log refuses to record it. ${err.message}` }, log: 'usage log refuses to extend its chain' };
  }
  const fe = err as FastifyError;
  if (fe.validation) return { status: 400, headers: {}, body: { error: `Invalid request: ${fe.message}.` } };
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return { status: 413, headers: {}, body: { error: `The request body is larger than the limit of ${bodyLimitBytes} bytes.` } };
  }
  if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) return { status: fe.statusCode, headers: {}, body: { error: fe.message } };
  return { status: 500, headers: {}, body: { error: `Internal error; the server log has the details under request id ${requestId}.` }, log: 'request failed' };
}
