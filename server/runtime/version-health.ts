import type { ModelVersion } from '../registry/registry.js';
import type { VersionSettings } from '../registry/settings.js';
import { ExecutionError, QueueTimeoutError } from './scheduler.js';
import { CircuitBreaker, type CircuitSettings, type CircuitSnapshot } from './circuit.js';

/** How one inference request on a version ended, as the rollout guard and metrics see it. */
export interface InferenceOutcome {
  name: string;
  version: number;
  ok: boolean;
  /** From admission to the outputs (queue and execution), in milliseconds. */
  latencyMs: number;
  at: number;
}
export type OutcomeListener = (o: InferenceOutcome) => void;

export const circuitSettingsOf = (s: Pick<VersionSettings, 'circuitFailures' | 'circuitCooldownMs'>): CircuitSettings =>
  ({ failures: s.circuitFailures, cooldownMs: s.circuitCooldownMs });

/**
 * What the circuit counts: the model failing on a request that passed validation, or a request
 * that timed out in the queue. Not a worker crash (the worker is replaced) nor a full queue (load
 * shedding already answers that with a 503).
 */
export const countsAsFailure = (err: unknown): boolean => err instanceof ExecutionError || err instanceof QueueTimeoutError;

const keyOf = (name: string, version: number) => `${name}\u0000${version}`;

/** Per model version: the circuit breaker, and the stream of outcomes that a rollout guard watches. */
export class VersionHealth {
  private readonly breakers = new Map<string, { name: string; version: number; breaker: CircuitBreaker }>();
  private readonly listeners = new Set<OutcomeListener>();

  constructor(private readonly now: () => number = Date.now) {}

  private breakerOf(v: ModelVersion): CircuitBreaker {
    const k = keyOf(v.name, v.version);
    let b = this.breakers.get(k);
    if (!b) {
      b = { name: v.name, version: v.version, breaker: new CircuitBreaker(circuitSettingsOf(v.settings), this.now) };
      this.breakers.set(k, b);
    } else {
      b.breaker.configure(circuitSettingsOf(v.settings));
    }
    return b.breaker;
  }

  /**
   * Runs one request under the version's circuit breaker and reports how it ended. `run` is called
   * synchronously, so a request is queued before anything else can happen to its version.
   */
  async guard<T>(v: ModelVersion, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const breaker = this.breakerOf(v);
    let ticket;
    try {
      ticket = breaker.admit(`Model "${v.name}" version ${v.version}`);
    } catch (err) {
      this.emit(v, false, started);
      throw err;
    }
    try {
      const result = await run();
      breaker.success(ticket);
      this.emit(v, true, started);
      return result;
    } catch (err) {
      if (countsAsFailure(err)) breaker.failure(ticket, err instanceof Error ? err.message : String(err));
      else breaker.release(ticket);
      this.emit(v, false, started);
      throw err;
    }
  }

  /** The circuit of a version; closed for one that has not served yet. */
  circuitOf(v: ModelVersion): CircuitSnapshot {
    const b = this.breakers.get(keyOf(v.name, v.version));
    if (b) {
      b.breaker.configure(circuitSettingsOf(v.settings));
      return b.breaker.snapshot();
    }
    return new CircuitBreaker(circuitSettingsOf(v.settings), this.now).snapshot();
  }

  /** Every version that has served since start, with its circuit: for metrics and the admin API. */
  circuitStates(): ({ name: string; version: number } & CircuitSnapshot)[] {
    return [...this.breakers.values()].map((b) => ({ name: b.name, version: b.version, ...b.breaker.snapshot() }));
  }

  isOpen(name: string, version: number): boolean {
    return this.breakers.get(keyOf(name, version))?.breaker.snapshot().state === 'open';
  }

  /** Closes a version's circuit by hand (the admin fixed the cause). */
  reset(name: string, version: number): void {
    this.breakers.get(keyOf(name, version))?.breaker.reset();
  }

  /** Subscribes to every request's outcome; returns the unsubscribe. */
  onOutcome(listener: OutcomeListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  private emit(v: ModelVersion, ok: boolean, started: number): void {
    if (this.listeners.size === 0) return;
    const o: InferenceOutcome = { name: v.name, version: v.version, ok, latencyMs: performance.now() - started, at: this.now() };
    for (const l of this.listeners) l(o);
  }
}
