import { conflict } from '../base/errors.js';
import type { Registry } from '../registry/registry.js';

/**
 * The versions the runtime must not unload to make room for another: what `production` points at
 * (requests without a version need it) and what it pointed at before (a rollback must be instant).
 */
export function isProtectedVersion(registry: Registry, name: string, version: number): boolean {
  try {
    return registry.aliasVersion(name, 'production') === version || registry.previousTarget(name, 'production') === version;
  } catch {
    return false;
  }
}

/**
 * Unloading the version `production` points at would fail every request that names no version,
 * so it is refused: the admin moves production first (a promote or a rollback), then unloads.
 */
export function refuseUnloadOfProduction(registry: Registry, name: string, version: number): void {
  if (registry.aliasVersion(name, 'production') !== version) return;
  throw conflict(`Version ${version} of "${name}" is production and is serving requests; ` +
    'promote another version (or roll back) first, then unload this one.');
}
