import type { FastifyInstance, FastifyRequest, onSendHookHandler } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { checkModelAccess } from '../auth-plugin.js';
import type { ModelVersion } from '../../registry/registry.js';
import { refuseUnloadOfProduction } from '../../reliability/unload-policy.js';
import { inferenceMetrics, inferOnError } from './metrics.js';
import { processedSignature } from '../../processing/resolve.js';
import { usageOnSend } from './usage-hook.js';
import { badRequest } from '../errors.js';
import { wantsTensors } from './processing.js';
import { collectInferBody } from './infer-body.js';
import { infer } from './infer.js';
import type { InferLane } from '../infer-lane.js';
import { VERSION } from '../../base/version.js';
import {
  errors, InferAnswer, InferRequestSchema, ModelMetadataSchema, ModelParams, noBody, notReady,
  RepositoryIndexSchema, ServerMetadataSchema, StatsSchema, VersionParams,
} from './schemas.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** What the usage log records about an inference request, filled in as it is learned. */
    inference?: {
      model: string; version: number; batchSize: number; bytesIn: number; cached?: boolean;
      /** From the scheduler, for the metrics: time queued, and from leaving the queue to split outputs. */
      queueNs?: number; computeNs?: number;
      /** Counted among the inference requests in progress (see v2Routes). */
      counted?: boolean;
      /** No other inference request was in progress when it arrived. */
      alone?: boolean;
    };
    /**
     * performance.now() when the request arrived (set by the first hook, server/http/net/plugin.ts): the
     * latency in the usage log and metrics. Fastify's reply.elapsedTime needs an onResponse hook,
     * which adds two listeners to every response.
     */
    arrivedAt: number;
  }
}

export const EXTENSIONS = ['binary_tensor_data', 'model_repository', 'statistics', 'schedule_policy', 'model_configuration'];

/** Versions are numbers; the path may also name an alias (`production`, `canary`, …). */
function versionOf(app: FastifyInstance, name: string, ref?: string): ModelVersion {
  const { registry } = app.hearth;
  return registry.getVersion(name, registry.resolve(name, ref));
}

function metadataOf(app: FastifyInstance, v: ModelVersion, listVersions: boolean, tensors: boolean) {
  const state = app.hearth.models.state(v.name, v.version);
  // A version with processing shows what clients send and get (files, labels); ?processing=none its tensors.
  const signature = v.processing && !tensors ? processedSignature(v.processing, v.signature) : v.signature;
  return {
    name: v.name,
    ...(listVersions ? { versions: app.hearth.registry.listVersions(v.name).map((x) => String(x.version)) } : {}),
    platform: 'onnxruntime_onnx',
    inputs: signature.inputs,
    outputs: signature.outputs,
    parameters: {
      version: String(v.version),
      state: state.state,
      execution_provider: state.provider ?? null,
      // Runs on the HTTP thread when its request is alone: its measured run in µs (runtime/inline.ts).
      inline_run_us: app.hearth.models.inlineRunUs(v.name, v.version),
      max_batch_size: v.settings.dynamicBatching && v.signature.inputs.every((s) => s.shape[0] === -1) ? v.settings.maxBatchSize : 0,
    },
  };
}

function statsOf(app: FastifyInstance, v: ModelVersion) {
  const s = app.hearth.models.statsOf(v.name, v.version);
  return {
    name: v.name,
    version: String(v.version),
    last_inference: s.lastInference,
    inference_count: s.inferenceCount,
    execution_count: s.executionCount,
    inference_stats: s.inference,
    batch_stats: s.batchStats(),
    parameters: {
      execution_provider: app.hearth.models.state(v.name, v.version).provider ?? null,
      circuit: app.hearth.models.health.circuitOf(v),
    },
  };
}

