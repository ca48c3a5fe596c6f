import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ConfigError } from '../config.js';
import { conflict } from '../http/errors.js';
import { errors } from '../routes/schemas.js';
import { createFollower, NOT_FOLLOWING, type Follower } from './follower.js';

const FollowStateSchema = Type.Object({
  following: Type.Boolean(),
  leader: Type.Union([Type.String(), Type.Null()], { description: 'The leader this server mirrors; null when it is not a follower.' }),
  intervalMs: Type.Union([Type.Integer(), Type.Null()]),
  lastSyncAt: Type.Union([Type.Number(), Type.Null()], { description: 'When the registry last matched the leader (ms since the epoch).' }),
  lastAttemptAt: Type.Union([Type.Number(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()], { description: 'Why the latest sync fell short; null when it mirrored everything.' }),
  lag: Type.Union([Type.Number(), Type.Null()], { description: 'Milliseconds since the registry last matched the leader.' }),
  lastChanges: Type.Array(Type.String()),
  syncs: Type.Integer(),
});

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Loading, unloading and resetting a circuit change this process's runtime state, not the registry: a follower may. */
const LOCAL_ONLY = /\/(load|unload|circuit\/reset)$/;

async function followRoutes(app: FastifyInstance, opts: { follower: Follower | null }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { registry, blobs } = app.hearth;

  r.get('/models/:name/versions/:version/file', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'The model file of a version (how a follower copies the registry)',
      description: 'The bytes as registered, application/octet-stream; the X-Hearth-Sha256 header carries their SHA-256.',
      params: Type.Object({ name: Type.String(), version: Type.Integer({ minimum: 1 }) }),
      response: { ...errors(401, 404) },
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
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'API keys with their SHA-256 hashes (never the keys), for a follower to mirror',
      response: { ...errors(401) },
    },
  }, async () => ({ keys: app.hearth.keys.exportHashed() }));

  r.get('/follow', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'Follower mode: which leader this server mirrors, and how recently it matched',
      response: { 200: FollowStateSchema, ...errors(401) },
    },
  }, async () => opts.follower?.state() ?? NOT_FOLLOWING);
}

/**
 * Follower mode (`hearth serve --follow URL --follow-token T`): the registry mirrors a leader's,
 * and local registry writes are refused so the two cannot drift apart. Also the route a leader
 * serves model files to its followers from.
 */
export const followPlugin = fp(async (app: FastifyInstance) => {
  const { config } = app.hearth;
  let follower: Follower | null = null;
  if (config.followUrl !== undefined) {
    if (config.followToken === undefined) {
      throw new ConfigError('Following a leader needs its admin token: give --follow-token (or HEARTH_FOLLOW_TOKEN).');
    }
    const { db, registry, blobs, pool, models, recordAdmin, keys } = app.hearth;
    follower = createFollower({ db, registry, blobs, pool, models, recordAdmin, keys, uploadLimitBytes: config.uploadLimitBytes }, {
      url: config.followUrl, token: config.followToken, intervalMs: config.followIntervalMs,
      log: { info: (m) => app.log.info(m), warn: (m) => app.log.warn(m) },
    });
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
