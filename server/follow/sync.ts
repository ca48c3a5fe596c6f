import { registerVersion } from '../registry/register.js';
import type { AliasChange, ModelVersion } from '../registry/registry.js';
import type { KeyStore } from '../auth/keys.js';
import type { Db } from '../db/database.js';
import type { BlobStore } from '../registry/blobs.js';
import type { Registry } from '../registry/registry.js';
import type { ModelManager } from '../runtime/models.js';
import type { RolloutGuard } from '../reliability/rollout-guard.js';
import type { WorkerPool } from '../runtime/pool.js';
import type { AdminEvent } from '../usage/types.js';
import { FollowError, type LeaderClient, type LeaderModel, type MirroredKey } from './leader-client.js';
import { leaderSettings, needsReload, sameSettings } from './mirror-settings.js';
import { PinnedRegistry } from './pinned-registry.js';
import { gateRemovals, type Hold } from './removal-gate.js';
import type { RemovedBlobs } from './removed-blobs.js';
import { errorMessage } from '../base/message.js';
import { ProcessingStore } from '../processing/store.js';
import { leaderSpec, mirrorProcessing } from './mirror-processing.js';

export interface SyncDeps {
  db: Db;
  registry: Registry;
  blobs: BlobStore;
  pool: WorkerPool;
  models: ModelManager;
  recordAdmin(event: AdminEvent): Promise<void>;
  uploadLimitBytes: number;
  /** Where the model files of removed versions wait out their grace period. */
  removed: RemovedBlobs;
  /** Mirrored too, so a client's key works on either instance; optional for registry-only syncs. */
  keys?: KeyStore;
  /** A removed model's guard goes with it, as on a delete through the admin API (RolloutGuard.forget). */
  guard: Pick<RolloutGuard, 'forget'>;
}

export interface SyncResult {
  /** What changed here, one line each ("iris: registered version 3"). */
  changes: string[];
  /** What could not be mirrored this time; it is retried on the next sync. */
  errors: string[];
  /** Set when the sync changed nothing because its removals need the operator's confirmation. */
  hold?: Hold;
}

export interface RemovalPolicy {
  /** Removals (versions and keys) one sync may make without confirmation. */
  max: number;
  /** Removals the operator confirmed. */
  confirmed: ReadonlySet<string>;
  now: number;
}

const ACTOR = 'follower';

/** How the leader last moved `alias` to `version`, so a mirrored rollback keeps the rollback stack's shape. */
function aliasAction(leader: LeaderModel, alias: string, version: number): AliasChange['action'] {
  const last = leader.aliasHistory.filter((h) => h.alias === alias).at(-1);
  if (last?.version === version && (last.action === 'rollback' || last.action === 'auto-rollback')) return last.action;
  return 'set';
}

class ModelSync {
  private local = new Map<number, ModelVersion>();
  private readonly leaderSha: Map<number, string>;
  private readonly processing: ProcessingStore;

  constructor(
    private readonly deps: SyncDeps,
    private readonly client: LeaderClient,
    private readonly leader: LeaderModel,
    private readonly result: SyncResult,
    private readonly signal: AbortSignal,
  ) {
    this.leaderSha = new Map(leader.versions.map((v) => [v.version, v.sha256]));
    this.processing = new ProcessingStore(deps.db, deps.registry);
  }

  private get name(): string { return this.leader.name; }

  private refresh(): void {
    this.local = new Map(this.deps.registry.listVersions(this.name).map((v) => [v.version, v]));
  }

  /** A local version is the leader's when the leader has that number with the same bytes. */
  private matched(version: number): boolean {
    const mine = this.local.get(version);
    return mine !== undefined && mine.sha256 === this.leaderSha.get(version);
  }

  private async note(change: string, event: Parameters<SyncDeps['recordAdmin']>[0]): Promise<void> {
    this.result.changes.push(`${this.name}: ${change}`);
    await this.deps.recordAdmin({ ...event, actor: ACTOR, model: this.name, detail: { ...event.detail, leader: this.client.display } });
  }

  /** Runs passes until nothing changes: a number freed by one pass is filled by the next. */
  async run(maxPasses = 3): Promise<void> {
    for (let pass = 0; pass < maxPasses; pass++) {
      const before = this.result.changes.length;
      await this.addMissing();
      // Before the aliases: a version that production moves to serves at once, its assets in place.
      await this.applyProcessing();
      await this.applySettings();
      await this.applyAliases();
      await this.removeStale();
      if (this.result.changes.length === before) return;
    }
  }