export async function v2Routes(parent: FastifyInstance, opts: { lane?: InferLane } = {}): Promise<void> {
  await parent.register(async (app) => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const { registry, models, config } = app.hearth;
    // Only the /infer routes write usage records and feed the inference metrics.
    const usage = usageOnSend(app);
    // Whether a request is alone: none other in progress, and none other arrived in this turn of
    // the event loop or in the last turn with arrivals (under load, one turn's sockets hold many).
    // A request alone may run on this thread (runtime/inline.ts) and write its usage record at
    // once; the others go to the batcher and share writes. Rolling the count over in quiet turns
    // too took one more setImmediate per request: an extra loop turn (epoll_wait) for each
    // sequential request, to spare the first request after a burst a trip through the batcher.
    let inProgress = 0;
    let arrivals = 0;
    let arrivalsBefore = 0;
    let turnReset: NodeJS.Immediate | null = null;
    const nextTurn = () => {
      arrivalsBefore = arrivals;
      arrivals = 0;
      turnReset = null;
    };
    const finished = (request: FastifyRequest) => {
      if (request.inference?.counted) {
        request.inference.counted = false;
        inProgress -= 1;
      }
    };
    const admit = (req: FastifyRequest): boolean => {
      inProgress += 1;
      arrivals += 1;
      turnReset ??= setImmediate(nextTurn);
      if (req.inference) req.inference.counted = true;
      return inProgress === 1 && arrivals === 1 && arrivalsBefore <= 1;
    };
    // A request stops counting once its answer is being sent: onSend runs for every answer, errors
    // included, and for a client that went away meanwhile too. (An onRequestAbort hook would add a
    // listener to every request.)
    const metrics = inferenceMetrics(app);

    const onSend: onSendHookHandler = function inferOnSend(request, reply, payload, done) {
      finished(request);
      metrics(request, reply);
      usage.call(this, request, reply, payload, done);
    };

    // The inference lane (../infer-lane.ts) serves most /infer requests with this same hook and count.
    if (opts.lane) opts.lane.route = { onSend, admit };

    // Inference bodies are parsed here, not by Fastify: JSON, a JSON header with raw bytes, or raw bytes alone.
    app.removeAllContentTypeParsers();
    // Collected so that raw tensor bytes are aligned for a typed-array view (infer-body.ts).
    app.addContentTypeParser('*', { bodyLimit: config.bodyLimitBytes }, collectInferBody(config.bodyLimitBytes));

    r.get('/v2/health/live', {
      schema: { tags: ['inference'], summary: 'Liveness: 200 while the process serves', response: { 200: noBody('Live') } },
    }, async (_req, reply) => reply.code(200).send());

    r.get('/v2/health/ready', {
      schema: { tags: ['inference'], summary: 'Readiness: 200 when every production version is loaded and warm, else 400', response: { 200: noBody('Ready'), 400: notReady } },
    }, async (_req, reply) => reply.code(serverReady(app) ? 200 : 400).send());

    r.get('/v2', {
      config: { access: 'metadata' },
      schema: { tags: ['inference'], summary: 'Server metadata', response: { 200: ServerMetadataSchema } },
    }, async () => ({ name: 'hearth', version: VERSION, extensions: EXTENSIONS }));

    for (const versioned of [false, true]) {
      const base = versioned ? '/v2/models/:name/versions/:version' : '/v2/models/:name';
      const params = versioned ? VersionParams : ModelParams;
      type P = { name: string; version?: string };

      r.get(base, {
        config: { access: 'metadata' },
        schema: { tags: ['inference'], summary: 'Model metadata', params, response: { 200: ModelMetadataSchema, ...errors(401, 403, 404) } },
      }, async (req) => {
        const p = req.params as P;
        checkModelAccess(req, p.name);
        return metadataOf(app, versionOf(app, p.name, p.version), !versioned, wantsTensors(req));
      });

      r.get(`${base}/ready`, {
        config: { access: 'metadata' },
        schema: { tags: ['inference'], summary: 'Model readiness: 200 when loaded and warm, else 400', params, response: { 200: noBody('Ready'), 400: notReady, ...errors(401, 403, 404) } },
      }, async (req, reply) => {
        const p = req.params as P;
        checkModelAccess(req, p.name);
        const v = versionOf(app, p.name, p.version);
        // Not ready while loading, unloading, with every session lost, or while its circuit is open.
        return reply.code(models.isServable(v.name, v.version) ? 200 : 400).send();
      });

      r.post(`${base}/infer`, {
        config: { access: 'infer' },
        onSend, onError: inferOnError,
        // The body is validated by the protocol decoder against the model's own signature.
        validatorCompiler: () => () => true,
        schema: {
          tags: ['inference'], summary: 'Run an inference', params, body: InferRequestSchema,
          response: { 200: InferAnswer, ...errors(400, 401, 403, 404, 413, 429, 503) },
        },
      }, (req, reply) => {
        const p = req.params as P;
        checkModelAccess(req, p.name);
        const v = versionOf(app, p.name, p.version);
        req.inference = { model: v.name, version: v.version, batchSize: 0, bytesIn: 0 };
        const alone = admit(req);
        req.inference.alone = alone;
        // Not async: the usual request is answered by reply.send from the runtime's callback (infer.ts).
        return infer(app, req, reply, v, alone);
      });

      r.get(`${base}/stats`, {
        config: { access: 'metadata' },
        schema: { tags: ['inference'], summary: 'Statistics (Triton statistics extension)', params, response: { 200: StatsSchema, ...errors(401, 403, 404) } },
      }, async (req) => {
        const p = req.params as P;
        checkModelAccess(req, p.name);
        const list = p.version === undefined ? registry.listVersions(p.name) : [versionOf(app, p.name, p.version)];
        if (list.length === 0) registry.getModel(p.name);
        return { model_stats: list.map((v) => statsOf(app, v)) };
      });
    }

    r.get('/v2/models/stats', {
      config: { access: 'metadata' },
      schema: { tags: ['inference'], summary: 'Statistics of every model version', response: { 200: StatsSchema } },
    }, async (req) => {
      const all = registry.allVersions().filter((v) => !req.apiKey?.models || req.apiKey.models.includes(v.name));
      return { model_stats: all.map((v) => statsOf(app, v)) };
    });

    r.post('/v2/repository/index', {
      config: { access: 'metadata' },
      validatorCompiler: () => () => true,
      schema: {
        tags: ['repository'], summary: 'Every model version and its state',
        body: Type.Optional(Type.Object({ ready: Type.Optional(Type.Boolean()) })), response: { 200: RepositoryIndexSchema },
      },
    }, async (req) => {
      const body = parseJsonBody(req.body);
      if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
        throw badRequest('The body of /v2/repository/index must be a JSON object, e.g. {"ready": true}, or empty.');
      }
      const ready = (body as { ready?: unknown } | undefined)?.ready;
      if (ready !== undefined && typeof ready !== 'boolean') throw badRequest('"ready" must be true or false.');
      const readyOnly = ready === true;
      const rows = registry.allVersions()
        .filter((v) => !req.apiKey?.models || req.apiKey.models.includes(v.name))
        .map((v) => {
          const s = models.state(v.name, v.version);
          return { name: v.name, version: String(v.version), state: s.state, reason: s.reason };
        });
      return readyOnly ? rows.filter((x) => x.state === 'READY') : rows;
    });

    for (const action of ['load', 'unload'] as const) {
      r.post(`/v2/repository/models/:name/${action}`, {
        config: { access: 'admin' },
        validatorCompiler: () => () => true,
        schema: {
          tags: ['repository'], summary: `${action === 'load' ? 'Load' : 'Unload'} a model (admin token)`,
          description: 'Body: optional {"parameters": {"version": "N"}}; without it, the production (else newest) version.',
          params: ModelParams, response: { 200: Type.Object({}), ...errors(400, 401, 404, 409, 503) },
        },
      }, async (req) => {
        const { name } = req.params as { name: string };
        const body = parseJsonBody(req.body) as { parameters?: { version?: unknown } } | undefined;
        const ref = body?.parameters?.version;
        if (ref !== undefined && typeof ref !== 'string' && typeof ref !== 'number') throw badRequest('parameters.version must be a version number.');
        const v = versionOf(app, name, ref === undefined ? undefined : String(ref));
        if (action === 'load') await models.load(v.name, v.version);
        else {
          refuseUnloadOfProduction(registry, v.name, v.version);
          await models.unload(v.name, v.version);
        }
        await app.hearth.recordAdmin({ action, model: v.name, version: v.version, ip: req.ip });
        return {};
      });
    }
  });
}

function parseJsonBody(body: unknown): unknown {
  if (!Buffer.isBuffer(body) || body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
}

/** Ready when every model's production version (where one is set) is loaded and warm. */
export function serverReady(app: FastifyInstance): boolean {
  const { registry, models } = app.hearth;
  if (app.hearth.draining) return false;
  for (const m of registry.listModels()) {
    const prod = m.aliases.production;
    if (prod !== undefined && !models.isReady(m.name, prod)) return false;
  }
  return true;
}
