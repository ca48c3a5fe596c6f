// Answers of the admin API: the route schemas, and the types the admin UI reads them as.
import { Type, type Static } from '@sinclair/typebox';
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
});

export const KeySchema = Type.Object({
  id: Type.String(), name: Type.String(), scopes: Type.Array(Type.String()),
  models: Type.Union([Type.Array(Type.String()), Type.Null()]),
  createdAt: Type.Integer(), expiresAt: Type.Union([Type.Integer(), Type.Null()]),
  revokedAt: Type.Union([Type.Integer(), Type.Null()]), lastUsedAt: Type.Union([Type.Integer(), Type.Null()]),
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
export type SystemInfo = Static<typeof SystemInfoSchema>;
