import { unavailable } from '../base/errors.js';
import { deviceOf, deviceUsage, nextVictim, roomOn, type DeviceBudget } from './device-room.js';
import type { Tensor } from '../protocol/tensor.js';
import type { BlobStore } from '../registry/blobs.js';
import type { ModelVersion, Registry } from '../registry/registry.js';
import { VersionHealth } from './version-health.js';
import { ResponseCache } from './cache.js';
import { openInline } from './inline.js';
import {
  evictable, inlineRunUsOf, isBatchable, isServing, keyOf, loadError, stateOf, summaryOf, warmupInputs,
  type InferOptions, type LoadedSummary, type LoadedVersion, type ManagerEvents, type ManagerOptions, type Placement, type PlacementResolver, type VersionState,
} from './loaded-version.js';
import { reloadLost } from './lost-sessions.js';
import { dispatch, type ReadyVersion } from './dispatch.js';
import type { WorkerPool } from './pool.js';
import { VersionScheduler, type Instance } from './scheduler.js';
import type { InferOutcome } from './outcome.js';
import { StatsTable, type VersionStats } from './stats.js';
import { errorMessage } from '../base/message.js';

export type { DeviceBudget } from './device-room.js';
export type { InferOptions, ManagerOptions, Placement, PlacementResolver, VersionState } from './loaded-version.js';

/**
 * Loaded model versions: their sessions in the worker pool, their schedulers and statistics.
 * A version is loaded on first use, or ahead of time for aliases, and warmed before it is READY.
 */
export class ModelManager {
  private readonly loaded = new Map<string, LoadedVersion>();
  /** Every version's statistics (statsOf), also found by registry row (`ofVersion`). */
  readonly stats = new StatsTable();
  /** Circuit breakers per version, and the outcome stream a rollout guard watches. */
  readonly health = new VersionHealth();
  readonly cache: ResponseCache;
  private idleTimer?: NodeJS.Timeout;
  private readonly stateListeners: NonNullable<ManagerEvents['onStateChange']>[] = [];
  /** Makes session keys unique, so a version's replacement sessions can load beside the old ones. */
  private generation = 0;

  constructor(
    private readonly pool: WorkerPool,
    private readonly registry: Registry,
    private readonly blobs: BlobStore,
    private readonly placementOf: PlacementResolver = () => ({ provider: 'cpu', reason: 'CPU' }),
    private readonly events: ManagerEvents = {},
    private readonly options: ManagerOptions = {},
  ) {
    this.cache = new ResponseCache(options.cacheBytes ?? 64 * 1024 * 1024);
    // A worker that died took its sessions along: load them again in its replacement.
    pool.onWorkerReplaced((_index, lost) => { void this.reloadLostSessions(lost); });
    if (events.onStateChange) this.stateListeners.push(events.onStateChange);
    const keepAlive = options.keepAliveMs ?? 0;
    if (keepAlive > 0) {
      this.idleTimer = setInterval(() => { void this.unloadIdle(); }, Math.min(keepAlive, 30_000));
      this.idleTimer.unref();
    }
  }

  /** Tells `listener` of every version's state change from now on (LOADING, READY, UNAVAILABLE). */
  onStateChange(listener: NonNullable<ManagerEvents['onStateChange']>): void {
    this.stateListeners.push(listener);
  }

  private emitState(name: string, version: number, state: VersionState, reason: string): void {
    for (const l of this.stateListeners) l(name, version, state, reason);
  }

  /** Unloads versions idle longer than the keep-alive, least recently used first. */
  async unloadIdle(now = Date.now()): Promise<string[]> {
    const keepAlive = this.options.keepAliveMs ?? 0;
    if (keepAlive <= 0) return [];
    const idle = [...this.loaded.values()]
      .filter((e) => evictable(e, this.options.isProtected) && now - e.lastUsed >= keepAlive)
      .sort((a, b) => a.lastUsed - b.lastUsed);
    for (const e of idle) await this.unload(e.name, e.version);
    return idle.map((e) => `${e.name}:${e.version}`);
  }

  /** Usage of each device's budget by loaded (and loading) versions. */
  deviceUsage(): Record<string, { bytes: number; count: number; budget?: DeviceBudget }> {
    return deviceUsage(this.loaded.values(), this.options.budgets ?? {});
  }