  private async addMissing(): Promise<void> {
    const { registry, blobs, db, uploadLimitBytes } = this.deps;
    this.refresh();
    for (const lv of [...this.leader.versions].sort((a, b) => a.version - b.version)) {
      this.signal.throwIfAborted();
      // A number taken by other bytes, or bytes held under another number, is freed by removeStale first.
      if (this.local.has(lv.version) || registry.findBySha(this.name, lv.sha256)) continue;
      const settings = leaderSettings(lv.settings, `"${this.name}" version ${lv.version}`);
      const source = await this.client.download(this.name, lv, this.signal);
      let added;
      try {
        added = await registerVersion({ registry: new PinnedRegistry(db, { version: lv.version, settings }), blobs }, {
          name: this.name, source, description: lv.description, metadata: lv.metadata, tags: lv.tags, maxBytes: uploadLimitBytes,
          processing: leaderSpec(lv.processing),
        });
      } finally {
        source.destroy();
      }
      if (added.existing) continue;
      await this.note(`registered version ${lv.version}`, { action: 'register', version: lv.version, detail: { sha256: lv.sha256, size: lv.size } });
    }
    this.refresh();
  }

  private async applyProcessing(): Promise<void> {
    for (const lv of this.leader.versions) {
      const mine = this.local.get(lv.version);
      if (!mine || !this.matched(lv.version) || !lv.processing) continue;
      const after = await mirrorProcessing(this.processing, this.client, mine, lv.processing, this.signal,
        (change, event) => this.note(change, event));
      this.local.set(lv.version, after);
    }
  }

  private async applySettings(): Promise<void> {
    const { registry, models } = this.deps;
    for (const lv of this.leader.versions) {
      const mine = this.local.get(lv.version);
      if (!mine || !this.matched(lv.version)) continue;
      const wanted = leaderSettings(lv.settings, `"${this.name}" version ${lv.version}`);
      if (sameSettings(mine.settings, wanted)) continue;
      const after = registry.updateSettings(this.name, lv.version, wanted);
      await models.reconfigure(after, needsReload(mine.settings, after.settings));
      this.local.set(lv.version, after);
      await this.note(`settings of version ${lv.version} changed`, { action: 'setting_changed', version: lv.version, detail: { settings: wanted } });
    }
  }

  private async applyAliases(): Promise<void> {
    const { registry, models } = this.deps;
    const mine = registry.hasModel(this.name) ? registry.getModel(this.name).aliases : {};
    for (const [alias, version] of Object.entries(this.leader.aliases)) {
      const current = mine[alias];
      if (current === version && this.matched(version)) continue;
      if (!this.matched(version)) {
        // The target is not here yet; an alias left on bytes the leader no longer has would block their removal.
        if (current !== undefined && !this.matched(current)) {
          registry.deleteAlias(this.name, alias);
          await this.note(`${alias} removed until version ${version} arrives`, { action: 'alias_removed', detail: { alias } });
        }
        continue;
      }
      // As a promote does: the version is loaded and warmed before traffic moves to it.
      if (alias === 'production') await models.load(this.name, version);
      const action = aliasAction(this.leader, alias, version);
      registry.setAlias(this.name, alias, version, action, `mirrored from ${this.client.display}`);
      const event = action === 'set' ? (alias === 'production' ? 'promote' : 'alias') : action;
      await this.note(`${alias} -> ${version}${action === 'set' ? '' : ` (${action})`}`, { action: event, version, detail: { alias, previous: current ?? null } });
    }
    for (const alias of Object.keys(mine)) {
      if (alias in this.leader.aliases) continue;
      registry.deleteAlias(this.name, alias);
      await this.note(`${alias} removed`, { action: 'alias_removed', detail: { alias } });
    }
  }

  private async removeStale(): Promise<void> {
    const { registry, models, removed } = this.deps;
    this.refresh();
    if (this.local.size === 0) return;
    const aliased = new Set(Object.values(registry.getModel(this.name).aliases));
    for (const version of this.local.keys()) {
      if (this.matched(version) || aliased.has(version)) continue;
      await models.unload(this.name, version);
      for (const sha of registry.remove(this.name, version)) await removed.keep(sha);
      await this.note(`removed version ${version}`, { action: 'remove', version });
    }
    this.refresh();
  }
}

