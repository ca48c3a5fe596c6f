import type { BlobStore } from '../registry/blobs.js';
import type { Registry } from '../registry/registry.js';
import { keyOf, loadError, type LoadedVersion } from './loaded-version.js';
import type { WorkerPool } from './pool.js';
import type { Instance } from './scheduler.js';

export interface LostSessionDeps {
  loaded: Map<string, LoadedVersion>;
  registry: Registry;
  blobs: BlobStore;
  pool: WorkerPool;
}

/**
 * After a worker died: the instances it held are loaded again in its replacement; the other
 * instances of their versions keep serving meanwhile. A version none of whose instances comes
 * back is marked unavailable and its queue failed, not left to hang.
 */
export async function reloadLost(lostKeys: string[], { loaded, registry, blobs, pool }: LostSessionDeps): Promise<void> {
  const lost = new Set(lostKeys);
  const work: { entry: LoadedVersion; inst: Instance }[] = [];
  // Mark them all out of service at once, before any await lets the scheduler pick one.
  for (const entry of loaded.values()) {
    for (const inst of entry.instances) {
      if (lost.has(inst.key)) { inst.down = true; work.push({ entry, inst }); }
    }
  }
  for (const [index, { entry, inst }] of work.entries()) {
    // Unloaded (or given up on) meanwhile: loading its session again would only leak it.
    if (loaded.get(keyOf(entry.name, entry.version)) !== entry) continue;
    try {
      const v = registry.getVersion(entry.name, entry.version);
      const providers = entry.placement.provider === 'cpu' ? ['cpu'] : [entry.placement.provider, 'cpu'];
      await pool.load(inst.worker, inst.key, blobs.pathOf(v.sha256), {
        intraOpThreads: v.settings.intraOpThreads, providers, deviceId: entry.placement.deviceId,
      });
      inst.down = false;
      entry.scheduler?.configure(v.settings);
    } catch (err) {
      // The version no longer loads: that instance stays out of service; with none left, the
      // version is unavailable and its queue is failed rather than left to hang.
      const more = work.slice(index + 1).some((w) => w.entry === entry);
      if (!more && entry.instances.every((i) => i.down)) {
        entry.state = 'UNAVAILABLE';
        entry.reason = `reload after a worker crash failed: ${loadError(err, blobs.root)}`;
        entry.scheduler?.rejectQueued(`Model "${entry.name}" version ${entry.version} is unavailable: ${entry.reason}`);
        loaded.delete(keyOf(entry.name, entry.version));
      }
    }
  }
}
