// Answers of the admin API: the route schemas, and the types the admin UI reads them as.
import { Type, type Static } from '@sinclair/typebox';
import { SCOPES } from '../../auth/scopes.js';
import { StringEnum } from '../../base/string-enum.js';
import { ProviderStatusSchema, SystemSnapshotSchema } from '../../hardware/types.js';
import { CircuitSnapshotSchema } from '../../runtime/circuit-schema.js';
import { TensorSpecSchema } from './schemas.js';

export const VersionSchema = Type.Object({
  name: Type.String(),
  version: Type.Integer(),
  sha256: Type.String(),
  size: Type.Integer(),
  createdAt: Type.Integer(),
  description: Type.String(),
  inputs: Type.Array(TensorSpecSchema),
  outputs: Type.Array(TensorSpecSchema),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  tags: Type.Array(Type.String()),
  settings: Type.Record(Type.String(), Type.Unknown()),
  aliases: Type.Array(Type.String()),
  state: Type.String(),
  stateReason: Type.String(),
  provider: Type.Union([Type.String(), Type.Null()]),
  circuit: CircuitSnapshotSchema,
  existing: Type.Optional(Type.Boolean({ description: 'true when these bytes were already registered as this version' })),
  processing: Type.Optional(Type.Union([Type.Null(), Type.Object({
    spec: Type.Unknown({ description: 'the pre- and post-processing, as stored (server/processing/spec.ts)' }),
    inputs: Type.Array(TensorSpecSchema, { description: 'what clients send (BYTES files or texts)' }),
    outputs: Type.Array(TensorSpecSchema, { description: 'what clients get back' }),
    assets: Type.Array(Type.Object({ key: Type.String(), sha256: Type.String(), size: Type.Integer(), createdAt: Type.Integer() })),
    missingAssets: Type.Array(Type.String(), { description: 'assets the spec reads that are not attached: the version answers 503 until they are' }),
  })])),
});

export const ScopeSchema = StringEnum(SCOPES);

export const KeySchema = Type.Object({
  id: Type.String(), name: Type.String(), scopes: Type.Array(ScopeSchema),
  models: Type.Union([Type.Array(Type.String()), Type.Null()]),
  createdAt: Type.Integer(), expiresAt: Type.Union([Type.Integer(), Type.Null()]),
  revokedAt: Type.Union([Type.Integer(), Type.Null()]), lastUsedAt: Type.Union([Type.Integer(), Type.Null()]),
  fromFile: Type.Optional(Type.Boolean({ description: 'supplied by the keys file (--keys-file): cannot be revoked or changed through the API' })),
});

/** POST /admin/v1/keys: the key itself, shown this once, and its record. */
export const CreatedKeySchema = Type.Object({ id: Type.String(), key: Type.String({ description: 'shown once' }), record: KeySchema });

/** GET /admin/v1/keys/export: every key with its limits and its SHA-256 hash (never the key), for a follower to mirror. */
export const ExportedKeysSchema = Type.Object({
  keys: Type.Array(Type.Composite([KeySchema, Type.Object({
    ratePerSecond: Type.Union([Type.Number(), Type.Null()]),
    maxConcurrent: Type.Union([Type.Integer(), Type.Null()]),
    hash: Type.String({ description: 'SHA-256 of the key, hex' }),
  })])),
});

export const SystemInfoSchema = Type.Object({
  hardware: Type.Union([SystemSnapshotSchema, Type.Null()]),
  providers: Type.Array(ProviderStatusSchema),
  devices: Type.Record(Type.String(), Type.Object({ bytes: Type.Number(), count: Type.Integer(), budget: Type.Optional(Type.Object({ bytes: Type.Number(), count: Type.Integer() })) })),
  loaded: Type.Array(Type.Object({ name: Type.String(), version: Type.Integer(), state: Type.String(), reason: Type.String(), provider: Type.String(), lastUsed: Type.Number(), queued: Type.Integer() })),
  server: Type.Object({ version: Type.String(), startedAt: Type.Number(), uptimeSeconds: Type.Number(), dataDir: Type.String(), host: Type.String(), port: Type.Integer(), requireApiKey: Type.Boolean(), workers: Type.Integer() }),
  auditKeyFingerprint: Type.String(),
});

export type VersionInfo = Static<typeof VersionSchema>;
export type KeyInfo = Static<typeof KeySchema>;
export type CreatedKey = Static<typeof CreatedKeySchema>;
export type Scope = Static<typeof ScopeSchema>;
export type SystemInfo = Static<typeof SystemInfoSchema>;