  /** What the device already holds, and whether `bytes` more fit in its budget (none: always). */
  private roomOn(device: string, bytes: number): { budget?: DeviceBudget; list: LoadedVersion[]; used: number; fits: boolean } {
    return roomOn([...this.loaded.values()], this.options.budgets ?? {}, device, bytes);
  }

  /** A version's statistics; they outlive its unload (a reload counts on). */
  statsOf(name: string, version: number): VersionStats {
    return this.stats.of(name, version);
  }

  state(name: string, version: number): { state: VersionState; reason: string; provider?: string } {
    return stateOf(this.loaded.get(keyOf(name, version)));
  }

  /** The median run time (µs) of a version that runs on the HTTP thread when alone, or null (see inline.ts). */
  inlineRunUs(name: string, version: number): number | null {
    return inlineRunUsOf(this.loaded.get(keyOf(name, version)));
  }

  /** Loaded, warm, and with at least one session in service (not all lost to a worker crash). */
  isReady(name: string, version: number): boolean {
    return isServing(this.loaded.get(keyOf(name, version)));
  }

  /** Ready, and its circuit breaker is not refusing requests: what a model's ready endpoint reports. */
  isServable(name: string, version: number): boolean {
    return this.isReady(name, version) && !this.health.isOpen(name, version);
  }

  loadedVersions(): LoadedSummary[] {
    return [...this.loaded.values()].map(summaryOf);
  }

  /**
   * Loads (if needed) and warms a version; concurrent callers share one load. An admin's load
   * (the default) unloads idle versions to make room; `onDemand` (an inference request's) does so
   * only where `mayEvictOnDemand` allows, else it takes free room or is refused.
   */
  async load(name: string, version: number, { onDemand = false }: { onDemand?: boolean } = {}): Promise<void> {
    const k = keyOf(name, version);
    const existing = this.loaded.get(k);
    if (existing?.state === 'READY') return;
    if (existing?.loading) return existing.loading;
    if (existing?.unloading) {
      await existing.unloading;
      return this.load(name, version, { onDemand });
    }
    const v = this.registry.getVersion(name, version);
    const placement = this.placementOf(v);
    const entry: LoadedVersion = {
      name, version, state: 'LOADING', reason: 'loading', placement, instances: [], loadedAt: 0, lastUsed: Date.now(),
      bytes: 2 * v.size, pinned: v.settings.pinned,
    };
    const evict = !onDemand || (this.options.mayEvictOnDemand?.(v) ?? true);
    const device = deviceOf(placement);
    const budget = this.options.budgets?.[device];
    const onDevice = () => [...this.loaded.values()].filter((e) => deviceOf(e.placement) === device);
    // The last check and the claim (the entry in `loaded`) happen in one turn, so two loads
    // cannot both count the same room as free.
    let victim: LoadedVersion | undefined;
    while ((victim = nextVictim(entry, device, budget, onDevice(), (e) => evictable(e, this.options.isProtected), evict)) !== undefined) {
      await this.unload(victim.name, victim.version);
      // Another caller got there while room was made: share its outcome instead of loading twice.
      if (this.loaded.has(k)) return this.load(name, version, { onDemand });
    }
    this.loaded.set(k, entry);
    this.emitState(name, version, 'LOADING', '');
    entry.loading = this.doLoad(entry, v).finally(() => { entry.loading = undefined; });
    return entry.loading;
  }

  private async openInstances(entry: LoadedVersion, v: ModelVersion, placement: Placement): Promise<Instance[]> {
    const path = this.blobs.pathOf(v.sha256);
    const workers = this.pool.pick(v.settings.instances);
    const instances: Instance[] = [];
    try {
      for (const [i, worker] of workers.entries()) {
        const key = `${entry.name}:${entry.version}:${i}:${worker.index}:${++this.generation}`;
        const providers = placement.provider === 'cpu' ? ['cpu'] : [placement.provider, 'cpu'];
        await this.pool.load(worker, key, path, {
          intraOpThreads: v.settings.intraOpThreads, providers, deviceId: placement.deviceId,
        });
        instances.push({ worker, key, running: 0 });
      }
      return instances;
    } catch (err) {
      await Promise.all(instances.map((inst) => this.pool.unload(inst.worker, inst.key).catch(() => undefined)));
      throw err;
    }
  }

