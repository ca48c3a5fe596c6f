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

/** Where a placement puts a version: 'cpu', 'cuda:0', 'webgpu'… (a budget's key). */
export const deviceOf = (p: { provider: string; deviceId?: number }): string => (p.provider === 'cuda' ? `cuda:${p.deviceId ?? 0}` : p.provider);

interface Held { placement: { provider: string; deviceId?: number }; bytes: number }

/** Usage of each device's budget by the versions held (loaded and loading). */
export function deviceUsage(held: Iterable<Held>, budgets: Record<string, DeviceBudget>): Record<string, { bytes: number; count: number; budget?: DeviceBudget }> {
  const out: Record<string, { bytes: number; count: number; budget?: DeviceBudget }> = {};
  for (const e of held) {
    const d = deviceOf(e.placement);
    out[d] ??= { bytes: 0, count: 0, budget: budgets[d] };
    out[d].bytes += e.bytes;
    out[d].count += 1;
  }
  for (const [d, budget] of Object.entries(budgets)) out[d] ??= { bytes: 0, count: 0, budget };
  return out;
}

/** What the device already holds, and whether `bytes` more fit in its budget (none: always). */
export function roomOn<T extends Held>(held: T[], budgets: Record<string, DeviceBudget>, device: string, bytes: number): { budget?: DeviceBudget; list: T[]; used: number; fits: boolean } {
  const budget = budgets[device];
  const list = held.filter((e) => deviceOf(e.placement) === device);
  const used = list.reduce((n, e) => n + e.bytes, 0);
  return { budget, list, used, fits: !budget || (used + bytes <= budget.bytes && list.length + 1 <= budget.count) };
}
