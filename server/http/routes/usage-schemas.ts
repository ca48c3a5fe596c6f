// Answers of the usage and audit routes; the UI and the CLI read them as the types below. No Node
// here: the UI imports the types.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { StringEnum } from '../../base/string-enum.js';
import { content, Text } from './schemas.js';

const OrNull = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** One record of the log: every hashed field, null where it does not apply to the record's kind. */
export const UsageRecordSchema = Type.Object({
  seq: Type.Integer(),
  kind: StringEnum(['inference', 'admin']),
  time: Type.Integer({ description: 'ms since the epoch' }),
  requestId: OrNull(Type.String()),
  client: OrNull(Type.String()),
  keyId: OrNull(Type.String({ description: 'the API key\'s id, never the key' })),
  model: OrNull(Type.String()),
  version: OrNull(Type.Integer()),
  outcome: OrNull(Type.String()),
  status: OrNull(Type.Integer()),
  latencyUs: OrNull(Type.Integer()),
  batchSize: OrNull(Type.Integer()),
  bytesIn: OrNull(Type.Integer()),
  bytesOut: OrNull(Type.Integer()),
  reason: OrNull(Type.String()),
  action: OrNull(Type.String()),
  actor: OrNull(Type.String()),
  detail: OrNull(Type.String({ description: 'canonical JSON text' })),
});

export const UsagePageSchema = Type.Object({
  rows: Type.Array(UsageRecordSchema, { description: 'newest first' }),
  nextBeforeSeq: OrNull(Type.Integer({ description: 'beforeSeq for the next, older page' })),
}, { description: 'without "format": a page of records' });

/** GET /admin/v1/usage: a page as JSON, or with "format" the whole range as a CSV or JSON Lines download. */
export const UsageAnswer = content('A page of records (JSON), or with "format" every record in the range as a file', {
  'application/json': UsagePageSchema,
  'text/csv': Text,
  'application/x-ndjson': Text,
});

export const UsageSummaryRowSchema = Type.Object({
  key: Type.Optional(OrNull(Type.String({ description: 'by key: the API key id; null for loopback clients without one' }))),
  model: Type.Optional(OrNull(Type.String({ description: 'by model' }))),
  requests: Type.Integer(),
  errors: Type.Integer(),
  computeSeconds: Type.Number({ description: 'sum of request latencies' }),
  bytesIn: Type.Integer(),
  bytesOut: Type.Integer(),
});

export const UsageSummarySchema = Type.Object({
  by: Type.Union([Type.Literal('key'), Type.Literal('model')]),
  from: Type.Optional(Type.Integer()),
  to: Type.Optional(Type.Integer()),
  rows: Type.Array(UsageSummaryRowSchema),
});

export const PruneResultSchema = Type.Object({
  pruned: Type.Integer({ description: 'records deleted' }),
  baseSeq: Type.Integer({ description: 'the last deleted record; what remains chains on from it' }),
  baseHash: Type.String(),
});

export const AuditKeySchema = Type.Object({
  fingerprint: Type.String({ description: 'pin it with "hearth audit verify --fingerprint"' }),
  publicKeyPem: Type.String(),
});

export const AuditBundleAnswer = content('The audit bundle: JSON Lines, signed checkpoints included', { 'application/x-ndjson': Text });

export type UsageRecord = Static<typeof UsageRecordSchema>;
export type UsagePage = Static<typeof UsagePageSchema>;
export type UsageSummary = Static<typeof UsageSummarySchema>;
export type UsageSummaryRow = Static<typeof UsageSummaryRowSchema>;
export type AuditKey = Static<typeof AuditKeySchema>;
