import { parseProcessing } from '../processing/resolve.js';
import type { ProcessingSpec } from '../processing/spec.js';
import type { ProcessingStore } from '../processing/store.js';
import type { ModelVersion } from '../registry/registry.js';
import type { AdminEvent } from '../usage/types.js';
import type { LeaderClient, LeaderVersion } from './leader-client.js';

type LeaderProcessing = NonNullable<LeaderVersion['processing']>;

/** The leader's processing of a version, checked as an upload's is; undefined when it has none. */
export function leaderSpec(processing: LeaderVersion['processing']): ProcessingSpec | undefined {
  return processing ? parseProcessing(JSON.stringify(processing.spec)) : undefined;
}

/**
 * Gives a mirrored version the leader's processing and assets, which the leader may have added
 * after the version itself (each is set once there): the spec when this copy has none, then each
 * asset it lacks, its bytes checked against the size and SHA-256 the leader lists. Returns the
 * version as it now stands.
 */
export async function mirrorProcessing(
  store: ProcessingStore, client: LeaderClient, mine: ModelVersion, theirs: LeaderProcessing, signal: AbortSignal,
  note: (change: string, event: AdminEvent) => Promise<void>,
): Promise<ModelVersion> {
  let v = mine;
  if (!v.processing) {
    const spec = leaderSpec(theirs);
    if (!spec) return v;
    v = store.setSpec(v, spec);
    await note(`processing of version ${v.version} set`, { action: 'processing_set', version: v.version, detail: { preset: v.processing?.preset ?? null } });
  }
  const have = new Map(store.list(v).map((a) => [a.key, a.sha256]));
  for (const a of theirs.assets) {
    if (have.get(a.key) === a.sha256) continue;
    signal.throwIfAborted();
    const content = await client.asset(v.name, v.version, a, signal);
    store.putAsset(v, a.key, content);
    await note(`asset "${a.key}" of version ${v.version} attached`, { action: 'asset_attached', version: v.version, detail: { key: a.key, sha256: a.sha256 } });
  }
  return v;
}
