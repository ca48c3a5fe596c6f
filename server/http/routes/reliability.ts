import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { badRequest } from '../errors.js';
import { errors, ModelParams } from './schemas.js';
import { CircuitSnapshotSchema } from '../../runtime/circuit-schema.js';
import { RolloutGuardSchema, WatchStatusSchema, type RolloutGuard } from '../../reliability/rollout-guard.js';

const GuardBodySchema = Type.Object({
  errorRate: RolloutGuardSchema.properties.errorRate,
  p99Ms: RolloutGuardSchema.properties.p99Ms,
  windowSeconds: Type.Optional(RolloutGuardSchema.properties.windowSeconds),
  minRequests: Type.Optional(RolloutGuardSchema.properties.minRequests),
}, { additionalProperties: false });

const GuardAnswerSchema = Type.Object({
  model: Type.String(),
  guard: Type.Union([RolloutGuardSchema, Type.Null()]),
  watch: Type.Union([WatchStatusSchema, Type.Null()]),
});

const CircuitRowSchema = Type.Intersect([Type.Object({ name: Type.String(), version: Type.Integer() }), CircuitSnapshotSchema]);

/** Admin routes for guarded rollouts and circuit breakers; registered inside the admin plugin. */
export async function reliabilityRoutes(app: FastifyInstance, opts: { guard: RolloutGuard }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { guard } = opts;
  const { registry, models } = app.hearth;
  const admin = { access: 'admin' as const };

  r.get('/models/:name/rollout-guard', {
    config: admin,
    schema: {
      tags: ['admin'], summary: 'The model\'s rollout guard and its current or last watch',
      params: ModelParams, response: { 200: GuardAnswerSchema, ...errors(401, 404) },
    },
  }, async (req) => {
    registry.getModel(req.params.name);
    return { model: req.params.name, guard: guard.settingsOf(req.params.name), watch: guard.status(req.params.name) };
  });

  r.put('/models/:name/rollout-guard', {
    config: admin,
    schema: {
      tags: ['admin'], summary: 'Guard the model\'s promotes: roll back automatically when the new version misbehaves',
      description: 'After each promote, the new production version is watched for windowSeconds (default 60); once it has ' +
        'served minRequests (default 20), an error rate above errorRate or a p99 latency above p99Ms moves production back ' +
        'to the previous version, and the audit log records an "auto-rollback" with the reason.',
      params: ModelParams, body: GuardBodySchema, response: { 200: GuardAnswerSchema, ...errors(400, 401, 404) },
    },
  }, async (req) => {
    const { name } = req.params;
    registry.getModel(name);
    const { errorRate, p99Ms, windowSeconds = 60, minRequests = 20 } = req.body;
    if (errorRate === undefined && p99Ms === undefined) {
      throw badRequest('Give at least one threshold: "errorRate" (0 to 1) or "p99Ms" (milliseconds).');
    }
    const settings = {
      ...(errorRate !== undefined ? { errorRate } : {}), ...(p99Ms !== undefined ? { p99Ms } : {}), windowSeconds, minRequests,
    };
    guard.configure(name, settings);
    await app.hearth.recordAdmin({ action: 'rollout_guard_set', model: name, ip: req.ip, detail: settings });
    return { model: name, guard: settings, watch: guard.status(name) };
  });

  r.delete('/models/:name/rollout-guard', {
    config: admin,
    schema: {
      tags: ['admin'], summary: 'Remove the model\'s rollout guard (stops any watch)',
      params: ModelParams, response: { 200: Type.Object({ removed: Type.Boolean() }), ...errors(401, 404) },
    },
  }, async (req) => {
    registry.getModel(req.params.name);
    const removed = guard.remove(req.params.name);
    if (removed) await app.hearth.recordAdmin({ action: 'rollout_guard_removed', model: req.params.name, ip: req.ip });
    return { removed };
  });

  r.get('/circuits', {
    config: admin,
    schema: {
      tags: ['admin'], summary: 'Circuit breakers of every version that has served since start',
      response: { 200: Type.Object({ circuits: Type.Array(CircuitRowSchema) }), ...errors(401) },
    },
  }, async () => ({ circuits: models.health.circuitStates() }));

  r.post('/models/:name/versions/:version/circuit/reset', {
    config: admin,
    schema: {
      tags: ['admin'], summary: 'Close a version\'s circuit breaker by hand (after fixing the cause)',
      params: Type.Object({ name: Type.String(), version: Type.Integer({ minimum: 1 }) }),
      response: { 200: Type.Object({ name: Type.String(), version: Type.Integer(), circuit: CircuitSnapshotSchema }), ...errors(401, 404) },
    },
  }, async (req) => {
    const v = registry.getVersion(req.params.name, req.params.version);
    models.health.reset(v.name, v.version);
    await app.hearth.recordAdmin({ action: 'circuit_reset', model: v.name, version: v.version, ip: req.ip });
    return { name: v.name, version: v.version, circuit: models.health.circuitOf(v) };
  });
}
