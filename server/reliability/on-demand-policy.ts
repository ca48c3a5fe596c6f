import type { ModelVersion, Registry } from '../registry/registry.js';

/**
 * Whether an inference request for a version that is not loaded may unload other versions to
 * make room for it: only when the admin chose to serve that version — the model's default
 * (production, else its newest version), the target of any alias (canary, …), or pinned. Any
 * other version, named by number by any client with an `infer` key, loads only into free room,
 * so clients cannot push out what serves nor keep an admin's load from finding room.
 */
export function mayEvictOnDemand(registry: Registry, v: ModelVersion): boolean {
  if (v.settings.pinned) return true;
  try {
    return registry.resolveDefault(v.name) === v.version || registry.aliasesOf(v.name, v.version).length > 0;
  } catch {
    // Removed meanwhile: nothing to make room for.
    return false;
  }
}
