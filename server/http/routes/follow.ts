import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { conflict } from '../errors.js';
import { errors } from './schemas.js';
import { FollowStateSchema, InstanceSchema, ModelFileAnswer } from './follow-schemas.js';
import { ExportedKeysSchema } from './admin-schemas.js';
import { createFollower, NOT_FOLLOWING, type Follower } from '../../follow/follower.js';
import { followMetrics } from '../../follow/metrics.js';
import { instanceId } from '../../follow/instance.js';
import { RemovedBlobs } from '../../follow/removed-blobs.js';
import { followTransport } from '../../follow/transport-config.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Loading, unloading and resetting a circuit change this process's runtime state, not the registry: a follower may. */
const LOCAL_ONLY = /\/(load|unload|circuit\/reset)$/;

async function followRoutes(app: FastifyInstance, opts: { follower: Follower | null }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { registry, blobs } = app.hearth;

  r.get('/models/:name/versions/:version/file', {
    config: { access: 'follow' },
    schema: {
      tags: ['admin'], summary: 'The model file of a version (how a follower copies the registry)',
      description: 'The bytes as registered, application/octet-stream; the X-Hearth-Sha256 header carries their SHA-256.',
      params: Type.Object({ name: Type.String(), version: Type.Integer({ minimum: 1 }) }),
      response: { 200: ModelFileAnswer, ...errors(401, 404) },
    },
  }, async (req, reply) => {
    const v = registry.getVersion(req.params.name, req.params.version);
    return reply
      .type('application/octet-stream')
      .header('content-length', String(v.size))
      .header('x-hearth-sha256', v.sha256)
      .header('etag', `"${v.sha256}"`)
      .header('content-disposition', `attachment; filename="${v.name}-v${v.version}.onnx"`)
      .send(createReadStream(blobs.pathOf(v.sha256)));
  });

  r.get('/keys/export', {
    config: { access: 'follow' },
    schema: {
      tags: ['admin'], summary: 'API keys with their SHA-256 hashes (never the keys), for a follower to mirror',
      response: { 200: ExportedKeysSchema, ...errors(401) },
    },
  }, async () => ({ keys: app.hearth.keys.exportHashed() }));

  r.get('/follow', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'Follower mode: which leader this server mirrors, and how recently it matched',
      response: { 200: FollowStateSchema, ...errors(401) },
    },
  }, async () => opts.follower?.state() ?? NOT_FOLLOWING);

  r.post('/follow/confirm', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'Lift the hold that stopped mirroring (another leader, or many removals), naming it by id',
      body: Type.Object({ hold: Type.String({ minLength: 1, maxLength: 64 }) }),
      response: { 200: FollowStateSchema, ...errors(400, 401, 409) },
    },
  }, async (req) => {
    const f = opts.follower;
    if (!f) throw conflict('This server follows no leader; there is nothing to confirm.');
    const current = f.state().hold;
    if (!f.confirm(req.body.hold)) {
      throw conflict(current === null
        ? 'Mirroring is not on hold; there is nothing to confirm.'
        : `The hold now in place is ${current.id}, not ${req.body.hold}: read GET /admin/v1/follow again and confirm what it says.`);
    }
    await app.hearth.recordAdmin({ action: 'follow_confirm', ip: req.ip, detail: { hold: current?.id, reason: current?.reason, removals: current?.removals } });
    return f.state();
  });

  r.get('/instance', {
    config: { access: 'follow' },
    schema: {
      tags: ['admin'], summary: 'This data directory\'s random instance id: a follower stops mirroring when its leader\'s changes',
      response: { 200: InstanceSchema, ...errors(401) },
    },
  }, async () => ({ instanceId: instanceId(app.hearth.db) }));
}

/**
 * Follower mode (`hearth serve --follow URL` with a follow key): the registry mirrors a leader's,
 * and local registry writes are refused so the two cannot drift apart. Also the routes a leader
 * serves its followers from.
 */
export const followPlugin = fp(async (app: FastifyInstance) => {
  const { config } = app.hearth;
  let follower: Follower | null = null;
  if (config.followUrl !== undefined) {
    const transport = followTransport(config);
    const { db, registry, blobs, pool, models, recordAdmin, keys } = app.hearth;
    const removed = new RemovedBlobs(blobs, config.followGraceDays * 24 * 3600 * 1000);
    follower = createFollower({
      db, registry, blobs, pool, models, recordAdmin, keys, removed, uploadLimitBytes: config.uploadLimitBytes, guard: app.hearth.rolloutGuard,
    }, {
      url: config.followUrl, key: transport.key, transport: transport.transport, intervalMs: config.followIntervalMs,
      maxRemovals: config.followMaxRemovals,
      log: { info: (m) => app.log.info(m), warn: (m) => app.log.warn(m) },
    });
    followMetrics(app.hearth.observability.metrics.registry, follower);
    const leader = follower.leader;
    app.addHook('onRequest', async (request) => {
      const route = request.routeOptions.url ?? '';
      const mirrored = ['/admin/v1/models', '/admin/v1/keys', '/admin/v1/network/keys'].some((p) => route.startsWith(p));
      if (!MUTATING.has(request.method) || !mirrored || LOCAL_ONLY.test(route)) return;
      throw conflict(`This server follows ${leader}; change the leader, and this server mirrors it within seconds.`);
    });
    const f = follower;
    // Awaited before the port opens: a follower that rejoins serves the leader's current models, not last week's.
    app.addHook('onReady', async () => { await f.start(); });
    app.addHook('onClose', async () => { await f.stop(); });
  }
  await app.register(followRoutes, { prefix: '/admin/v1', follower });
}, { name: 'hearth-follow', dependencies: ['hearth-auth'] });
