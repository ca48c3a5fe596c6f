import path from 'node:path';
import { ADMIN_TOKEN_FILE, loadOrCreateAdminToken } from './auth/admin-token.js';
import { secureDataDir } from './db/data-dir.js';
import { TLS_KEY_FILE } from './http/net/tls.js';
import { KeyStore } from './auth/keys.js';
import type { Config } from './base/config.js';
import { openDatabase, type Db } from './db/database.js';
import { BlobStore, type BlobStoreHooks } from './registry/blobs.js';
import { Registry } from './registry/registry.js';
import { createHardwareMonitor, registerGpuMetrics, type HardwareMonitor } from './hardware/index.js';
import { createObservability, type Observability } from './observability/index.js';
import { mayEvictOnDemand } from './reliability/on-demand-policy.js';
import { RolloutGuard } from './reliability/rollout-guard.js';
import { isProtectedVersion } from './reliability/unload-policy.js';
import { ModelManager, type DeviceBudget, type PlacementResolver } from './runtime/models.js';
import { createPlacementResolver } from './runtime/placement-resolver.js';
import { WorkerPool } from './runtime/pool.js';
import { createUsageLogWorker, type UsageLogWorker } from './usage/log-worker.js';
import { loadOrCreateSigningKey, SIGNING_KEY_FILE, type SigningKey } from './usage/signing.js';
import { CHECKPOINT_FILE } from './usage/checkpoint-file.js';

/** The usage log's write-ahead journal in the data dir (see server/usage/journal.ts). */
export const USAGE_JOURNAL_FILE = 'usage-journal';

/** An admin action as routes report it; the actor is filled in from who was authenticated. */
import type { AdminEvent } from './usage/types.js';

export type { AdminEvent };

/** Everything the HTTP layer serves from, created once per process and closed on shutdown. */
export interface Services {
  config: Config;
  db: Db;
  registry: Registry;
  blobs: BlobStore;
  pool: WorkerPool;
  models: ModelManager;
  hardware: HardwareMonitor;
  /** Device budgets for loaded models; GPU entries appear once the GPUs are detected. */
  budgets: Record<string, DeviceBudget>;
  keys: KeyStore;
  /** Prometheus metrics, latency history and uptime; `start()` once serving. */
  observability: Observability;
  /** Watches promotes that have a guard and rolls back a version that fails its thresholds. */
  rolloutGuard: RolloutGuard;
  usage: UsageLogWorker;
  signingKey: SigningKey;
  /** Set once shutdown begins: readiness turns false and new work is refused. */
  draining: boolean;
  /** Writes an admin action to the audit log; resolves once it is committed. */
  recordAdmin: (event: AdminEvent) => Promise<void>;
  adminToken: string;
  adminTokenFile: string | null;
  /** What start-up changed that the operator should know (modes tightened in the data dir). */
  startupNotices: readonly string[];
  startedAt: number;
  close(): Promise<void>;
}

export interface ServiceHooks {
  placement?: PlacementResolver;
  /** For tests of the registry's write ordering (see BlobStoreHooks). */
  blobs?: BlobStoreHooks;
}

export async function createServices(config: Config, hooks: ServiceHooks = {}): Promise<Services> {
  const tightened = await secureDataDir(config.dataDir, [ADMIN_TOKEN_FILE, SIGNING_KEY_FILE, TLS_KEY_FILE]);
  const db = openDatabase(path.join(config.dataDir, 'hearth.db'));
  // power-loss: every commit is fsynced (FULL), the usage log's thread inherits it below, and the
  // usage journal is fdatasynced before each response.
  if (config.durability === 'power-loss') db.pragma('synchronous = FULL');
  const registry = new Registry(db);
  const blobs = new BlobStore(config.dataDir, hooks.blobs);
  await blobs.init();
  // A crash between writing a blob and committing its row leaves an orphan; it goes here.
  await blobs.collectGarbage(registry.referencedBlobs());
  const { token, file } = await loadOrCreateAdminToken(config.dataDir, config.adminToken);
  const pool = new WorkerPool(config.workers);
  const signingKey = loadOrCreateSigningKey(config.dataDir);
  // Records are durable once written to the journal (before the response); hashing, signing and
  // commits happen after, in a worker thread on its own connection, off the HTTP event loop.
  // maxDelayMs 0: a batch commits as soon as the thread's loop turns; appends that arrive meanwhile share the next one.
  const usage = createUsageLogWorker(db.name, {
    enabled: config.usageLog, signer: signingKey, maxDelayMs: 0,
    synchronous: db.pragma('synchronous', { simple: true }) as number,
    journal: { file: path.join(config.dataDir, USAGE_JOURNAL_FILE), fsync: config.usageFsync || config.durability === 'power-loss' },
    checkpointFile: path.join(config.dataDir, CHECKPOINT_FILE),
  });
  const recordAdmin = async (e: AdminEvent) => {
    await usage.appendAdmin({
      action: e.action, actor: e.actor ?? 'admin', model: e.model ?? null, version: e.version ?? null,
      client: e.ip ?? null, detail: e.detail ?? null, reason: e.reason ?? null,
    });
  };
  const hardware = createHardwareMonitor({ intervalMs: config.hardwarePollMs });
  const budgets: Record<string, DeviceBudget> = { cpu: { bytes: config.cpuBudgetBytes, count: config.maxLoadedVersions } };
  const fallback = (name: string, version: number, from: string, reason: string) => {
    void recordAdmin({ action: 'fallback', actor: 'system', model: name, version, detail: { from, to: 'cpu' }, reason });
  };
  const placement: PlacementResolver = hooks.placement ?? createPlacementResolver({
    hardware, budgets, maxLoadedVersions: config.maxLoadedVersions,
    onFallback: (v, reason) => fallback(v.name, v.version, v.requested, reason),
  });
  const models = new ModelManager(pool, registry, blobs, placement, { onFallback: fallback }, {
    cacheBytes: config.cacheBytes,
    inlineMaxUs: config.inlineMaxUs,
    budgets,
    keepAliveMs: config.keepAliveSeconds * 1000,
    mayEvictOnDemand: (v) => mayEvictOnDemand(registry, v),
    isProtected: (name, version) => isProtectedVersion(registry, name, version),
  });
  const keys = new KeyStore(db);
  const observability = createObservability({ db, config, models, registry });
  const rolloutGuard = new RolloutGuard({ db, registry, models, recordAdmin, flushAudit: () => usage.flush(), auditRefusal: () => usage.refused });
  registerGpuMetrics(observability.metrics.registry, hardware);
  const services: Services = {
    config, db, registry, blobs, pool, models, hardware, budgets, keys, usage, signingKey, recordAdmin, observability, rolloutGuard,
    draining: false,
    adminToken: token, adminTokenFile: file, startedAt: Date.now(),
    startupNotices: tightened.map((t) => `Tightened to owner-only: ${t}`),
    async close() {
      rolloutGuard.close();
      observability.close();
      hardware.stop();
      await models.close();
      await usage.close();
      await pool.close();
      db.close();
    },
  };
  return services;
}
