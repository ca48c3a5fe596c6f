import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from '../base/string-enum.js';

/**
 * The registry's shapes of a model and of an alias change, as TypeBox schemas: the registry's
 * types are derived from them, and the admin API serialises and documents its answers with them.
 */
export const ModelSummarySchema = Type.Object({
  name: Type.String(),
  createdAt: Type.Integer({ description: 'ms since the epoch' }),
  versions: Type.Array(Type.Integer(), { description: 'version numbers, ascending' }),
  aliases: Type.Record(Type.String(), Type.Integer(), { description: 'alias name → version' }),
});
export type ModelSummary = Static<typeof ModelSummarySchema>;

export const AliasChangeSchema = Type.Object({
  alias: Type.String(),
  version: Type.Union([Type.Integer(), Type.Null()], { description: 'null when the alias was deleted' }),
  action: StringEnum(['set', 'rollback', 'delete', 'auto-rollback']),
  reason: Type.String(),
  changedAt: Type.Integer({ description: 'ms since the epoch' }),
});
export type AliasChange = Static<typeof AliasChangeSchema>;
