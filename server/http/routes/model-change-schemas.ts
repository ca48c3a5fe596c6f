// Answers of the admin API's model writes: removals, aliases, rollback, settings, load and unload.
import { Type, type Static } from '@sinclair/typebox';
import { WatchStatusSchema } from '../../reliability/rollout-guard.js';

export const RemovedSchema = Type.Object({ removed: Type.String({ description: 'what was removed: a model, NAME/VERSION, or an alias' }) });

const AliasTarget = {
  name: Type.String(),
  alias: Type.String(),
  version: Type.Integer(),
  previous: Type.Union([Type.Integer(), Type.Null()], { description: 'the version the alias pointed at before; null when it was new' }),
};

export const AliasMovedSchema = Type.Object({
  ...AliasTarget,
  guard: Type.Optional(Type.Union([WatchStatusSchema, Type.Null()], {
    description: 'production only: the rollout guard\'s watch of the new version; null when the model has no guard',
  })),
});

export const RollbackSchema = Type.Object({ ...AliasTarget, alias: Type.Literal('production') });

export const SettingsChangedSchema = Type.Object({
  name: Type.String(),
  version: Type.Integer(),
  settings: Type.Record(Type.String(), Type.Unknown(), { description: 'every setting of the version, after the change' }),
});

export const VersionStateSchema = Type.Object({ name: Type.String(), version: Type.Integer(), state: Type.String() });

export type Removed = Static<typeof RemovedSchema>;
export type AliasMoved = Static<typeof AliasMovedSchema>;
export type RolledBack = Static<typeof RollbackSchema>;
export type SettingsChanged = Static<typeof SettingsChangedSchema>;
