import { LeaderClient } from './leader-client.js';
import { syncFromLeader, type SyncDeps } from './sync.js';

export interface FollowState {
  following: boolean;
  /** The leader's URL, without credentials; null when this server is not a follower. */
  leader: string | null;
  intervalMs: number | null;
  /** When a sync last completed with the whole registry mirrored (ms since the epoch). */
  lastSyncAt: number | null;
  lastAttemptAt: number | null;
  /** Why the latest sync fell short; null when it mirrored everything. */
  lastError: string | null;
  /** Milliseconds since the registry last matched the leader: how stale the mirror may be. */
  lag: number | null;
  /** What the latest sync changed here. */
  lastChanges: string[];
  syncs: number;
}

export interface FollowLog {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface Follower {
  readonly leader: string;
  /** Runs the first sync (resolves even when it fails; see state()) and then polls. */
  start(): Promise<void>;
  /** Stops polling and aborts a sync in progress. */
  stop(): Promise<void>;
  /** Runs one sync now, after any in progress. */
  syncNow(): Promise<void>;
  state(now?: number): FollowState;
}

export const NOT_FOLLOWING: FollowState = {
  following: false, leader: null, intervalMs: null, lastSyncAt: null, lastAttemptAt: null, lastError: null, lag: null, lastChanges: [], syncs: 0,
};

/** Keeps this server's registry in step with a leader's by polling its admin API. */
export function createFollower(deps: SyncDeps, {
  url, token, intervalMs = 2000, timeoutMs = 10_000, log = { info: () => undefined, warn: () => undefined },
}: { url: string; token: string; intervalMs?: number; timeoutMs?: number; log?: FollowLog }): Follower {
  const client = new LeaderClient(url, token, timeoutMs);
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const s = { lastSyncAt: null as number | null, lastAttemptAt: null as number | null, lastError: null as string | null, lastChanges: [] as string[], syncs: 0 };

  const once = async () => {
    s.lastAttemptAt = Date.now();
    let error: string | null;
    try {
      const result = await syncFromLeader(deps, client, abort.signal);
      s.lastChanges = result.changes;
      for (const c of result.changes) log.info(`follow: ${c}`);
      error = result.errors.length > 0 ? result.errors.join('; ') : null;
    } catch (err) {
      if (abort.signal.aborted) return;
      error = err instanceof Error ? err.message : String(err);
    }
    s.syncs += 1;
    // One line when mirroring starts failing or recovers, not one per poll.
    if (error !== null && error !== s.lastError) log.warn(`follow: ${error}`);
    if (error === null && s.lastError !== null) log.info(`follow: in step with ${client.display} again`);
    s.lastError = error;
    if (error === null) s.lastSyncAt = Date.now();
  };

  const sync = () => {
    running = running.then(once);
    return running;
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => { void sync().finally(schedule); }, intervalMs);
    timer.unref();
  };

  return {
    leader: client.display,
    async start() {
      await sync();
      schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      abort.abort();
      await running.catch(() => undefined);
    },
    syncNow: sync,
    state(now = Date.now()) {
      return {
        following: true, leader: client.display, intervalMs, ...s, lastChanges: [...s.lastChanges],
        lag: s.lastSyncAt === null ? null : Math.max(0, now - s.lastSyncAt),
      };
    },
  };
}
