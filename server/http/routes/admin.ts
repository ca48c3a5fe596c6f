import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { SCOPES } from '../../auth/keys.js';
import { badRequest, HttpError } from '../errors.js';
import { registerVersion } from '../../registry/register.js';
import { removeWithFiles } from '../../registry/remove.js';
import { checkModelName, type ModelVersion } from '../../registry/registry.js';
import { VersionSettingsPatchSchema } from '../../registry/settings.js';
import { rollbackProduction } from '../../reliability/rollback.js';
import { reliabilityRoutes } from './reliability.js';
import { refuseUnloadOfProduction } from '../../reliability/unload-policy.js';
import { VERSION } from '../../base/version.js';
import { CreatedKeySchema, KeySchema, SystemInfoSchema, VersionSchema } from './admin-schemas.js';
import { ModelDetailSchema, ModelListSchema } from './model-schemas.js';
import {
  AliasMovedSchema, RemovedSchema, RollbackSchema, SettingsChangedSchema, VersionStateSchema,
} from './model-change-schemas.js';
import { parseProcessing, processedSignature } from '../../processing/resolve.js';
import { processingAdminRoutes, processingOf } from './processing.js';
import { errors, ModelParams } from './schemas.js';

const VersionParams = Type.Object({ name: Type.String(), version: Type.Integer({ minimum: 1 }) });

function parseJsonObject(text: string | undefined, what: string): Record<string, unknown> | undefined {
  if (text === undefined || text === '') return undefined;
  let value: unknown;
  try { value = JSON.parse(text); } catch { throw badRequest(`${what} must be a JSON object.`); }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest(`${what} must be a JSON object.`);
  return value as Record<string, unknown>;
}

