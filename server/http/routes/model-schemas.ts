// Answers of the admin API's model reads, GET /admin/v1/models[/{name}]; the UI and the CLI read
// them as the types below. No Node here: the UI imports the types.
import { Type, type Static } from '@sinclair/typebox';
import { AliasChangeSchema, ModelSummarySchema } from '../../registry/model-schemas.js';
import { VersionSchema } from './admin-schemas.js';

export const ModelListItemSchema = Type.Composite([ModelSummarySchema, Type.Object({
  loaded: Type.Array(Type.Integer(), { description: 'versions loaded and warm in this process' }),
})]);

export const ModelListSchema = Type.Object({ models: Type.Array(ModelListItemSchema) });

export const ModelDetailSchema = Type.Object({
  name: Type.String(),
  createdAt: Type.Integer({ description: 'ms since the epoch' }),
  aliases: ModelSummarySchema.properties.aliases,
  versions: Type.Array(VersionSchema),
  aliasHistory: Type.Array(AliasChangeSchema, { description: 'oldest first' }),
});

export type ModelListItem = Static<typeof ModelListItemSchema>;
export type ModelDetail = Static<typeof ModelDetailSchema>;
export type { AliasChange } from '../../registry/model-schemas.js';
