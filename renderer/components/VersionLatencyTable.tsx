import { useQueries } from '@tanstack/react-query';
import { keys } from '../api/queries.js';
import type { LatencyResponse } from '../api/types.js';
import { useClient } from '../auth/session.js';
import { formatMs, formatNumber, formatPercent } from '../lib/format.js';
import { rangeQuery, summarizeLatency } from '../lib/latency.js';
import { ErrorState } from './StateViews.js';

/** Requests, errors and latency of each version over the last 24 hours, side by side. */
export function VersionLatencyTable({ model, versions }: { model: string; versions: readonly number[] }) {
  const client = useClient();
  const results = useQueries({
    queries: versions.map((v) => ({
      queryKey: keys.latency(model, v, '24h'),
      queryFn: () => client.get<LatencyResponse>('/admin/v1/latency', { model, version: v, ...rangeQuery('24h') }),
      refetchInterval: 300_000,
    })),
  });
  const failed = results.find((r) => r.isError);
  if (failed) return <ErrorState error={failed.error} title="Could not load latency per version" onRetry={() => void failed.refetch()} />;
  return (
    <table className="table">
      <caption className="visually-hidden">Latency per version over the last 24 hours</caption>
      <thead>
        <tr><th scope="col">Version</th><th scope="col">Requests</th><th scope="col">Error rate</th><th scope="col">p50</th><th scope="col">p95</th><th scope="col">p99</th></tr>
      </thead>
      <tbody>
        {versions.map((v, i) => {
          const r = results[i];
          const s = r.data ? summarizeLatency(r.data.points, r.data.step) : null;
          return (
            <tr key={v}>
              <th scope="row">v{v}</th>
              <td>{s ? formatNumber(s.requests) : '…'}</td>
              <td>{s ? (s.errorRate === null ? '—' : formatPercent(s.errorRate, 2)) : '…'}</td>
              <td>{s ? formatMs(s.p50) : '…'}</td>
              <td>{s ? formatMs(s.p95) : '…'}</td>
              <td>{s ? formatMs(s.p99) : '…'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
