import { Value } from '@sinclair/typebox/value';
import { DEFAULT_SETTINGS, VersionSettingsSchema, type VersionSettings } from '../registry/settings.js';
import { FollowError } from './leader-client.js';

const KEYS = Object.keys(DEFAULT_SETTINGS) as (keyof VersionSettings)[];

/**
 * A leader's version settings as this server stores them: the known settings only (a newer
 * leader may have more), defaults for any it lacks, and refused when a value is out of range.
 */
export function leaderSettings(raw: Record<string, unknown>, what: string): VersionSettings {
  const picked: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const k of KEYS) if (raw[k] !== undefined) picked[k] = raw[k];
  if (!Value.Check(VersionSettingsSchema, picked)) {
    const e = [...Value.Errors(VersionSettingsSchema, picked)][0];
    throw new FollowError(`the leader's settings for ${what} are not valid here ("${e?.path.slice(1) ?? ''}": ${e?.message ?? 'invalid'}).`);
  }
  return picked;
}

export const sameSettings = (a: VersionSettings, b: VersionSettings): boolean =>
  KEYS.every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));

/** The settings that take a reload to apply, as the admin settings route decides. */
export const needsReload = (a: VersionSettings, b: VersionSettings): boolean =>
  a.instances !== b.instances || a.intraOpThreads !== b.intraOpThreads || a.placement !== b.placement;
