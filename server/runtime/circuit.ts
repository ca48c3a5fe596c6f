import { HearthError } from '../base/errors.js';
import type { CircuitSnapshot, CircuitState } from './circuit-schema.js';

export interface CircuitSettings {
  /** Failures in a row that open the circuit; 0 never opens it. */
  failures: number;
  /** How long it stays open before one trial request is let through. */
  cooldownMs: number;
}

/** The fast 503 of an open circuit; it never reached a worker. */
export class CircuitOpenError extends HearthError {}

/** Handed out by `admit`; the trial of a half-open circuit decides whether it closes. */
export interface CircuitTicket {
  readonly trial: boolean;
}
const PASS: CircuitTicket = Object.freeze({ trial: false });
const TRIAL: CircuitTicket = Object.freeze({ trial: true });

/**
 * One model version's circuit breaker: closed until `failures` requests in a row fail, then open
 * (every request gets a fast 503 with Retry-After) for the cool-down, then half-open: one trial
 * request goes through, and its outcome closes the circuit or opens it for another cool-down.
 */
export class CircuitBreaker {
  private state: CircuitState = 'closed';
  private consecutive = 0;
  private openedAt = 0;
  private opens = 0;
  private trialRunning = false;
  private lastFailure: string | null = null;

  constructor(private settings: CircuitSettings, private readonly now: () => number = Date.now) {}

  configure(settings: CircuitSettings): void {
    this.settings = settings;
    if (settings.failures === 0) this.reset();
  }

  /**
   * Lets a request through, or throws the 503 that says when to come back. `label` names the
   * version in that error; a function, so that requests let through build no text.
   */
  admit(label: () => string): CircuitTicket {
    if (this.state === 'closed' || this.settings.failures === 0) return PASS;
    const left = this.openedAt + this.settings.cooldownMs - this.now();
    if (this.state === 'open' && left <= 0) this.state = 'half_open';
    if (this.state === 'half_open' && !this.trialRunning) {
      this.trialRunning = true;
      return TRIAL;
    }
    const waitMs = Math.max(left, 0);
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    throw new CircuitOpenError('unavailable',
      `${label()} is failing: its circuit breaker opened after ${this.settings.failures} failures in a row` +
      `${this.lastFailure ? ` (last: ${this.lastFailure})` : ''}. ` +
      (this.state === 'half_open'
        ? 'A trial request is running now; retry in a moment.'
        : `Requests are refused for ${seconds} s more; retry after that, or use another version.`),
      seconds);
  }

  success(ticket: CircuitTicket): void {
    if (ticket.trial) {
      this.trialRunning = false;
      this.reset();
    } else if (this.state === 'closed') {
      this.consecutive = 0;
    }
  }

  /** A failure that is the server's (see blameOf in version-health.ts): what the circuit counts. */
  failure(ticket: CircuitTicket, reason: string): void {
    this.lastFailure = reason.length > 300 ? `${reason.slice(0, 297)}...` : reason;
    // Turned off (threshold 0): nothing is counted, so turning it on later starts from zero.
    if (this.settings.failures === 0) {
      if (ticket.trial) this.trialRunning = false;
      return;
    }
    if (ticket.trial) {
      this.trialRunning = false;
      this.open();
      return;
    }
    // A request admitted before the circuit opened says nothing new once it is open.
    if (this.state !== 'closed') return;
    this.consecutive += 1;
    if (this.settings.failures > 0 && this.consecutive >= this.settings.failures) this.open();
  }

  /** An outcome that is not the server's failure (the client's own, a worker crash, a full queue): frees the trial slot. */
  release(ticket: CircuitTicket): void {
    if (ticket.trial) this.trialRunning = false;
  }

  reset(): void {
    this.state = 'closed';
    this.consecutive = 0;
  }

  snapshot(): CircuitSnapshot {
    const left = this.state === 'closed' ? 0 : Math.max(0, this.openedAt + this.settings.cooldownMs - this.now());
    const state = this.state === 'open' && left === 0 ? 'half_open' : this.state;
    return {
      state,
      consecutiveFailures: this.consecutive,
      threshold: this.settings.failures,
      cooldownMs: this.settings.cooldownMs,
      opened: this.opens,
      openedAt: this.state === 'closed' ? null : this.openedAt,
      retryAfterMs: state === 'open' ? left : 0,
      lastFailure: this.lastFailure,
    };
  }

  private open(): void {
    this.state = 'open';
    this.openedAt = this.now();
    this.opens += 1;
  }
}
