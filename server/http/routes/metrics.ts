import type { FastifyInstance, FastifyReply, FastifyRequest, onErrorHookHandler } from 'fastify';
import { HttpError } from '../errors.js';
import { content, errors, Text } from './schemas.js';
import { reasonOf, type FailureReason } from '../../observability/index.js';
import { QueueTimeoutError } from '../../runtime/outcome.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the error says more than its status code does (a queue timeout is a 503). */
    failureReason?: FailureReason;
  }
}

/** The /infer routes' onError hook: a queue timeout is a 503 the metrics name "timeout". */
export const inferOnError: onErrorHookHandler = (request, _reply, error, done) => {
  if (error instanceof QueueTimeoutError) request.failureReason = 'timeout';
  done();
};

/**
 * Feeds the metrics and the latency history from an /infer answer; called from the routes' onSend
 * hook (an onResponse hook makes Fastify add and remove two listeners on every response).
 */
export function inferenceMetrics(app: FastifyInstance): (request: FastifyRequest, reply: FastifyReply) => void {
  const { observability, registry } = app.hearth;
  return (request, reply) => {
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
      seconds: (performance.now() - request.arrivedAt) / 1000,
      batchSize: inf && inf.batchSize > 0 ? inf.batchSize : undefined,
      queueNs: inf?.cached ? undefined : inf?.queueNs,
      computeNs: inf?.cached ? undefined : inf?.computeNs,
    });
  };
}

/** `GET /metrics` in Prometheus text format. */
export async function metricsRoutes(app: FastifyInstance): Promise<void> {
  const { observability } = app.hearth;
  app.get('/metrics', {
    // Its own scope: the metrics name every model and its traffic, which a key limited to some
    // models, or meant only for inference, must not read.
    config: { access: 'metrics' },
    schema: {
      tags: ['metrics'],
      summary: 'Prometheus metrics (text format 0.0.4)',
      description: 'Loopback clients need no key; LAN clients an API key with the "metrics" scope and no model list, or the admin token.',
      response: { 200: content('The metrics, in Prometheus text format 0.0.4', { 'text/plain': Text }), ...errors(403) },
    },
  }, async (req, reply) => {
    if (req.apiKey?.models) throw new HttpError(403, 'The metrics cover every model; this key is limited to some. Make a key for Prometheus with "hearth key create NAME --scopes metrics".');
    const { registry: prom } = observability.metrics;
    return reply.header('content-type', prom.contentType).send(await prom.metrics());
  });
}
