import { recordedLeaderId, recordLeaderId } from './instance.js';
import { LeaderClient } from './leader-client.js';
import { holdId, type Hold } from './removal-gate.js';
import { syncFromLeader, type SyncDeps } from './sync.js';
import type { LeaderTransport } from './transport.js';
import { errorMessage } from '../base/message.js';

export type { Hold } from './removal-gate.js';

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
  /** The leader's instance id as recorded on first contact; null before it. */
  leaderInstanceId: string | null;
  /** Set while mirroring is stopped until the operator confirms (POST /admin/v1/follow/confirm). */
  hold: Hold | null;
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
  /** Lifts the hold named `id` so the next sync goes ahead; false when no hold has that id. */
  confirm(id: string): boolean;
  state(now?: number): FollowState;
}

export const NOT_FOLLOWING: FollowState = {
  following: false, leader: null, intervalMs: null, lastSyncAt: null, lastAttemptAt: null, lastError: null, lag: null, lastChanges: [], syncs: 0,
  leaderInstanceId: null, hold: null,
};

export interface FollowOptions {
  url: string;
  key: string;
  transport: LeaderTransport;
  intervalMs?: number;
  timeoutMs?: number;
  /** Removals one sync may make without the operator's confirmation. */
  maxRemovals?: number;
  log?: FollowLog;
  now?: () => number;
}

/** Keeps this server's registry in step with a leader's by polling its admin API with a follow key. */
export function createFollower(deps: SyncDeps, {
  url, key, transport, intervalMs = 2000, timeoutMs = 10_000, maxRemovals = 3,
  log = { info: () => undefined, warn: () => undefined }, now = Date.now,
}: FollowOptions): Follower {
  const client = new LeaderClient(url, key, transport, timeoutMs);
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const s = { lastSyncAt: null as number | null, lastAttemptAt: null as number | null, lastError: null as string | null, lastChanges: [] as string[], syncs: 0 };
  let hold: Hold | null = null;
  // What the operator confirmed: the new leader's id, and the removals of a held sync.
  let acceptedLeader: string | null = null;
  let answeringLeader: string | null = null;
  let confirmedRemovals = new Set<string>();

  const setHold = (next: Hold | null) => {
    if (next && next.id !== hold?.id) log.warn(`follow: ${next.message} (hold ${next.id})`);
    if (!next && hold) log.info(`follow: hold ${hold.id} lifted`);
    hold = next && hold?.id === next.id ? hold : next;
  };

  /** Whoever answers must be the leader this server first copied, unless the operator accepted another. */
  const checkLeader = async (): Promise<boolean> => {
    const seen = await client.instanceId(abort.signal);
    answeringLeader = seen;
    const recorded = recordedLeaderId(deps.db);
    if (recorded === null || recorded === seen || acceptedLeader === seen) {
      if (recorded !== seen) recordLeaderId(deps.db, seen);
      acceptedLeader = null;
      return true;
    }
    setHold({
      id: holdId('leader-changed', [recorded, seen]), reason: 'leader-changed', since: now(), removals: [],
      message: `Mirroring is stopped: the server at ${client.display} is instance ${seen}, not ${recorded}, the leader this server copied ` +
        '(restarted on another data directory, restored, or someone else). Nothing was changed. If it is the leader now, confirm this hold ' +
        '(hearth follow confirm ID, or POST /admin/v1/follow/confirm).',
    });
    return false;
  };

  const once = async () => {
    s.lastAttemptAt = now();
    let error: string | null = null;
    try {
      if (await checkLeader()) {
        const result = await syncFromLeader(deps, client, abort.signal, { max: maxRemovals, confirmed: confirmedRemovals, now: now() });
        setHold(result.hold ?? null);
        if (!result.hold) confirmedRemovals = new Set();
        s.lastChanges = result.changes;
        for (const c of result.changes) log.info(`follow: ${c}`);
        error = result.errors.length > 0 ? result.errors.join('; ') : null;
      }
    } catch (err) {
      if (abort.signal.aborted) return;
      error = errorMessage(err);
    }
    await deps.removed.sweep().catch((err: unknown) => log.warn(`follow: removed model files not swept: ${errorMessage(err)}`));
    s.syncs += 1;
    // One line when mirroring starts failing or recovers, not one per poll.
    if (error !== null && error !== s.lastError) log.warn(`follow: ${error}`);
    if (error === null && s.lastError !== null) log.info(`follow: in step with ${client.display} again`);
    s.lastError = error;
    if (error === null && hold === null) s.lastSyncAt = now();
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
    confirm(id) {
      if (hold === null || hold.id !== id) return false;
      if (hold.reason === 'leader-changed') acceptedLeader = answeringLeader;
      else confirmedRemovals = new Set(hold.removals);
      log.warn(`follow: the operator confirmed hold ${hold.id}`);
      hold = null;
      void sync();
      return true;
    },
    state(at = now()) {
      return {
        following: true, leader: client.display, intervalMs, ...s, lastChanges: [...s.lastChanges],
        lag: s.lastSyncAt === null ? null : Math.max(0, at - s.lastSyncAt),
        leaderInstanceId: recordedLeaderId(deps.db), hold: hold === null ? null : { ...hold, removals: [...hold.removals] },
      };
    },
  };
}