  /** Opens the instances where `placement` says; a GPU that fails to load them falls back to the CPU, and says so. */
  private async openWithFallback(entry: LoadedVersion, v: ModelVersion, placement: Placement): Promise<{ instances: Instance[]; placement: Placement }> {
    try {
      return { instances: await this.openInstances(entry, v, placement), placement };
    } catch (err) {
      if (placement.provider === 'cpu') throw err;
      const why = errorMessage(err);
      this.events.onFallback?.(entry.name, entry.version, placement.provider, why);
      const cpu = { provider: 'cpu', reason: `fell back to the CPU: ${placement.provider} failed to load (${why})` };
      return { instances: await this.openInstances(entry, v, cpu), placement: cpu };
    }
  }

  private schedulerFor(v: ModelVersion, instances: Instance[]): VersionScheduler {
    return new VersionScheduler(this.pool, instances, v.settings, isBatchable(v),
      v.signature.outputs.map((o) => o.name), this.statsOf(v.name, v.version));
  }

  private async doLoad(entry: LoadedVersion, v: ModelVersion): Promise<void> {
    try {
      const opened = await this.openWithFallback(entry, v, entry.placement);
      entry.placement = opened.placement;
      entry.instances = opened.instances;
      entry.scheduler = this.schedulerFor(v, opened.instances);
      let warmedUp = false;
      try {
        await entry.scheduler.submit(warmupInputs(v.signature.inputs));
        warmedUp = true;
        entry.scheduler.knownGood = () => warmupInputs(v.signature.inputs);
        // A fallback stays visible in the version's state, for the admin API and the UI.
        entry.reason = entry.placement.reason.startsWith('fell back') ? entry.placement.reason : '';
      } catch (err) {
        // Some models reject all-zero input; they can still serve real requests.
        entry.reason = `warm-up inference failed: ${errorMessage(err)}`;
      }
      entry.inline = entry.scheduler.inline = warmedUp
        ? await openInline(v, this.blobs.pathOf(v.sha256), entry.placement.provider, warmupInputs(v.signature.inputs), this.options.inlineMaxUs ?? 0, isBatchable(v))
        : undefined;
      entry.state = 'READY';
      entry.loadedAt = Date.now();
      this.emitState(entry.name, entry.version, 'READY', entry.reason);
    } catch (err) {
      this.loaded.delete(keyOf(entry.name, entry.version));
      const why = loadError(err, this.blobs.root);
      this.emitState(entry.name, entry.version, 'UNAVAILABLE', why);
      throw unavailable(`Model "${entry.name}" version ${entry.version} could not be loaded: ${why}`, 5);
    }
  }

  /** Unloads after letting queued and running requests finish. */
  async unload(name: string, version: number): Promise<boolean> {
    const k = keyOf(name, version);
    const entry = this.loaded.get(k);
    if (!entry) return false;
    if (entry.unloading) {
      await entry.unloading;
      return true;
    }
    if (entry.loading) {
      await entry.loading.catch(() => undefined);
      return this.unload(name, version);
    }
    entry.state = 'UNLOADING';
    entry.unloading = (async () => {
      await entry.scheduler?.drain();
      if (this.loaded.get(k) === entry) this.loaded.delete(k);
      entry.inline?.release();
      entry.inline = undefined;
      await Promise.all(entry.instances.map((i) => this.pool.unload(i.worker, i.key).catch(() => undefined)));
      this.emitState(name, version, 'UNAVAILABLE', 'unloaded');
    })();
    await entry.unloading;
    return true;
  }

  /** Applies changed settings: scheduling at once, instance count or placement by reloading. */
  async reconfigure(v: ModelVersion, reload: boolean): Promise<void> {
    const entry = this.loaded.get(keyOf(v.name, v.version));
    if (!entry) return;
    entry.pinned = v.settings.pinned;
    if (reload) {
      await this.swapInstances(entry, v);
    } else {
      entry.scheduler?.configure(v.settings);
    }
  }

