import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { reasonOf, type FailureReason } from '../observability/index.js';
import { QueueTimeoutError } from '../runtime/scheduler.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the error says more than its status code does (a queue timeout is a 503). */
    failureReason?: FailureReason;
  }
}

/**
 * `GET /metrics` in Prometheus text format, and the hooks that feed it and the latency history
 * from every /infer request. Registered before the inference routes so the hooks cover them.
 */
export const metricsPlugin = fp(async (app: FastifyInstance) => {
  const { observability, registry } = app.hearth;
  const isInfer = (url: string | undefined) => url !== undefined && url.endsWith('/infer');
  app.decorateRequest('failureReason', undefined);

  app.addHook('onError', async (request, _reply, error) => {
    if (isInfer(request.routeOptions.url) && error instanceof QueueTimeoutError) request.failureReason = 'timeout';
  });

  app.addHook('onResponse', async (request, reply) => {
    if (!isInfer(request.routeOptions.url)) return;
    const inf = request.inference;
    const status = reply.statusCode;
    const ok = status < 400;
    // Only names of registered models become label values: a client cannot mint time series.
    const name = (request.params as { name?: string }).name;
    const model = inf?.model ?? (name !== undefined && registry.hasModel(name) ? name : '');
    observability.recordInference({
      model,
      version: inf ? String(inf.version) : '',
      ok,
      reason: ok ? undefined : request.failureReason ?? reasonOf(status),
      seconds: reply.elapsedTime / 1000,
      batchSize: inf && inf.batchSize > 0 ? inf.batchSize : undefined,
      queueNs: inf?.cached ? undefined : inf?.queueNs,
      computeNs: inf?.cached ? undefined : inf?.computeNs,
    });
  });

  app.get('/metrics', {
    config: { access: 'metadata' },
    schema: {
      tags: ['metrics'],
      summary: 'Prometheus metrics (text format 0.0.4)',
      description: 'Loopback clients need no key; LAN clients an API key with the "metadata" scope, or the admin token.',
    },
  }, async (_req, reply) => {
    const { registry: prom } = observability.metrics;
    return reply.header('content-type', prom.contentType).send(await prom.metrics());
  });
}, { name: 'hearth-metrics', dependencies: ['hearth-auth'] });
