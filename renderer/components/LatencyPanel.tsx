import { useId, useState } from 'react';
import { useLatency } from '../api/queries.js';
import { formatMs, formatNumber, formatPercent } from '../lib/format.js';
import { latencyColumns, RANGE_LABELS, summarizeLatency, throughputBasis, throughputColumns, type LatencyRange } from '../lib/latency.js';
import { EmptyState, ErrorState, Loading } from './StateViews.js';
import { TimeSeriesChart, type ChartSeries } from './TimeSeriesChart.js';

const LATENCY_SERIES: readonly ChartSeries[] = [
  { label: 'p50', color: '#2f6fdb' },
  { label: 'p95', color: '#d9822b' },
  { label: 'p99', color: '#c23b3b', dash: true },
];
const THROUGHPUT_SERIES: readonly ChartSeries[] = [
  { label: 'requests/s', color: '#2f8a5b' },
  { label: 'errors/s', color: '#c23b3b' },
];
const formatRps = (v: number) => (v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2));

interface LatencyPanelProps {
  models: readonly string[];
  /** Fixed model (the Models page); otherwise a picker over `models`. */
  model?: string;
  /** Versions to pick from; without them every version is merged. */
  versions?: readonly number[];
}

/** Latency percentiles and throughput over time for a model (or one of its versions). */
export function LatencyPanel({ models, model: fixedModel, versions }: LatencyPanelProps) {
  const [picked, setPicked] = useState<string | undefined>(undefined);
  const [version, setVersion] = useState<number | null>(null);
  const [range, setRange] = useState<LatencyRange>('1h');
  const model = fixedModel ?? (picked !== undefined && models.includes(picked) ? picked : models[0]);
  const query = useLatency(model, version, range);
  const ids = { model: useId(), version: useId(), range: useId() };

  if (model === undefined) return <EmptyState title="No models yet">Register a model on the Models page to see its latency here.</EmptyState>;

  const controls = (
    <div className="toolbar">
      {fixedModel === undefined ? (
        <div className="field-inline">
          <label htmlFor={ids.model}>Model</label>
          <select id={ids.model} value={model} onChange={(e) => setPicked(e.target.value)}>
            {models.map((m) => <option key={m} value={m}>{m}</option>)}
          </select>
        </div>
      ) : null}
      {versions && versions.length > 0 ? (
        <div className="field-inline">
          <label htmlFor={ids.version}>Version</label>
          <select id={ids.version} value={version ?? ''} onChange={(e) => setVersion(e.target.value === '' ? null : Number(e.target.value))}>
            <option value="">All versions</option>
            {versions.map((v) => <option key={v} value={v}>v{v}</option>)}
          </select>
        </div>
      ) : null}
      <div className="field-inline">
        <label htmlFor={ids.range}>Range</label>
        <select id={ids.range} value={range} onChange={(e) => setRange(e.target.value as LatencyRange)}>
          {(Object.keys(RANGE_LABELS) as LatencyRange[]).map((r) => <option key={r} value={r}>{RANGE_LABELS[r]}</option>)}
        </select>
      </div>
    </div>
  );

  let body;
  if (query.isPending) body = <Loading label="Loading latency…" />;
  else if (query.isError) body = <ErrorState error={query.error} title="Could not load latency" onRetry={() => void query.refetch()} />;
  else {
    const { points, step } = query.data;
    const s = summarizeLatency(points, step);
    body = (
      <>
        <dl className="stats">
          <div><dt>Requests</dt><dd>{formatNumber(s.requests)}</dd></div>
          <div><dt>Error rate</dt><dd className={s.errors > 0 ? 'text-bad' : undefined}>{s.errorRate === null ? '—' : formatPercent(s.errorRate, 2)}</dd></div>
          <div>
            <dt>Avg throughput</dt><dd>{formatRps(s.rps)} req/s</dd>
            {s.requests > 0 ? <dd className="stat-note">{throughputBasis(s)}</dd> : null}
          </div>
          <div><dt>p50</dt><dd>{formatMs(s.p50)}</dd></div>
          <div><dt>p95</dt><dd>{formatMs(s.p95)}</dd></div>
          <div><dt>p99</dt><dd>{formatMs(s.p99)}</dd></div>
        </dl>
        {s.requests === 0 ? (
          <EmptyState title={`No requests to ${model}${version ? ` v${version}` : ''} in this range`}>
            Latency and throughput appear here once applications call the model.
          </EmptyState>
        ) : (
          <div className="chart-grid">
            <div>
              <h3 className="chart-title">Latency (ms)</h3>
              <TimeSeriesChart
                data={latencyColumns(points)}
                series={LATENCY_SERIES}
                format={formatMs}
                description={`Latency of ${model}: p50 ${formatMs(s.p50)}, p95 ${formatMs(s.p95)}, p99 ${formatMs(s.p99)} on average over ${RANGE_LABELS[range].toLowerCase()}.`}
              />
            </div>
            <div>
              <h3 className="chart-title">Throughput (requests per second)</h3>
              <TimeSeriesChart
                data={throughputColumns(points, step)}
                series={THROUGHPUT_SERIES}
                format={formatRps}
                description={`Throughput of ${model}: ${formatNumber(s.requests)} requests, ${formatNumber(s.errors)} errors over ${RANGE_LABELS[range].toLowerCase()}.`}
              />
            </div>
          </div>
        )}
        <p className="hint">
          Percentiles are of successful requests per {step >= 3600 ? `${step / 3600} h` : `${step / 60} min`} step; the figures above weight each step by its requests.
          Throughput is averaged over whole steps that saw requests, so a burst shorter than a step reads below its own rate.
        </p>
      </>
    );
  }
  return <div className="latency-panel">{controls}{body}</div>;
}
