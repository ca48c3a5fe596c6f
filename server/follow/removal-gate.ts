import { createHash } from 'node:crypto';

/** Why a follower stopped mirroring until its operator confirms. */
export interface Hold {
  /** Names exactly what is held; a confirmation must quote it. */
  id: string;
  reason: 'leader-changed' | 'removals';
  message: string;
  since: number;
  /** What the held sync would remove ("model m version 2", "key key_…"); empty for leader-changed. */
  removals: string[];
}

export const holdId = (reason: Hold['reason'], what: string[]): string =>
  createHash('sha256').update(`${reason}\n${[...what].sort().join('\n')}`).digest('hex').slice(0, 16);

/**
 * Whether a sync may remove `removals` without the operator: at most `max` not already
 * confirmed, and never every model or every key this server has. A leader restarted on an empty
 * data directory lists nothing; mirroring that at once would empty the follower within seconds.
 */
export function gateRemovals(removals: string[], opts: {
  max: number; confirmed: ReadonlySet<string>; everyModel: boolean; everyKey: boolean; now: number;
}): Hold | null {
  const unconfirmed = removals.filter((r) => !opts.confirmed.has(r));
  if (unconfirmed.length === 0) return null;
  const all = (opts.everyModel && unconfirmed.some((r) => r.startsWith('model '))) || (opts.everyKey && unconfirmed.some((r) => r.startsWith('key ')));
  if (!all && unconfirmed.length <= opts.max) return null;
  const why = all ? 'would remove every model or every API key this server has' : `would remove ${unconfirmed.length} things, more than --follow-max-removals ${opts.max}`;
  return {
    id: holdId('removals', removals), reason: 'removals', since: opts.now, removals,
    message: `Mirroring is stopped: the leader's latest state ${why} (${removals.slice(0, 5).join(', ')}${removals.length > 5 ? ', …' : ''}). ` +
      'Nothing was removed. If that is intended, confirm this hold (hearth follow confirm ID, or POST /admin/v1/follow/confirm).',
  };
}
