import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { NetworkPatchSchema, RateLimitSchema } from '../net/settings.js';
import { errors } from './schemas.js';

const ListeningSchema = Type.Object({ address: Type.String(), port: Type.Integer(), family: Type.String() });

const TlsSchema = Type.Object({
  fingerprint256: Type.String({ description: 'SHA-256 of the certificate, as browsers show it' }),
  publicKeyPin: Type.String({ description: 'for curl --pinnedpubkey' }),
  source: Type.Union([Type.Literal('generated'), Type.Literal('site')]),
  certFile: Type.String(),
  subject: Type.String(),
  subjectAltNames: Type.Array(Type.String()),
  validFrom: Type.String(),
  validTo: Type.String(),
});

const KeyLimitsSchema = Type.Object({
  id: Type.String(), name: Type.String(),
  ratePerSecond: Type.Union([Type.Number(), Type.Null()]),
  maxConcurrent: Type.Union([Type.Integer(), Type.Null()]),
});

const NetworkViewSchema = Type.Object({
  exposure: Type.String({ description: '"loopback", "all", or the interface (name or address) listened on beside loopback' }),
  lan: Type.Boolean({ description: 'whether other machines can connect' }),
  listening: Type.Array(ListeningSchema),
  urls: Type.Array(Type.String()),
  allow: Type.Array(Type.String(), { description: 'client ranges that may connect; loopback always may' }),
  corsOrigins: Type.Array(Type.String()),
  rateLimit: RateLimitSchema,
  keyLimits: Type.Array(KeyLimitsSchema, { description: 'keys with limits of their own' }),
  requireApiKey: Type.Boolean({ description: 'loopback clients need a key too; LAN clients always do' }),
  tls: Type.Union([TlsSchema, Type.Null()]),
  limits: Type.Object({
    bodyLimitBytes: Type.Integer(), maxHeaderBytes: Type.Integer(), headersTimeoutMs: Type.Integer(), requestTimeoutMs: Type.Integer(),
  }),
  interfaces: Type.Array(Type.Object({ name: Type.String(), address: Type.String(), family: Type.String(), internal: Type.Boolean() })),
});

/** GET and PUT /admin/v1/network answer this; the CLI reads it as this type. */
export type NetworkView = Static<typeof NetworkViewSchema>;

/** The network policy over the admin API: `GET`/`PUT /admin/v1/network`, and per-key rate limits. */
export async function networkRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { keys, config } = app.hearth;
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config ?? {}), access: 'admin' };
  });

  const view = () => {
    const n = app.network;
    return {
      ...n.settings,
      lan: n.lan,
      listening: n.listening(),
      urls: n.urls(),
      keyLimits: keys.list()
        .filter((k) => k.revokedAt === null && (k.ratePerSecond !== null || k.maxConcurrent !== null))
        .map((k) => ({ id: k.id, name: k.name, ratePerSecond: k.ratePerSecond, maxConcurrent: k.maxConcurrent })),
      requireApiKey: config.requireApiKey,
      tls: n.tls,
      limits: {
        bodyLimitBytes: config.bodyLimitBytes, maxHeaderBytes: config.maxHeaderBytes,
        headersTimeoutMs: config.headersTimeoutMs, requestTimeoutMs: config.requestTimeoutMs,
      },
      interfaces: n.interfaces(),
    };
  };

  r.get('/network', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'Network policy: exposure, listening addresses, client allowlist, CORS, rate limits, TLS fingerprint',
      response: { 200: NetworkViewSchema, ...errors(401) },
    },
  }, async () => view());

  r.put('/network', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'Change the network policy now, without a restart; the change is kept for later starts',
      description: 'Any subset of the fields. A new exposure is listened on before it is saved: if its address cannot be ' +
        'bound, nothing changes. Switching back to "loopback" closes connections that came in over the LAN.',
      body: NetworkPatchSchema,
      response: { 200: NetworkViewSchema, ...errors(400, 401, 409) },
    },
  }, async (req) => {
    const before = app.network.settings;
    await app.network.update(req.body);
    await app.hearth.recordAdmin({ action: 'network_changed', ip: req.ip, detail: { before, change: req.body } });
    return view();
  });

  r.put('/network/keys/:id', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'Set one API key\'s own rate limits (null: the server\'s default)',
      params: Type.Object({ id: Type.String() }),
      body: Type.Object({
        ratePerSecond: Type.Optional(Type.Union([Type.Null(), Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000 })])),
        maxConcurrent: Type.Optional(Type.Union([Type.Null(), Type.Integer({ minimum: 1, maximum: 100_000 })])),
      }, { additionalProperties: false }),
      response: { 200: KeyLimitsSchema, ...errors(400, 401, 404, 409) },
    },
  }, async (req) => {
    const k = keys.setLimits(req.params.id, req.body);
    await app.hearth.recordAdmin({ action: 'key_limits_changed', ip: req.ip, detail: { id: k.id, ratePerSecond: k.ratePerSecond, maxConcurrent: k.maxConcurrent } });
    return { id: k.id, name: k.name, ratePerSecond: k.ratePerSecond, maxConcurrent: k.maxConcurrent };
  });
}