async function removeModel(deps: SyncDeps, name: string, client: LeaderClient, result: SyncResult): Promise<void> {
  const { registry, models, removed } = deps;
  for (const v of registry.listVersions(name)) await models.unload(name, v.version);
  for (const sha of registry.remove(name)) await removed.keep(sha);
  deps.guard.forget(name);
  result.changes.push(`${name}: removed`);
  await deps.recordAdmin({ action: 'remove', actor: ACTOR, model: name, detail: { leader: client.display } });
}

/** Every removal mirroring `leaders` (and `keys`) would make here, one line each. */
function plannedRemovals(deps: SyncDeps, names: string[], leaders: Map<string, LeaderModel>, keys: MirroredKey[] | undefined): string[] {
  const out: string[] = [];
  const listed = new Set(names);
  for (const m of deps.registry.listModels()) {
    const leader = leaders.get(m.name);
    // A model the leader lists but whose details did not arrive is left alone this time.
    if (listed.has(m.name) && !leader) continue;
    const theirs = new Map((leader?.versions ?? []).map((v) => [v.version, v.sha256]));
    for (const v of deps.registry.listVersions(m.name)) {
      if (theirs.get(v.version) !== v.sha256) out.push(`model ${m.name} version ${v.version}`);
    }
  }
  if (keys && deps.keys) {
    const wanted = new Set(keys.map((k) => k.id));
    // Only keys created here: keys from the keys file are not the leader's to remove.
    for (const k of deps.keys.exportHashed()) if (!wanted.has(k.id)) out.push(`key ${k.id}`);
  }
  return out;
}

/**
 * Makes this registry a copy of the leader's: versions under the same numbers and bytes, their
 * settings, the aliases and the API keys. One model that cannot be mirrored does not hold back
 * the others. Everything the leader lists is read first: when the removals it implies need the
 * operator (removal-gate.ts), nothing at all is changed.
 */
export async function syncFromLeader(deps: SyncDeps, client: LeaderClient, signal: AbortSignal, policy: RemovalPolicy): Promise<SyncResult> {
  const result: SyncResult = { changes: [], errors: [] };
  const names = await client.modelNames(signal);
  const leaders = new Map<string, LeaderModel>();
  for (const name of names) {
    signal.throwIfAborted();
    try {
      leaders.set(name, await client.model(name, signal));
    } catch (err) {
      if (signal.aborted) throw err;
      if (err instanceof FollowError && /^cannot reach/.test(err.message)) throw err;
      result.errors.push(`${name}: ${errorMessage(err)}`);
    }
  }
  let keys: MirroredKey[] | undefined;
  if (deps.keys) {
    try {
      keys = await client.keys(signal);
    } catch (err) {
      if (signal.aborted) throw err;
      result.errors.push(`api keys: ${errorMessage(err)}`);
    }
  }
  const hold = gateRemovals(plannedRemovals(deps, names, leaders, keys), {
    ...policy,
    everyModel: names.length === 0 && deps.registry.listModels().length > 0,
    everyKey: keys !== undefined && keys.length === 0 && (deps.keys?.exportHashed().length ?? 0) > 0,
  });
  if (hold) return { ...result, hold };

  for (const leader of leaders.values()) {
    signal.throwIfAborted();
    try {
      await new ModelSync(deps, client, leader, result, signal).run();
    } catch (err) {
      if (signal.aborted) throw err;
      if (err instanceof FollowError && /^cannot reach/.test(err.message)) throw err;
      result.errors.push(`${leader.name}: ${errorMessage(err)}`);
    }
  }
  if (deps.keys && keys) {
    try {
      const changed = deps.keys.mirror(keys);
      if (changed > 0) result.changes.push(`api keys: ${changed} mirrored`);
    } catch (err) {
      result.errors.push(`api keys: ${errorMessage(err)}`);
    }
  }
  const wanted = new Set(names);
  for (const m of deps.registry.listModels()) {
    if (wanted.has(m.name)) continue;
    try {
      await removeModel(deps, m.name, client, result);
    } catch (err) {
      result.errors.push(`${m.name}: ${errorMessage(err)}`);
    }
  }
  return result;
}
