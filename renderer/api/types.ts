// Shapes of the admin API as the UI reads them: types only, derived from the route schemas in the
// server's pure schema modules (no Node in them), so the UI and the server cannot drift apart.
import type { Static } from '@sinclair/typebox';
import type { SystemSnapshot, ProviderStatus, GpuInfo } from '../../server/hardware/types.js';
import type { UptimeReportBody, LatencyResponse } from '../../server/observability/api.js';
import type { TensorSpec } from '../../server/protocol/tensor.js';
import type { CreatedKey, KeyInfo, Scope, SystemInfo, VersionInfo } from '../../server/http/routes/admin-schemas.js';
import type { AliasChange, ModelDetail, ModelListItem } from '../../server/http/routes/model-schemas.js';
import type { UsageRecord, UsageSummaryRow } from '../../server/http/routes/usage-schemas.js';
import type { FollowStatus } from '../../server/http/routes/follow-schemas.js';
import type { ModelMetadataSchema } from '../../server/http/routes/schemas.js';
import type { OutputSpec, ProcessingSpec } from '../../server/processing/spec.js';

export type { SystemSnapshot, ProviderStatus, GpuInfo, UptimeReportBody, LatencyResponse, TensorSpec };
export type { AliasChange, CreatedKey, FollowStatus, ModelDetail, Scope, SystemInfo, UsageSummaryRow };
export type { OutputSpec, ProcessingSpec };

/** One version as GET /admin/v1/models/:name describes it. */
export type ModelVersion = VersionInfo;
/** A version's processing as the admin API shows it: the stored spec, what clients send and get, its assets. */
export type VersionProcessing = NonNullable<VersionInfo['processing']>;
export type AssetInfo = VersionProcessing['assets'][number];
export type ApiKeyRecord = KeyInfo;
export type LoadedVersion = SystemInfo['loaded'][number];
/** One record of the usage log as GET /admin/v1/usage pages it. */
export type RecordFields = UsageRecord;
/** A model (version) as GET /v2/models/NAME[/versions/V] describes it (the inference API's metadata). */
export type ModelMetadata = Static<typeof ModelMetadataSchema>;
/** One model as GET /admin/v1/models lists it. */
export type ModelSummary = ModelListItem;

export type LatencyPoint = LatencyResponse['points'][number];
export type WindowName = '24h' | '7d' | '30d';
export type WindowReport = UptimeReportBody['server']['24h'];

export const SCOPES: readonly Scope[] = ['infer', 'metadata', 'follow', 'metrics'];
