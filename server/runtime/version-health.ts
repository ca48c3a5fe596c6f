import type { ModelVersion } from '../registry/registry.js';
import type { VersionSettings } from '../registry/settings.js';
import { ExecutionError, QueueTimeoutError } from './outcome.js';
import { CircuitBreaker, type CircuitSettings, type CircuitTicket } from './circuit.js';
import type { CircuitSnapshot } from './circuit-schema.js';
import { errorMessage } from '../base/message.js';

/** How one inference request on a version ended, as the rollout guard sees it (not for the client's own failures). */
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
 * Whose failure a request's error is, for the circuit breaker and the rollout guard. Only the
 * server's count: otherwise one key holder could make every tenant get 503, or roll back a promote.
 *
 * - 'client', never counted, left out of the guard's figures: a request that waited past its own
 *   `timeout` (the client chose a deadline shorter than the queue and the work ahead of it, which
 *   other clients' requests may be; the server cannot tell a short deadline from a slow server),
 *   and a model error on an input when the same session ran its known-good input right after.
 * - 'server', counted: a model error when the known-good input failed too (a broken session), or
 *   on a version that has no known-good input because its warm-up failed: the server cannot vouch
 *   for a model that never ran its own input, so a broken upload still opens the circuit and is
 *   rolled back, at the price that a bad input can count on such a version.
 * - 'other', not counted by the circuit, a failed request for the guard: what says nothing about
 *   the model itself (a worker crash, whose worker is replaced; a full queue, answered by load
 *   shedding; a version unloading or failing to load).
 */
export type Blame = 'client' | 'server' | 'other';
export function blameOf(err: unknown): Blame {
  if (err instanceof ExecutionError) return err.fault === 'input' ? 'client' : 'server';
  return err instanceof QueueTimeoutError ? 'client' : 'other';
}

/** A request let through a version's circuit breaker (VersionHealth.admit), until it is settled. */
export interface Admission {
  readonly v: ModelVersion;
  readonly breaker: CircuitBreaker;
  readonly ticket: CircuitTicket;
  readonly started: number;
}

const keyOf = (name: string, version: number) => `${name}\u0000${version}`;

/** Per model version: the circuit breaker, and the stream of outcomes that a rollout guard watches. */
export class VersionHealth {
  private readonly breakers = new Map<string, { name: string; version: number; breaker: CircuitBreaker }>();
  private readonly listeners = new Set<OutcomeListener>();
  private readonly byVersion = new WeakMap<ModelVersion, CircuitBreaker>();

  constructor(private readonly now: () => number = Date.now) {}

  private breakerOf(v: ModelVersion): CircuitBreaker {
    // The registry hands out one object per version until its row changes (settings included),
    // so a request finds its breaker without building the key or the settings.
    const known = this.byVersion.get(v);
    if (known) return known;
    const k = keyOf(v.name, v.version);
    let b = this.breakers.get(k);
    if (!b) {
      b = { name: v.name, version: v.version, breaker: new CircuitBreaker(circuitSettingsOf(v.settings), this.now) };
      this.breakers.set(k, b);
    } else {
      b.breaker.configure(circuitSettingsOf(v.settings));
    }
    this.byVersion.set(v, b.breaker);
    return b.breaker;
  }

  /**
   * Lets one request on `v` through its circuit breaker, or throws the circuit's 503 (reported as
   * a failed request). Each admission is settled once, by `settle`.
   */
  admit(v: ModelVersion): Admission {
    const started = performance.now();
    const breaker = this.breakerOf(v);
    try {
      return { v, breaker, ticket: breaker.admit(() => `Model "${v.name}" version ${v.version}`), started };
    } catch (err) {
      this.emit(v, false, started);
      throw err;
    }
  }

  /** How an admitted request ended: `failed` false for an answer, else its error. */
  settle(a: Admission, failed: false | { error: unknown }): void {
    if (failed === false) {
      a.breaker.success(a.ticket);
      this.emit(a.v, true, a.started);
      return;
    }
    const blame = blameOf(failed.error);
    if (blame === 'server') a.breaker.failure(a.ticket, errorMessage(failed.error));
    else a.breaker.release(a.ticket);
    if (blame !== 'client') this.emit(a.v, false, a.started);
  }

  /**
   * Runs one request under the version's circuit breaker and reports how it ended. `run` is called
   * synchronously, so a request is queued before anything else can happen to its version.
   */
  async guard<T>(v: ModelVersion, run: () => Promise<T>): Promise<T> {
    const admission = this.admit(v);
    try {
      const result = await run();
      this.settle(admission, false);
      return result;
    } catch (error) {
      this.settle(admission, { error });
      throw error;
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
    for (const l of this.listeners) {
      // A listener's bug must not reach the request: a scheduler answers a whole batch in one loop
      // through settle (models.ts submit), and one throw there would leave the rest unanswered.
      try {
        l(o);
      } catch (err) {
        console.error(`hearth: an inference outcome listener failed (${errorMessage(err)})`);
      }
    }
  }
}
