import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { SeriesHistogram, type HistogramSeries } from './series-histogram.js';
import type { FailureReason } from './reasons.js';

/** What the metrics read at scrape time from the registry and the runtime. */
export interface MetricsSource {
  /** Every registered version. */
  versions(): { name: string; version: number }[];
  /** Cumulative counters of a version, as the statistics extension reports them. */
  statsOf(name: string, version: number): { inferenceCount: number; executionCount: number };
  loaded(): { name: string; version: number; state: string; queued: number }[];
  /** Circuit breakers that have seen traffic; optional so that tests may leave it out. */
  circuits?(): { name: string; version: number; state: 'closed' | 'open' | 'half_open' }[];
}

const CIRCUIT_STATES = ['closed', 'open', 'half_open'] as const;

/** One finished inference request; model and version are '' when the request never reached one. */
export interface InferenceObservation {
  model: string;
  version: string;
  ok: boolean;
  reason?: FailureReason;
  seconds: number;
  /** Rows in the execution the request ran in. */
  batchSize?: number;
  queueNs?: number;
  computeNs?: number;
}

export interface Metrics {
  /** The app's registry: register further metrics (GPU gauges) here. */
  registry: Registry;
  observe(o: InferenceObservation): void;
}

const LABELS = ['model', 'version'] as const;
const SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const BATCH = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

let processRegistry: Registry | undefined;

/**
 * Process CPU, memory and event-loop metrics describe the process, not an app, and prom-client
 * installs observers for them that are never removed: one set per process, shared by every app.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Triton-style inference metrics in a registry of their own (tests build many apps in one process). */
export function createMetrics(source: MetricsSource): Metrics {
  const own = new Registry();
  const registers = [own];
  const success = new Counter({
    name: 'hearth_inference_request_success_total', help: 'Inference requests that succeeded.', labelNames: LABELS, registers,
  });
  const failure = new Counter({
    name: 'hearth_inference_request_failure_total', help: 'Inference requests that failed, by reason.',
    labelNames: [...LABELS, 'reason'], registers,
  });
  new Counter({
    name: 'hearth_inference_count_total', help: 'Rows inferred (a batch of n counts n), warm-up included, as /v2 statistics report.',
    labelNames: LABELS, registers,
    collect() {
      this.reset();
      for (const v of source.versions()) this.inc({ model: v.name, version: String(v.version) }, source.statsOf(v.name, v.version).inferenceCount);
    },
  });
  new Counter({
    name: 'hearth_inference_exec_count_total', help: 'Model executions (one per batch run), warm-up included.',
    labelNames: LABELS, registers,
    collect() {
      this.reset();
      for (const v of source.versions()) this.inc({ model: v.name, version: String(v.version) }, source.statsOf(v.name, v.version).executionCount);
    },
  });
  new Gauge({
    name: 'hearth_inference_pending_request_count', help: 'Requests waiting in a loaded version\'s queue.',
    labelNames: LABELS, registers,
    collect() {
      this.reset();
      for (const l of source.loaded()) this.set({ model: l.name, version: String(l.version) }, l.queued);
    },
  });
  new Gauge({
    name: 'hearth_circuit_state', help: 'A version\'s circuit breaker: 1 for the state it is in, 0 for the others.',
    labelNames: [...LABELS, 'state'], registers,
    collect() {
      this.reset();
      for (const c of source.circuits?.() ?? []) {
        for (const state of CIRCUIT_STATES) this.set({ model: c.name, version: String(c.version), state }, c.state === state ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'hearth_models_loaded', help: 'Model versions loaded and READY.', registers,
    collect() {
      this.set(source.loaded().filter((l) => l.state === 'READY').length);
    },
  });
  const duration = new SeriesHistogram('hearth_inference_request_duration_seconds',
    'Whole request time, from arrival to the response sent, successes and failures.', SECONDS, registers);
  const queue = new SeriesHistogram('hearth_inference_queue_duration_seconds', 'Time a request waited in its version\'s queue.', SECONDS, registers);
  const compute = new SeriesHistogram('hearth_inference_compute_duration_seconds',
    'Time from leaving the queue to outputs split out of the batch.', SECONDS, registers);
  const batch = new SeriesHistogram('hearth_inference_batch_size', 'Rows in the execution each request ran in.', BATCH, registers);

  // The labelled series of each version, looked up once: prom-client hashes a label object on
  // every call otherwise (2% of the HTTP thread at 64 connections). Only registered models' names
  // reach here (routes/metrics.ts), so the map is as small as the registry.
  const series = new Map<string, {
    success: ReturnType<typeof success.labels>; duration: HistogramSeries; queue: HistogramSeries; compute: HistogramSeries; batch: HistogramSeries;
  }>();
  const seriesOf = (model: string, version: string) => {
    const key = `${model}\u0000${version}`;
    let s = series.get(key);
    if (!s) {
      const labels = { model, version };
      s = { success: success.labels(labels), duration: duration.child(labels), queue: queue.child(labels), compute: compute.child(labels), batch: batch.child(labels) };
      series.set(key, s);
    }
    return s;
  };

  return {
    registry: Registry.merge([own, processMetrics()]),
    observe(o) {
      if (!o.ok) failure.inc({ model: o.model, version: o.version, reason: o.reason ?? 'internal' });
      if (o.model === '' || o.version === '') {
        if (o.ok) success.inc({ model: o.model, version: o.version });
        return;
      }
      const s = seriesOf(o.model, o.version);
      if (o.ok) s.success.inc();
      s.duration.observe(o.seconds);
      if (o.queueNs !== undefined) s.queue.observe(o.queueNs / 1e9);
      if (o.computeNs !== undefined) s.compute.observe(o.computeNs / 1e9);
      if (o.batchSize !== undefined && o.batchSize > 0) s.batch.observe(o.batchSize);
    },
  };
}
