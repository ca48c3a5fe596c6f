import { HearthError } from '../base/errors.js';

/** How much one device may hold: bytes of loaded models (estimated 2× file size) and a count. */
export interface DeviceBudget {
  bytes: number;
  count: number;
}

export class BudgetExceededError extends HearthError {}

/** A request's version needs room that only unloading served versions would give: an admin decides that. */
export class NoFreeRoomError extends HearthError {}

/** Room frees when an idle version's keep-alive ends or an admin unloads one: not within seconds. */
const NO_ROOM_RETRY_AFTER_S = 60;

/** What the room decision needs to know of a loaded version. */
export interface Occupant {
  name: string;
  version: number;
  bytes: number;
  lastUsed: number;
}

/**
 * What must go for a version of `bytes` to fit beside `onDevice` within `budget`: nothing
 * (undefined), or the evictable occupant used least recently. Refuses with 507 when nothing can
 * go, and, when `evict` is false (a client's request for a version nobody chose to serve), with
 * 503 as soon as there is no free room.
 */
export function nextVictim<T extends Occupant>(
  wanted: Occupant, device: string, budget: DeviceBudget | undefined, onDevice: T[], evictable: (e: T) => boolean, evict: boolean,
): T | undefined {
  if (!budget) return undefined;
  if (wanted.bytes > budget.bytes) {
    throw new BudgetExceededError('insufficient_storage', `This model needs about ${wanted.bytes} bytes on ${device}, more than its whole budget of ${budget.bytes} bytes. Raise the budget or place it elsewhere.`);
  }
  const used = onDevice.reduce((n, e) => n + e.bytes, 0);
  if (used + wanted.bytes <= budget.bytes && onDevice.length + 1 <= budget.count) return undefined;
  const usage = `${onDevice.length} versions use ${used} of ${budget.bytes} bytes (at most ${budget.count} versions)`;
  if (!evict) {
    throw new NoFreeRoomError('unavailable',
      `Model "${wanted.name}" version ${wanted.version} is not loaded, and there is no free room for it on ${device}: ${usage}. ` +
      'A request loads a version only into free room and never unloads the versions being served. Call the served version ' +
      `(without /versions/N), try again later, or ask an admin to load it: POST /admin/v1/models/${wanted.name}/versions/${wanted.version}/load.`,
      NO_ROOM_RETRY_AFTER_S);
  }
  const victim = onDevice.filter(evictable).sort((a, b) => a.lastUsed - b.lastUsed)[0];
  if (!victim) {
    throw new BudgetExceededError('insufficient_storage',
      `No room on ${device}: ${usage}, and none of them can be unloaded (pinned, production, previous production, or busy). ` +
      'Unload or unpin a version, or raise the budget.');
  }
  return victim;
}
