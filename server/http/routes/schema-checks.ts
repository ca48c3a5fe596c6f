// Compile-time checks, no code: where a route answers with a domain object whole, its schema names
// every field of that object, so serialisation (fast-json-stringify, which drops what a schema does
// not name) loses nothing, and the types the UI and the CLI take from the schema are the server's.
import type { Static } from '@sinclair/typebox';
import type { ApiKey } from '../../auth/keys.js';
import type { FollowState } from '../../follow/follower.js';
import type { RollbackResult } from '../../reliability/rollback.js';
import type { KeySummary, ModelSummary, PruneResult, RecordFields, UsagePage } from '../../usage/index.js';
import type { ExportedKeysSchema } from './admin-schemas.js';
import type { FollowStateSchema } from './follow-schemas.js';
import type { RollbackSchema } from './model-change-schemas.js';
import type { PruneResultSchema, UsagePageSchema, UsageRecordSchema, UsageSummaryRowSchema } from './usage-schemas.js';

/** A and B accept the same values. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Every value of Domain fits Schema, and Schema names every field of Domain. */
type Covers<Schema, Domain> = [Domain] extends [Schema] ? ([Exclude<keyof Domain, keyof Schema>] extends [never] ? true : false) : false;
type Assert<T extends true> = T;

export type SchemaChecks = [
  Assert<Same<Static<typeof FollowStateSchema>, FollowState>>,
  Assert<Same<Static<typeof UsageRecordSchema>, RecordFields>>,
  Assert<Same<Static<typeof UsagePageSchema>, UsagePage>>,
  Assert<Same<Static<typeof PruneResultSchema>, PruneResult>>,
  Assert<Covers<Static<typeof UsageSummaryRowSchema>, KeySummary>>,
  Assert<Covers<Static<typeof UsageSummaryRowSchema>, ModelSummary>>,
  Assert<Same<Static<typeof ExportedKeysSchema>['keys'][number], ApiKey & { hash: string }>>,
  Assert<Same<Static<typeof RollbackSchema>, RollbackResult>>,
];
