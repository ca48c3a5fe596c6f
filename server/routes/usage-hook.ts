import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

function byteLength(payload: unknown): number {
  if (typeof payload === 'string') return Buffer.byteLength(payload);
  if (payload instanceof Uint8Array) return payload.byteLength;
  return 0;
}

/**
 * One usage record per inference request, committed before the response leaves: a process
 * killed after answering has already written the record of that answer.
 */
export const usageHook = fp(async (app: FastifyInstance) => {
  const { usage } = app.hearth;
  app.addHook('onSend', async (request, reply, payload) => {
    if (!request.routeOptions.url?.endsWith('/infer')) return payload;
    const params = request.params as { name?: string; version?: string };
    const inf = request.inference;
    const status = reply.statusCode;
    const ok = status < 400;
    let reason: string | null = null;
    if (!ok && typeof payload === 'string') {
      try { reason = (JSON.parse(payload) as { error?: string }).error ?? null; } catch { reason = null; }
    }
    await usage.append({
      requestId: request.id,
      client: request.ip,
      keyId: request.apiKey?.id ?? null,
      model: inf?.model ?? params.name ?? null,
      version: inf?.version ?? (params.version && /^[0-9]+$/.test(params.version) ? Number(params.version) : null),
      outcome: ok ? 'success' : status === 401 || status === 403 || status === 429 ? 'rejected' : 'error',
      status,
      latencyUs: Math.round(reply.elapsedTime * 1000),
      batchSize: inf?.batchSize ?? null,
      bytesIn: inf?.bytesIn ?? Number(request.headers['content-length'] ?? 0),
      bytesOut: byteLength(payload),
      reason,
    });
    return payload;
  });
}, { name: 'hearth-usage' });