export async function adminRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { registry, models, blobs, keys, config } = app.hearth;

  // Model files stream to disk while hashed; they are never buffered whole.
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));

  const describe = (v: ModelVersion) => {
    const aliases = Object.entries(registry.getModel(v.name).aliases).filter(([, n]) => n === v.version).map(([a]) => a);
    const s = models.state(v.name, v.version);
    return {
      name: v.name, version: v.version, sha256: v.sha256, size: v.size, createdAt: v.createdAt,
      description: v.description, inputs: v.signature.inputs, outputs: v.signature.outputs,
      metadata: v.metadata, tags: v.tags, settings: v.settings, aliases,
      state: s.state, stateReason: s.reason, provider: s.provider ?? null, circuit: models.health.circuitOf(v),
      processing: v.processing && {
        spec: v.processing, ...processedSignature(v.processing, v.signature),
        assets: processingOf(app).store.list(v), missingAssets: processingOf(app).store.missing(v),
      },
    };
  };

  r.addHook('onRoute', (route) => {
    // Admin unless a route says `follow` (read by followers with a follow key as well).
    route.config = { ...(route.config ?? {}), access: route.config?.access === 'follow' ? 'follow' : 'admin' };
  });

  const guard = app.hearth.rolloutGuard;
  await app.register(reliabilityRoutes, { guard });
  await app.register(processingAdminRoutes);

  r.post('/models/:name/versions', {
    // A model file may take far longer to arrive than a request (--upload-timeout, net/body-deadline.ts).
    config: { access: 'admin', upload: true },
    schema: {
      tags: ['admin'], summary: 'Register a new version from an ONNX file',
      description: 'Body: the .onnx file as application/octet-stream. Registering bytes this model already has ' +
        'answers 200 with that version instead of making a duplicate.',
      params: ModelParams,
      querystring: Type.Object({
        description: Type.Optional(Type.String({ maxLength: 4096 })),
        metadata: Type.Optional(Type.String({ description: 'JSON object: lineage such as training data, parameters, metrics' })),
        tags: Type.Optional(Type.String({ description: 'comma-separated' })),
        version: Type.Optional(Type.Integer({ minimum: 1, description: 'register under this number (importing a repository); 409 when it is taken' })),
        processing: Type.Optional(Type.String({ description: 'preset:NAME (ppocr-cls, ppocr-rec, imagenet, bert) or a spec as JSON; assets follow with PUT …/assets/KEY' })),
      }),
      response: { 200: VersionSchema, 201: VersionSchema, ...errors(400, 401, 409, 413, 415) },
    },
  }, async (req, reply) => {
    const { name } = req.params;
    checkModelName(name);
    const metadata = parseJsonObject(req.query.metadata, 'The "metadata" query parameter');
    const tags = (req.query.tags ?? '').split(',').map((t) => t.trim()).filter((t) => t.length > 0);
    const processing = req.query.processing === undefined ? undefined : parseProcessing(req.query.processing);
    const body = req.body as Readable | undefined;
    if (!body || typeof (body as Readable).pipe !== 'function') {
      throw new HttpError(415, 'Send the model file as the body with "Content-Type: application/octet-stream".');
    }
    const { version, existing } = await registerVersion({ registry, blobs }, {
      name, source: body, description: req.query.description, metadata, tags, maxBytes: config.uploadLimitBytes, version: req.query.version, processing,
    });
    if (existing) return reply.code(200).send({ ...describe(version), existing: true });
    await app.hearth.recordAdmin({ action: 'register', model: name, version: version.version, ip: req.ip, detail: { sha256: version.sha256, size: version.size } });
    // The version unversioned requests now get (production, else the newest: this one) is loaded
    // and warmed before the answer, so the model is ready when its upload returns and its first
    // request does not pay the load. No room on the device is no reason to refuse the upload: the
    // version then loads on first use, and its state says why it is not loaded.
    const served = registry.resolve(name);
    await models.load(name, served).catch(() => undefined);
    return reply.code(201).send(describe(version));
  });

  r.get('/models', {
    config: { access: 'follow' },
    schema: { tags: ['admin'], summary: 'All models with their versions and aliases', response: { 200: ModelListSchema, ...errors(401) } },
  }, async () => ({
    models: registry.listModels().map((m) => ({
      ...m,
      loaded: m.versions.filter((v) => models.isReady(m.name, v)),
    })),
  }));

  r.get('/models/:name', {
    config: { access: 'follow' },
    schema: { tags: ['admin'], summary: 'One model: versions, aliases and alias history', params: ModelParams, response: { 200: ModelDetailSchema, ...errors(401, 404) } },
  }, async (req) => {
    const m = registry.getModel(req.params.name);
    return { ...m, versions: registry.listVersions(m.name).map(describe), aliasHistory: registry.aliasHistory(m.name) };
  });

  r.get('/models/:name/versions/:version', {
    schema: { tags: ['admin'], summary: 'One version', params: VersionParams, response: { 200: VersionSchema, ...errors(401, 404) } },
  }, async (req) => describe(registry.getVersion(req.params.name, req.params.version)));

  r.delete('/models/:name', {
    schema: { tags: ['admin'], summary: 'Remove a model and all its versions', params: ModelParams, response: { 200: RemovedSchema, ...errors(401, 404) } },
  }, async (req) => {
    const { name } = req.params;
    for (const v of registry.listVersions(name)) await models.unload(name, v.version);
    await removeWithFiles({ registry, blobs }, name);
    guard.forget(name);
    await app.hearth.recordAdmin({ action: 'remove', model: name, ip: req.ip });
    return { removed: name };
  });

  r.delete('/models/:name/versions/:version', {
    schema: { tags: ['admin'], summary: 'Remove one version (not while an alias points at it)', params: VersionParams, response: { 200: RemovedSchema, ...errors(401, 404, 409) } },
  }, async (req) => {
    const { name, version } = req.params;
    registry.getVersion(name, version);
    const pointing = Object.entries(registry.getModel(name).aliases).filter(([, v]) => v === version);
    if (pointing.length > 0) {
      throw new HttpError(409, `Version ${version} of "${name}" is the target of ${pointing.map(([a]) => `"${a}"`).join(', ')}; move the alias first.`);
    }
    await models.unload(name, version);
    await removeWithFiles({ registry, blobs }, name, version);
    await app.hearth.recordAdmin({ action: 'remove', model: name, version, ip: req.ip });
    return { removed: `${name}/${version}` };
  });

  r.put('/models/:name/aliases/:alias', {
    schema: {
      tags: ['admin'], summary: 'Point an alias at a version; "production" is served by default',
      description: 'The version is loaded and warmed before the alias moves, so traffic never hits a cold or broken version.',
      params: Type.Object({ name: Type.String(), alias: Type.String() }),
      body: Type.Object({ version: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
      response: { 200: AliasMovedSchema, ...errors(400, 401, 404, 503) },
    },
  }, async (req) => {
    const { name, alias } = req.params;
    const { version } = req.body;
    registry.getVersion(name, version);
    if (alias === 'production') await models.load(name, version);
    const previous = registry.aliasVersion(name, alias) ?? null;
    registry.setAlias(name, alias, version);
    // In the turn production moves, before any await: a rollback the guard is carrying out must
    // learn of this promote before it can move production back over it (RolloutGuard.cancel).
    const watch = alias === 'production' ? guard.watch(name, version, previous) : undefined;
    await app.hearth.recordAdmin({ action: alias === 'production' ? 'promote' : 'alias', model: name, version, ip: req.ip, detail: { alias, previous } });
    if (alias !== 'production') return { name, alias, version, previous };
    return { name, alias, version, previous, guard: watch ?? null };
  });

  r.delete('/models/:name/aliases/:alias', {
    schema: { tags: ['admin'], summary: 'Remove an alias', params: Type.Object({ name: Type.String(), alias: Type.String() }), response: { 200: RemovedSchema, ...errors(401, 404) } },
  }, async (req) => {
    registry.deleteAlias(req.params.name, req.params.alias);
    await app.hearth.recordAdmin({ action: 'alias_removed', model: req.params.name, ip: req.ip, detail: { alias: req.params.alias } });
    return { removed: req.params.alias };
  });

  r.post('/models/:name/rollback', {
    schema: {
      tags: ['admin'], summary: 'Move production back to the version it pointed at before',
      params: ModelParams, response: { 200: RollbackSchema, ...errors(401, 404, 409, 503) },
    },
  }, async (req) => {
    const { name } = req.params;
    const result = await rollbackProduction(app.hearth, name, { ip: req.ip });
    guard.cancel(name, `rolled back by hand to version ${result.version}`);
    return result;
  });

  r.patch('/models/:name/versions/:version/settings', {
    schema: {
      tags: ['admin'], summary: 'Change serving settings (batching, instances, threads, cache, placement) without a restart',
      params: VersionParams, body: VersionSettingsPatchSchema, response: { 200: SettingsChangedSchema, ...errors(400, 401, 404) },
    },
  }, async (req) => {
    const { name, version } = req.params;
    const before = registry.getVersion(name, version);
    const after = registry.updateSettings(name, version, req.body);
    const reload = before.settings.instances !== after.settings.instances ||
      before.settings.intraOpThreads !== after.settings.intraOpThreads || before.settings.placement !== after.settings.placement;
    await models.reconfigure(after, reload);
    await app.hearth.recordAdmin({ action: 'setting_changed', model: name, version, ip: req.ip, detail: req.body });
    return { name, version, settings: after.settings };
  });

  for (const action of ['load', 'unload'] as const) {
    r.post(`/models/:name/versions/:version/${action}`, {
      schema: {
        tags: ['admin'], summary: `${action === 'load' ? 'Load and warm' : 'Unload'} a version`,
        description: action === 'unload' ? 'Waits for its queued and running requests. The production version is refused (409): move production first.' : undefined,
        params: VersionParams, response: { 200: VersionStateSchema, ...errors(401, 404, 409, 503) },
      },
    }, async (req) => {
      const { name, version } = req.params as { name: string; version: number };
      registry.getVersion(name, version);
      if (action === 'load') await models.load(name, version);
      else {
        refuseUnloadOfProduction(registry, name, version);
        await models.unload(name, version);
      }
      await app.hearth.recordAdmin({ action, model: name, version, ip: req.ip });
      return { name, version, state: models.state(name, version).state };
    });
  }

  r.get('/system', {
    schema: {
      tags: ['admin'], summary: 'CPUs, memory, GPUs, execution providers, device budgets, loaded versions, uptime',
      response: { 200: SystemInfoSchema },
    },
  }, async () => {
    const { hardware } = app.hearth;
    const snapshot = hardware.snapshot() ?? await hardware.refresh().catch(() => undefined);
    const address = app.server.address();
    return {
      hardware: snapshot ?? null,
      providers: snapshot?.providers.length ? snapshot.providers : await Promise.race([
        hardware.providers(), new Promise<never[]>((resolve) => { setTimeout(() => resolve([]), 3000).unref(); }),
      ]),
      devices: models.deviceUsage(),
      loaded: models.loadedVersions(),
      server: {
        version: VERSION, startedAt: app.hearth.startedAt, uptimeSeconds: (Date.now() - app.hearth.startedAt) / 1000,
        dataDir: config.dataDir, host: config.host, port: typeof address === 'object' && address ? address.port : config.port,
        requireApiKey: config.requireApiKey, workers: config.workers,
      },
      auditKeyFingerprint: app.hearth.signingKey.fingerprint,
    };
  });

  r.post('/keys', {
    schema: {
      tags: ['admin'], summary: 'Create an API key (shown once)',
      body: Type.Object({
        name: Type.String({ minLength: 1, maxLength: 128 }),
        scopes: Type.Optional(Type.Array(Type.Union(SCOPES.map((s) => Type.Literal(s))), { minItems: 1 })),
        // Null first: with type coercion on, a later Null branch would turn null into [""] or 0.
        models: Type.Optional(Type.Union([Type.Null(), Type.Array(Type.String(), { minItems: 1 })])),
        expiresAt: Type.Optional(Type.Union([Type.Null(), Type.Integer({ description: 'ms since the epoch' })])),
      }, { additionalProperties: false }),
      response: { 201: CreatedKeySchema, ...errors(400, 401) },
    },
  }, async (req, reply) => {
    const { key, record } = keys.create(req.body);
    await app.hearth.recordAdmin({ action: 'key_created', ip: req.ip, detail: { id: record.id, name: record.name, scopes: record.scopes, models: record.models } });
    return reply.code(201).send({ id: record.id, key, record });
  });

  r.get('/keys', {
    schema: { tags: ['admin'], summary: 'API keys (never the keys themselves)', response: { 200: Type.Object({ keys: Type.Array(KeySchema) }) } },
  }, async () => ({ keys: keys.list() }));

  r.delete('/keys/:id', {
    schema: {
      tags: ['admin'], summary: 'Revoke an API key', description: '409 for a key from the keys file (--keys-file): edit the file instead.',
      params: Type.Object({ id: Type.String() }), response: { 200: KeySchema, ...errors(401, 404, 409) },
    },
  }, async (req) => {
    const record = keys.revoke(req.params.id);
    await app.hearth.recordAdmin({ action: 'key_revoked', ip: req.ip, detail: { id: record.id, name: record.name } });
    return record;
  });
}
