import { useInfiniteQuery, useQueries, useQuery, type InfiniteData, type UseInfiniteQueryResult, type UseQueryResult } from '@tanstack/react-query';
import type { ExportQuery } from '../../main/api.js';
import { useClient } from '../auth/session.js';
import { rangeQuery, type LatencyRange } from '../lib/latency.js';
import { parseNetwork, type NetworkSettings } from '../lib/network.js';
import { runPlaceOf, type RunPlace } from '../lib/run-place.js';
import { parseUsagePage, type UsageKind, type UsagePage } from '../lib/usage.js';
import type {
  ApiKeyRecord, FollowStatus, LatencyResponse, ModelDetail, ModelMetadata, ModelSummary, SystemInfo, UptimeReportBody, UsageSummaryRow,
} from './types.js';

/** Query keys in one place, so a mutation invalidates exactly what it changed. */
export const keys = {
  models: ['models'] as const,
  model: (name: string) => ['models', name] as const,
  /** Under the model's key, so whatever refreshes the model refreshes these too. */
  runPlace: (name: string, version: number) => ['models', name, 'run-place', version] as const,
  system: ['system'] as const,
  ready: ['ready'] as const,
  uptime: ['uptime'] as const,
  latency: (model: string, version: number | null, range: LatencyRange) => ['latency', model, version, range] as const,
  apiKeys: ['keys'] as const,
  network: ['network'] as const,
  follow: ['follow'] as const,
  usage: (filter: ExportQuery, kind: UsageKind) => ['usage', filter, kind] as const,
  usageSummary: (by: 'key' | 'model', filter: ExportQuery) => ['usage-summary', by, filter] as const,
};

export function useFollow(): UseQueryResult<FollowStatus> {
  const client = useClient();
  return useQuery({
    queryKey: keys.follow,
    queryFn: () => client.get<FollowStatus>('/admin/v1/follow'),
    // A hold stops mirroring until the admin acts: it should show up without a reload.
    refetchInterval: 10_000,
  });
}

export function useModels(): UseQueryResult<ModelSummary[]> {
  const client = useClient();
  return useQuery({
    queryKey: keys.models,
    queryFn: async () => (await client.get<{ models: ModelSummary[] }>('/admin/v1/models')).models,
  });
}

export function useModel(name: string | undefined): UseQueryResult<ModelDetail> {
  const client = useClient();
  return useQuery({
    queryKey: keys.model(name ?? ''),
    queryFn: () => client.get<ModelDetail>(`/admin/v1/models/${encodeURIComponent(name ?? '')}`),
    enabled: name !== undefined,
    // Versions load and unload in the background (idle unload, warm-up): keep states fresh.
    refetchInterval: 10_000,
  });
}

/**
 * Where each of these loaded versions runs (inline on the HTTP thread, or in worker threads), read
 * from the inference API's metadata, which the admin token may read. A version the server says
 * nothing about (an older server, or a failed read) is left out: the page shows nothing for it.
 */
export function useRunPlaces(name: string, versions: readonly number[]): ReadonlyMap<number, RunPlace> {
  const client = useClient();
  return useQueries({
    queries: versions.map((v) => ({
      queryKey: keys.runPlace(name, v),
      queryFn: async () => runPlaceOf(await client.get<ModelMetadata>(`/v2/models/${encodeURIComponent(name)}/versions/${v}`)) ?? null,
      // A version that turns out slow moves to the workers while loaded.
      refetchInterval: 30_000,
    })),
    combine: (results) => new Map(results.flatMap((r, i) => (r.data ? [[versions[i], r.data] as const] : []))),
  });
}

export function useSystem(refetchInterval: number | false = 15_000): UseQueryResult<SystemInfo> {
  const client = useClient();
  return useQuery({ queryKey: keys.system, queryFn: () => client.get<SystemInfo>('/admin/v1/system'), refetchInterval });
}

/** GET /v2/health/ready: whether every production version is loaded and serving. */
export function useReady(): UseQueryResult<boolean> {
  const client = useClient();
  return useQuery({ queryKey: keys.ready, queryFn: () => client.probe('/v2/health/ready'), refetchInterval: 10_000 });
}

export function useUptime(): UseQueryResult<UptimeReportBody> {
  const client = useClient();
  return useQuery({ queryKey: keys.uptime, queryFn: () => client.get<UptimeReportBody>('/admin/v1/uptime'), refetchInterval: 60_000 });
}

export function useLatency(model: string | undefined, version: number | null, range: LatencyRange): UseQueryResult<LatencyResponse> {
  const client = useClient();
  return useQuery({
    queryKey: keys.latency(model ?? '', version, range),
    queryFn: () => client.get<LatencyResponse>('/admin/v1/latency', { model, version, ...rangeQuery(range) }),
    enabled: model !== undefined,
    refetchInterval: range === '1h' ? 30_000 : 300_000,
    placeholderData: (previous) => previous,
  });
}

export function useApiKeys(): UseQueryResult<ApiKeyRecord[]> {
  const client = useClient();
  return useQuery({ queryKey: keys.apiKeys, queryFn: async () => (await client.get<{ keys: ApiKeyRecord[] }>('/admin/v1/keys')).keys });
}

export function useNetwork(): UseQueryResult<NetworkSettings> {
  const client = useClient();
  return useQuery({ queryKey: keys.network, queryFn: async () => parseNetwork(await client.get<unknown>('/admin/v1/network')) });
}

/** The usage table, newest first, a page at a time ("Show older" fetches the next). */
export function useUsage(filter: ExportQuery, kind: UsageKind, limit = 50): UseInfiniteQueryResult<InfiniteData<UsagePage, number | undefined>> {
  const client = useClient();
  return useInfiniteQuery({
    queryKey: keys.usage(filter, kind),
    queryFn: async ({ pageParam }) => parseUsagePage(await client.get<unknown>('/admin/v1/usage', { ...filter, kind, limit, beforeSeq: pageParam })),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => last.nextBeforeSeq ?? undefined,
  });
}

/** Per key or per model over the filter's time range (the server groups over time only). */
export function useUsageSummary(by: 'key' | 'model', filter: ExportQuery): UseQueryResult<UsageSummaryRow[]> {
  const client = useClient();
  return useQuery({
    queryKey: keys.usageSummary(by, filter),
    queryFn: async () => {
      const body = await client.get<unknown>('/admin/v1/usage/summary', { by, from: filter.from, to: filter.to });
      return summaryRows(body);
    },
  });
}

/** The summary answer as rows, whether the server wraps them ({rows}/{summary}) or not. */
export function summaryRows(body: unknown): UsageSummaryRow[] {
  if (Array.isArray(body)) return body as UsageSummaryRow[];
  if (typeof body === 'object' && body !== null) {
    for (const field of ['rows', 'summary', 'groups', 'keys', 'models']) {
      const value = (body as Record<string, unknown>)[field];
      if (Array.isArray(value)) return value as UsageSummaryRow[];
    }
  }
  return [];
}
