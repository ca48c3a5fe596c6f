import type { FastifyInstance, onSendHookHandler } from 'fastify';
import { REJECTED_STATUSES } from '../net/rejections.js';

function byteLength(payload: unknown): number {
  if (typeof payload === 'string') return Buffer.byteLength(payload);
  if (payload instanceof Uint8Array) return payload.byteLength;
  return 0;
}

function reasonOf(payload: unknown): string | null {
  if (typeof payload !== 'string') return null;
  try {
    return (JSON.parse(payload) as { error?: string }).error ?? null;
  } catch {
    return null;
  }
}

/**
 * The /infer routes' onSend hook: one usage record per inference request, durable (written to the
 * usage journal) before the response leaves, so a process killed after answering has the record of
 * that answer (refused requests are summarised instead, see net/rejections.ts). Hashing and the SQLite commit come after, in the log's thread.
 */
export function usageOnSend(app: FastifyInstance): onSendHookHandler {
  const { usage } = app.hearth;
  return (request, reply, payload, done) => {
    const params = request.params as { name?: string; version?: string };
    const inf = request.inference;
    const status = reply.statusCode;
    // Refused before reaching a model: summarised per client by the network plugin, not one
    // chained record each (a client without a key could otherwise fill the disk).
    if (inf === undefined && REJECTED_STATUSES.has(status)) return done(null, payload);
    const ok = status < 400;
    usage.record({
      requestId: request.id,
      client: request.ip,
      keyId: request.apiKey?.id ?? null,
      model: inf?.model ?? params.name ?? null,
      version: inf?.version ?? (params.version && /^[0-9]+$/.test(params.version) ? Number(params.version) : null),
      outcome: ok ? 'success' : status === 401 || status === 403 || status === 429 ? 'rejected' : 'error',
      status,
      latencyUs: Math.round((performance.now() - request.arrivedAt) * 1000),
      batchSize: inf?.batchSize ?? null,
      bytesIn: inf?.bytesIn ?? Number(request.headers['content-length'] ?? 0),
      bytesOut: byteLength(payload),
      reason: ok ? null : reasonOf(payload),
    }, (error) => (error ? done(error) : done(null, payload)), inf?.alone === true);
  };
}
