/**
 * Keeps the server process alive: starts it, waits until it answers its liveness probe, restarts
 * it with exponential backoff when it exits, and stops it (SIGTERM, then SIGKILL) on quit.
 * Everything with a side effect (spawning, clocks, HTTP) is passed in, so tests drive it with fakes.
 */
import type { ServerExit, ServerStatus } from './api.js';
import { createBackoff, type BackoffOptions } from './backoff.js';
import { ImpostorError } from './identity.js';
import { parseLaunchLine, type LaunchReport } from './launch-report.js';
import { createLineSplitter, createLogRing } from './log-ring.js';

export interface OutputStream {
  on(event: 'data', listener: (chunk: Uint8Array | string) => void): unknown;
}

/** The part of Node's ChildProcess the supervisor uses. */
export interface SupervisedChild {
  readonly pid?: number | undefined;
  readonly stdout?: OutputStream | null;
  readonly stderr?: OutputStream | null;
  kill(signal?: 'SIGTERM' | 'SIGKILL'): boolean;
  on(event: 'exit', listener: (code: number | null, signal: string | null) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export type HealthFetch = (url: string, init: { signal: AbortSignal }) => Promise<{ status: number }>;

export interface SupervisorOptions {
  spawn: () => SupervisedChild;
  /** Polled until it answers 200; the server is "running" from then on. Unused with `verify`. */
  healthUrl: string;
  /**
   * With this, nothing is polled before the child itself reports on stdout where it listens and
   * its nonce (main/launch-report.ts); then this must prove that the listener there is that child.
   * It rejects with ImpostorError for a definite mismatch (a hard error: no restart), with anything
   * else to be retried. A child that reports it could not listen is a hard error too.
   */
  verify?: (report: LaunchReport, signal: AbortSignal) => Promise<void>;
  fetch?: HealthFetch;
  now?: () => number;
  setTimeout?: (callback: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  backoff?: BackoffOptions;
  /** After running this long, a crash restarts at the initial delay again. */
  healthyResetMs?: number;
  healthIntervalMs?: number;
  healthRequestTimeoutMs?: number;
  /** A server not live after this long is killed and restarted. */
  readyTimeoutMs?: number;
  /** How long SIGTERM gets before SIGKILL: past the server's own drain (10 s by default) and log flush. */
  stopTimeoutMs?: number;
  logCapacity?: number;
}

export interface Supervisor {
  /** Starts the server unless it is already starting or running. */
  start(): void;
  /** Stops the server and any pending restart; resolves once the process has exited. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  status(): ServerStatus;
  /** The last lines of the server's stdout/stderr and the supervisor's own notes, oldest first. */
  logs(): string[];
  onStatus(listener: (status: ServerStatus) => void): () => void;
  onLog(listener: (line: string) => void): () => void;
}

interface Run {
  child: SupervisedChild;
  exited: boolean;
  healthySince: number | null;
  timers: Set<unknown>;
  /** Set once stop() has sent SIGTERM, so a second stop() does not restart the SIGKILL timer. */
  stopping: boolean;
  /** What the child reported on stdout about this start (with `verify`). */
  report: LaunchReport | null;
  /** Set when this start must not be retried: the port is taken, or an impostor answered. */
  fatal: string | null;
  stopped: Promise<void>;
  resolveStopped: () => void;
  flush: () => void;
}

export function createSupervisor({
  spawn,
  healthUrl,
  verify,
  fetch = (url, init) => globalThis.fetch(url, init),
  now = Date.now,
  setTimeout = (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout = (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
  backoff: backoffOptions = {},
  healthyResetMs = 30_000,
  healthIntervalMs = 250,
  healthRequestTimeoutMs = 2_000,
  readyTimeoutMs = 60_000,
  stopTimeoutMs = 15_000,
  logCapacity = 500,
}: SupervisorOptions): Supervisor {
  const backoff = createBackoff(backoffOptions);
  const ring = createLogRing(logCapacity);
  const statusListeners = new Set<(status: ServerStatus) => void>();
  const logListeners = new Set<(line: string) => void>();

  let status: ServerStatus = { state: 'stopped', pid: null, restarts: 0, lastExit: null, nextStartAt: null, error: null };
  let run: Run | null = null;
  let wanted = false;
  let launches = 0;
  let restartTimer: unknown = null;
  let restarting: Promise<void> | null = null;

  const setStatus = (patch: Partial<ServerStatus>) => {
    status = { ...status, ...patch };
    const snapshot = { ...status };
    for (const listener of statusListeners) listener(snapshot);
  };

  const log = (line: string) => {
    ring.push(line);
    for (const listener of logListeners) listener(line);
  };
  const note = (message: string) => log(`[hearth-desktop] ${message}`);

  const later = (current: Run, ms: number, callback: () => void) => {
    const handle = setTimeout(() => {
      current.timers.delete(handle);
      callback();
    }, ms);
    current.timers.add(handle);
  };
  const clearTimers = (current: Run) => {
    for (const handle of current.timers) clearTimeout(handle);
    current.timers.clear();
  };

  const launch = () => {
    restartTimer = null;
    if (launches > 0) status = { ...status, restarts: status.restarts + 1 };
    launches += 1;
    let child: SupervisedChild;
    try {
      child = spawn();
    } catch (error) {
      note(`could not start the server: ${error instanceof Error ? error.message : String(error)}`);
      scheduleRestart({ code: null, signal: null, at: now() });
      return;
    }
    const out = createLineSplitter((line) => {
      log(line);
      if (verify !== undefined && run === current) onLaunchLine(current, line);
    });
    const err = createLineSplitter(log);
    let resolveStopped!: () => void;
    const stopped = new Promise<void>((resolve) => {
      resolveStopped = resolve;
    });
    const current: Run = {
      child,
      exited: false,
      healthySince: null,
      timers: new Set(),
      stopping: false,
      report: null,
      fatal: null,
      stopped,
      resolveStopped,
      flush: () => {
        out.flush();
        err.flush();
      },
    };
    run = current;
    child.stdout?.on('data', (chunk) => out.write(chunk));
    child.stderr?.on('data', (chunk) => err.write(chunk));
    child.on('exit', (code, signal) => onExit(current, code, signal));
    child.on('error', (error) => {
      note(`server process error: ${error.message}`);
      // Also emitted when a kill fails; only a process that never started is gone for good.
      if (child.pid === undefined) onExit(current, null, null);
    });
    setStatus({ state: 'starting', pid: child.pid ?? null, nextStartAt: null });
    poll(current);
    later(current, readyTimeoutMs, () => {
      if (current.healthySince !== null || current.exited) return;
      note(`the server did not answer ${healthUrl} within ${readyTimeoutMs} ms; stopping it`);
      terminate(current);
    });
  };

  const onLaunchLine = (current: Run, line: string) => {
    const event = parseLaunchLine(line);
    if (event === null || current.report !== null || current.fatal !== null) return;
    if (event.event === 'error') {
      current.fatal = event.code === 'EADDRINUSE'
        ? `the port is in use by another program (${event.message}); Hearth did not start and sent that program nothing. Stop it or choose another port (HEARTH_PORT), then restart the server.`
        : `the server could not start: ${event.message}`;
      note(`${event.code}: ${current.fatal}`);
      return;
    }
    current.report = event;
    poll(current);
  };

  const verifyReport = (current: Run, report: LaunchReport, check: NonNullable<typeof verify>) => {
    check(report, AbortSignal.timeout(healthRequestTimeoutMs)).then(
      () => {
        if (current !== run || current.exited || !wanted) return;
        current.healthySince = now();
        note(`server proved its identity at ${report.url} (pid ${String(current.child.pid)})`);
        setStatus({ state: 'running', error: null });
      },
      (error: unknown) => {
        if (current !== run || current.exited) return;
        if (error instanceof ImpostorError) {
          current.fatal = `${error.message}; the admin token was not sent. Free the port, then restart the server.`;
          note(current.fatal);
          terminate(current);
          return;
        }
        later(current, healthIntervalMs, () => poll(current));
      },
    );
  };

  const poll = (current: Run) => {
    if (current !== run || current.exited || current.healthySince !== null || !wanted) return;
    if (verify !== undefined) {
      // Nothing is asked of the port until our own child says it holds it.
      if (current.report !== null) verifyReport(current, current.report, verify);
      return;
    }
    fetch(healthUrl, { signal: AbortSignal.timeout(healthRequestTimeoutMs) }).then(
      (response) => {
        if (current !== run || current.exited || !wanted) return;
        if (response.status === 200) {
          current.healthySince = now();
          setStatus({ state: 'running' });
        } else {
          later(current, healthIntervalMs, () => poll(current));
        }
      },
      // Refused or timed out: the server is not listening yet.
      () => {
        if (current === run && !current.exited) later(current, healthIntervalMs, () => poll(current));
      },
    );
  };

  const terminate = (current: Run) => {
    if (current.exited) return;
    current.child.kill('SIGTERM');
    later(current, stopTimeoutMs, () => {
      if (current.exited) return;
      note(`the server did not exit within ${stopTimeoutMs} ms of SIGTERM; sending SIGKILL`);
      current.child.kill('SIGKILL');
    });
  };

  const onExit = (current: Run, code: number | null, signal: string | null) => {
    if (current.exited) return;
    current.exited = true;
    clearTimers(current);
    current.flush();
    if (run === current) run = null;
    const lastExit = { code, signal, at: now() };
    note(signal === null ? `server exited with code ${String(code)}` : `server was stopped by ${signal}`);
    if (current.fatal !== null) {
      // Retrying would only poll a port someone else holds; the admin restarts once it is free.
      wanted = false;
      setStatus({ state: 'stopped', pid: null, lastExit, nextStartAt: null, error: current.fatal });
    } else if (!wanted) {
      setStatus({ state: 'stopped', pid: null, lastExit, nextStartAt: null });
    } else {
      if (current.healthySince !== null && lastExit.at - current.healthySince >= healthyResetMs) backoff.reset();
      scheduleRestart(lastExit);
    }
    current.resolveStopped();
  };

  const scheduleRestart = (lastExit: ServerExit) => {
    const delay = backoff.next();
    note(`restarting the server in ${delay} ms`);
    setStatus({ state: 'restarting', pid: null, lastExit, nextStartAt: now() + delay });
    restartTimer = setTimeout(launch, delay);
  };

  const stop = (): Promise<void> => {
    wanted = false;
    if (restartTimer !== null) {
      clearTimeout(restartTimer);
      restartTimer = null;
    }
    const current = run;
    if (current === null || current.exited) {
      if (status.state !== 'stopped') setStatus({ state: 'stopped', pid: null, nextStartAt: null });
      return Promise.resolve();
    }
    if (!current.stopping) {
      current.stopping = true;
      clearTimers(current);
      terminate(current);
    }
    return current.stopped;
  };

  return {
    start() {
      if (wanted) return;
      wanted = true;
      if (status.error !== null) setStatus({ error: null });
      backoff.reset();
      if (run === null) launch();
    },
    stop,
    restart() {
      restarting ??= (async () => {
        note('restart requested');
        await stop();
        wanted = true;
        if (status.error !== null) setStatus({ error: null });
        backoff.reset();
        if (run === null) launch();
      })().finally(() => {
        restarting = null;
      });
      return restarting;
    },
    status: () => ({ ...status }),
    logs: () => ring.lines(),
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    onLog(listener) {
      logListeners.add(listener);
      return () => logListeners.delete(listener);
    },
  };
}
