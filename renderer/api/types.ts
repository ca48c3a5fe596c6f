// Shapes of the admin API as the UI reads them. Types only: the server's pure schema files are
// imported for what they export; the rest mirrors route schemas in server/routes/*.ts.
import type { SystemSnapshot, ProviderStatus, GpuInfo } from '../../server/hardware/types.js';
import type { UptimeReportBody, LatencyResponse } from '../../server/observability/api.js';
import type { TensorSpec } from '../../server/protocol/tensor.js';
import type { RecordFields } from '../../server/usage/types.js';
import type { KeyInfo, SystemInfo, VersionInfo } from '../../server/http/routes/admin-schemas.js';

export type { SystemSnapshot, ProviderStatus, GpuInfo, UptimeReportBody, LatencyResponse, TensorSpec, RecordFields };

/** One version as GET /admin/v1/models/:name describes it. */
export type ModelVersion = VersionInfo;
export type ApiKeyRecord = KeyInfo;
export type { SystemInfo };
export type LoadedVersion = SystemInfo['loaded'][number];

export type LatencyPoint = LatencyResponse['points'][number];
export type WindowName = '24h' | '7d' | '30d';
export type WindowReport = UptimeReportBody['server']['24h'];

export interface ModelSummary {
  name: string;
  createdAt: number;
  versions: number[];
  aliases: Record<string, number>;
  loaded: number[];
}


export interface AliasChange {
  alias: string;
  version: number | null;
  action: string;
  reason: string;
  changedAt: number;
}

export interface ModelDetail {
  name: string;
  createdAt: number;
  aliases: Record<string, number>;
  versions: ModelVersion[];
  aliasHistory: AliasChange[];
}

export type Scope = 'infer' | 'metadata' | 'follow' | 'metrics';
export const SCOPES: readonly Scope[] = ['infer', 'metadata', 'follow', 'metrics'];


export interface CreatedKey {
  id: string;
  key: string;
  record: ApiKeyRecord;
}



export interface UsageSummaryRow {
  key?: string | null;
  model?: string | null;
  requests: number;
  errors: number;
  computeSeconds: number;
  bytesIn: number;
  bytesOut: number;
}

/** GET /admin/v1/follow: whom this server mirrors, and whether mirroring waits for the admin. */
export interface FollowStatus {
  following: boolean;
  leader: string | null;
  lastSyncAt: number | null;
  lastError: string | null;
  lag: number | null;
  leaderInstanceId: string | null;
  hold: { id: string; reason: 'leader-changed' | 'removals'; message: string; since: number; removals: string[] } | null;
}
