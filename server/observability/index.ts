import type { Config } from '../base/config.js';
import type { Db } from '../db/database.js';
import type { Registry } from '../registry/registry.js';
import { LatencyRecorder } from './latency.js';
import { createMetrics, type InferenceObservation, type Metrics } from './metrics.js';
import { UptimeTracker } from './uptime.js';

export { FAILURE_REASONS, reasonOf, type FailureReason } from './reasons.js';
export type { InferenceObservation, Metrics } from './metrics.js';
export type { LatencyPoint, LatencyQuery } from './latency.js';
export type { UptimeReport } from './uptime.js';

export interface ObservabilityDeps {
  db: Db;
  config: Pick<Config, 'heartbeatMs' | 'latencyRetentionDays'>;
  models: RuntimeView;
  registry: Registry;
}

/** What observability reads from the runtime (a layer above it): given by the composition root. */
export interface RuntimeView {
  statsOf(name: string, version: number): { inferenceCount: number; executionCount: number };
  loadedVersions(): { name: string; version: number; state: string; queued: number }[];
  health: { circuitStates(): { name: string; version: number; state: 'closed' | 'open' | 'half_open' }[] };
  isReady(name: string, version: number): boolean;
  /** Subscribes to versions' state changes (each is an uptime beat). */
  onStateChange(listener: () => void): void;
}

export interface ObservabilityOptions {
  /** The clock; tests move it to make gaps without waiting. */
  now?: () => number;
  /** How often unflushed minutes are written. */
  flushMs?: number;
}

/** Metrics, latency history and uptime of one server; `start` once it serves, `close` on shutdown. */
export interface Observability {
  metrics: Metrics;
  latency: LatencyRecorder;
  uptime: UptimeTracker;
  /** The clock everything here reads. */
  now: () => number;
  /** One finished /infer request: counted in the metrics, and in the latency history when it reached a version. */
  recordInference(o: InferenceObservation): void;
  /** Begins uptime heartbeats and the periodic latency flush. */
  start(): void;
  /** The last heartbeat and latency flush; idempotent. */
  close(): void;
}

export function createObservability({ db, config, models, registry }: ObservabilityDeps, { now = Date.now, flushMs = 15_000 }: ObservabilityOptions = {}): Observability {
  const metrics = createMetrics({
    versions: () => registry.allVersions().map((v) => ({ name: v.name, version: v.version })),
    statsOf: (name, version) => models.statsOf(name, version),
    loaded: () => models.loadedVersions(),
    circuits: () => models.health.circuitStates(),
  });
  const latency = new LatencyRecorder(db, { retentionDays: config.latencyRetentionDays, now });
  const uptime = new UptimeTracker(db, {
    production: () => registry.listModels().flatMap((m) => {
      const version = m.aliases.production;
      return version === undefined ? [] : [{ name: m.name, version, ready: models.isReady(m.name, version) }];
    }),
  }, { heartbeatMs: config.heartbeatMs, now });
  // A version that becomes ready or unavailable changes what is up: record it at once.
  models.onStateChange(() => uptime.safeBeat());
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  return {
    metrics, latency, uptime, now,
    recordInference(o) {
      metrics.observe(o);
      const version = Number(o.version);
      if (o.model !== '' && o.version !== '' && Number.isInteger(version)) latency.record(o.model, version, o.seconds, o.ok);
    },
    start() {
      if (closed || timer) return;
      uptime.start();
      timer = setInterval(() => {
        try { latency.flush(); } catch { /* a busy database: the minutes stay pending for the next flush */ }
      }, flushMs);
      timer.unref();
    },
    close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      uptime.close();
      try { latency.flush(true); } catch { /* closing anyway; at worst the last minute is lost */ }
    },
  };
}
