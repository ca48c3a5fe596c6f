import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { HttpError } from './http/errors.js';
import { errorReply } from './http/error-reply.js';
import { requestIdGenerator } from './http/net/request-id.js';
import type { ProtocolError } from './protocol/errors.js';
import { adminRoutes } from './http/routes/admin.js';
import { identityRoutes } from './http/routes/identity.js';
import { newLaunchNonce } from './auth/identity.js';
import { followPlugin } from './http/routes/follow.js';
import { usageRoutes } from './http/routes/usage.js';
import { exportTritonRoutes } from './http/routes/export-triton.js';
import { metricsRoutes } from './http/routes/metrics.js';
import { observabilityRoutes } from './http/routes/observability.js';
import { ErrorSchema } from './http/routes/schemas.js';
import { authPlugin } from './http/auth-plugin.js';
import { withRedaction } from './auth/log-redact.js';
import { NetworkControl } from './http/net/control.js';
import { networkPlugin, rateLimitPlugin } from './http/net/plugin.js';
import { auditGatePlugin } from './http/audit-gate.js';
import { NetworkStore } from './http/net/settings.js';
import { serverOptions } from './http/net/server-options.js';
import type { TlsMaterial } from './http/net/tls.js';
import { networkRoutes } from './http/routes/network.js';
import { uiRoutes } from './http/routes/ui.js';
import { v2Routes } from './http/routes/v2.js';
import type { Services } from './services.js';
import { VERSION } from './base/version.js';
import { InferLane } from './http/infer-lane.js';
import type { IncomingMessage, ServerResponse } from 'node:http';

declare module 'fastify' {
  interface FastifyInstance {
    hearth: Services;
    /** The inference lane, unless built without it. */
    inferLane: InferLane | undefined;
  }
}

export type HearthApp = FastifyInstance;

export interface AppOptions {
  logger?: FastifyServerOptions['logger'];
  /** Serve HTTPS with this certificate (see server/http/net/tls.ts). */
  tls?: TlsMaterial | null;
  /** This start's nonce, answered by GET /admin/v1/identity (random when not given). */
  launchNonce?: string;
  /** Serve /infer requests in the inference lane (http/infer-lane.ts); off only to compare with Fastify's route. */
  inferLane?: boolean;
}

/** Builds the whole HTTP surface over the given services; never listens. */
export async function buildApp(services: Services, opts: AppOptions = {}): Promise<HearthApp> {
  const { config } = services;
  const genReqId = requestIdGenerator();
  const app = Fastify({
    logger: withRedaction(opts.logger ?? false),
    bodyLimit: config.bodyLimitBytes,
    // The server's own id, and beside it the client's X-Request-Id when valid (net/request-id.ts);
    // the log never holds an Authorization header.
    requestIdHeader: false,
    // Behind a load balancer, request.ip is the client that X-Forwarded-For names, but only when the
    // connection comes from a proxy the admin listed: anyone else could forge the header.
    trustProxy: config.trustProxy.length > 0 ? config.trustProxy : false,
    genReqId,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    connectionTimeout: 0,
    requestTimeout: Math.max(config.requestTimeoutMs, config.uploadTimeoutMs),
    keepAliveTimeout: 72_000,
    routerOptions: { maxParamLength: 256 },
    forceCloseConnections: 'idle',
    ...serverOptions(config, opts.tls),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('hearth', services);
  const lane = opts.inferLane === false ? undefined : new InferLane(app, genReqId);
  app.decorate('inferLane', lane);

  app.setErrorHandler((err: FastifyError | HttpError | ProtocolError, request, reply) => {
    const r = errorReply(err, request.id, config.bodyLimitBytes);
    if (r.log !== undefined) request.log.error({ err }, r.log);
    void reply.headers(r.headers).code(r.status).send(r.body);
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: `No endpoint ${request.method} ${request.url.split('?')[0]}. See /docs for the API.` });
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Hearth API',
        version: VERSION,
        description: 'The Open Inference Protocol (KServe v2) inference API, with Triton\'s binary tensor extension, and Hearth\'s admin API.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API key (inference) or the admin token (/admin/v1).' },
        },
      },
      security: [{ bearer: [] }],
      tags: [
        { name: 'inference', description: 'Open Inference Protocol v2' },
        { name: 'repository', description: 'Model repository extension' },
        { name: 'admin', description: 'Registry, keys, system and usage (admin token)' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.addSchema(ErrorSchema);
  // The network policy is built here, with the rest of the wiring; the plugin only enforces it.
  await app.register(networkPlugin, { control: new NetworkControl(new NetworkStore(services.db), config, opts.tls?.info ?? null), lane });
  await app.register(authPlugin, { lane });
  await app.register(rateLimitPlugin);
  await app.register(auditGatePlugin);
  // What the /infer routes fill in for their own hooks (usage record, metrics); decorated here so every request has the same shape.
  app.decorateRequest('inference', undefined);
  app.decorateRequest('failureReason', undefined);
  app.decorateRequest('arrivedAt', 0);
  await app.register(metricsRoutes);
  await app.register(v2Routes, { lane });
  await app.register(adminRoutes, { prefix: '/admin/v1' });
  await app.register(identityRoutes, { prefix: '/admin/v1', nonce: opts.launchNonce ?? newLaunchNonce() });
  await app.register(followPlugin);
  await app.register(networkRoutes, { prefix: '/admin/v1' });
  await app.register(usageRoutes, { prefix: '/admin/v1' });
  await app.register(exportTritonRoutes, { prefix: '/admin/v1' });
  await app.register(observabilityRoutes, { prefix: '/admin/v1' });
  await app.register(uiRoutes);
  if (lane) {
    // Ahead of Fastify's own handler: the lane takes what it serves, and hands everything else on untouched.
    const fastifyHandler = app.server.listeners('request')[0] as (req: IncomingMessage, res: ServerResponse) => void;
    app.server.removeListener('request', fastifyHandler);
    app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (!lane.take(req, res)) fastifyHandler(req, res);
    });
    app.addHook('preClose', (done) => {
      lane.close();
      done();
    });
  }
  return app;
}
