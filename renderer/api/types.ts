// Shapes of the admin API as the UI reads them. Types only: the server's pure schema files are
// imported for what they export; the rest mirrors route schemas in server/routes/*.ts.
import type { SystemSnapshot, ProviderStatus, GpuInfo } from '../../server/hardware/types.js';
import type { UptimeReportBody, LatencyResponse } from '../../server/observability/api.js';
import type { TensorSpec } from '../../server/protocol/tensor.js';
import type { RecordFields } from '../../server/usage/types.js';

export type { SystemSnapshot, ProviderStatus, GpuInfo, UptimeReportBody, LatencyResponse, TensorSpec, RecordFields };

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

export interface ModelVersion {
  name: string;
  version: number;
  sha256: string;
  size: number;
  createdAt: number;
  description: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  metadata: Record<string, unknown>;
  tags: string[];
  settings: Record<string, unknown>;
  aliases: string[];
  state: string;
  stateReason: string;
  provider: string | null;
  existing?: boolean;
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

export type Scope = 'infer' | 'metadata';
export const SCOPES: readonly Scope[] = ['infer', 'metadata'];

export interface ApiKeyRecord {
  id: string;
  name: string;
  scopes: string[];
  models: string[] | null;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

export interface CreatedKey {
  id: string;
  key: string;
  record: ApiKeyRecord;
}

export interface LoadedVersion {
  name: string;
  version: number;
  state: string;
  reason: string;
  provider: string;
  lastUsed: number;
  queued: number;
}

export interface SystemInfo {
  hardware: SystemSnapshot | null;
  providers: ProviderStatus[];
  devices: Record<string, { bytes: number; count: number; budget?: { bytes: number; count: number } }>;
  loaded: LoadedVersion[];
  server: {
    version: string;
    startedAt: number;
    uptimeSeconds: number;
    dataDir: string;
    host: string;
    port: number;
    requireApiKey: boolean;
    workers: number;
  };
  auditKeyFingerprint: string;
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
