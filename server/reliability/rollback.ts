import type { Registry } from '../registry/registry.js';
import type { ModelManager } from '../runtime/models.js';
import type { AdminEvent } from '../usage/types.js';
import { conflict } from '../base/errors.js';

export interface RollbackDeps {
  registry: Registry;
  models: Pick<ModelManager, 'load'>;
  recordAdmin: (event: AdminEvent) => Promise<void>;
}

export interface RollbackResult {
  name: string;
  alias: 'production';
  version: number;
  previous: number | null;
}

/**
 * Moves `production` back to the version it pointed at before: that version is loaded (it is
 * normally still warm) before the alias moves, so no request meets a cold or missing version.
 * The admin's rollback and the rollout guard's automatic one both come through here. Production
 * moved by someone else while that version loaded (a promote) stands: nothing is rolled back,
 * and the error (a conflict) says so. So does `proceed` answering false, asked in the same turn as
 * production moves: the guard's way to call off a rollback that a promote of production's own
 * version overruled (production did not move, so only the guard knows).
 */
export async function rollbackProduction(
  deps: RollbackDeps,
  name: string,
  { action = 'rollback', actor, ip, reason = '', proceed = () => true }: {
    action?: 'rollback' | 'auto-rollback'; actor?: string; ip?: string; reason?: string; proceed?: () => boolean;
  } = {},
): Promise<RollbackResult> {
  const { registry, models, recordAdmin } = deps;
  const target = registry.rollbackTarget(name);
  const from = registry.aliasVersion(name, 'production') ?? null;
  await models.load(name, target);
  const now = registry.aliasVersion(name, 'production') ?? null;
  if (now !== from) {
    throw conflict(`Production of "${name}" moved to ${now === null ? 'no version' : `version ${now}`} while version ${target} was loading to roll back to; nothing was rolled back.`);
  }
  if (!proceed()) throw conflict(`The rollback of "${name}" was called off while version ${target} was loading; nothing was rolled back.`);
  registry.setAlias(name, 'production', target, action, reason);
  await recordAdmin({ action, actor, model: name, version: target, ip, reason: reason || undefined, detail: { from } });
  return { name, alias: 'production', version: target, previous: from };
}

/** When production's last move, to `production`, was an automatic rollback made at or after `since`: its time, else null. */
export function autoRollbackAt(registry: Registry, name: string, production: number | null, since: number): number | null {
  const last = registry.aliasHistory(name, 'production').at(-1);
  return production !== null && last?.action === 'auto-rollback' && last.version === production && last.changedAt >= since ? last.changedAt : null;
}