  /**
   * New instances (count, threads or placement changed) are opened and warmed beside the old
   * ones; traffic moves to them at once, and the old ones are drained and closed afterwards, so
   * no request fails while a setting changes.
   */
  private async swapInstances(entry: LoadedVersion, v: ModelVersion): Promise<void> {
    if (entry.loading) await entry.loading;
    if (entry.state !== 'READY' || !entry.scheduler) return;
    const { instances, placement } = await this.openWithFallback(entry, v, this.placementOf(v));
    const next = this.schedulerFor(v, instances);
    await next.submit(warmupInputs(v.signature.inputs)).then(
      () => { next.knownGood = () => warmupInputs(v.signature.inputs); },
      () => undefined,
    );
    next.inline = placement.provider === 'cpu' ? entry.inline : undefined;
    const old = { scheduler: entry.scheduler, instances: entry.instances };
    entry.scheduler = next;
    entry.instances = instances;
    entry.placement = placement;
    await old.scheduler.drain();
    await Promise.all(old.instances.map((i) => this.pool.unload(i.worker, i.key).catch(() => undefined)));
  }

  /** After a worker died: the instances it held are reloaded; the others keep serving. */
  async reloadLostSessions(lostKeys: string[]): Promise<void> {
    await reloadLost(lostKeys, { loaded: this.loaded, registry: this.registry, blobs: this.blobs, pool: this.pool });
  }

  /** Runs one request under the version's circuit breaker: loads the version if needed, then queues it. */
  infer(v: ModelVersion, inputs: Tensor[], opts: InferOptions = {}): Promise<InferOutcome & { cached: boolean }> {
    return this.health.guard(v, () => this.run(v, inputs, opts));
  }

  /**
   * As infer, answering through `done` instead of a promise, for a version that is READY and keeps
   * no response cache: the usual request, spared the promises of infer's steps. Returns false,
   * having done nothing, for any other version (the caller then uses infer). Throws the circuit's
   * 503, as infer rejects with it. `done` must not throw.
   */
  submit(v: ModelVersion, inputs: Tensor[], opts: InferOptions, done: (error: Error | null, outcome?: InferOutcome) => void): boolean {
    if (v.settings.responseCache) return false;
    const entry = this.loaded.get(keyOf(v.name, v.version));
    if (entry?.state !== 'READY' || !entry.scheduler) return false;
    const admission = this.health.admit(v);
    entry.lastUsed = Date.now();
    try {
      dispatch(entry as ReadyVersion, v, inputs, opts, this.stats.ofVersion(v),
        (outcome) => { this.health.settle(admission, false); done(null, outcome); },
        (error) => { this.health.settle(admission, { error }); done(error); });
    } catch (error) {
      // Neither callback ran (they do not throw): the admission is settled here.
      this.health.settle(admission, { error });
      throw error;
    }
    return true;
  }

  private async run(v: ModelVersion, inputs: Tensor[], opts: InferOptions): Promise<InferOutcome & { cached: boolean }> {
    const k = keyOf(v.name, v.version);
    let entry = this.loaded.get(k);
    if (!entry || entry.state !== 'READY') {
      if (entry?.state === 'UNLOADING') {
        throw unavailable(`Model "${v.name}" version ${v.version} is being unloaded; load it again or call another version.`);
      }
      await this.load(v.name, v.version, { onDemand: true });
      entry = this.loaded.get(k);
    }
    if (!entry?.scheduler) throw unavailable(`Model "${v.name}" version ${v.version} is not available.`);
    entry.lastUsed = Date.now();
    const stats = this.stats.ofVersion(v);
    const { key: cacheKey, hit } = v.settings.responseCache ? this.cache.lookup(v.name, v.version, inputs, stats) : {};
    if (hit) return { outputs: hit, batchSize: inputs[0]?.shape[0] ?? 1, queueNs: 0, computeNs: 0, cached: true };
    const outcome = await new Promise<InferOutcome>((resolve, reject) => {
      dispatch(entry as ReadyVersion, v, inputs, opts, stats, resolve, reject);
    });
    if (cacheKey) this.cache.set(cacheKey, outcome.outputs);
    return { ...outcome, cached: false };
  }

  async close(): Promise<void> {
    if (this.idleTimer) clearInterval(this.idleTimer);
    for (const e of this.loaded.values()) {
      e.scheduler?.rejectQueued('The server is shutting down.');
      e.inline?.release();
    }
    this.loaded.clear();
  }
}

