import { describe, expect, it } from 'vitest';
import { displayUrl } from '../../server/follow/leader-client.js';
import { leaderSettings, needsReload, sameSettings } from '../../server/follow/mirror-settings.js';
import { DEFAULT_SETTINGS } from '../../server/registry/settings.js';

describe('leader settings as a follower stores them', () => {
  it('keeps the known settings, fills the missing ones with defaults and drops ones this version does not know', () => {
    const s = leaderSettings({ maxBatchSize: 7, placement: 'cuda:1', futureSetting: true }, 'm v1');
    expect(s).toEqual({ ...DEFAULT_SETTINGS, maxBatchSize: 7, placement: 'cuda:1' });
    expect(s).not.toHaveProperty('futureSetting');
  });

  it('refuses a value out of range, naming the setting', () => {
    expect(() => leaderSettings({ maxBatchSize: 0 }, '"m" version 2')).toThrow(/"m" version 2.*maxBatchSize/);
  });

  it('compares settings by value and knows which changes need a reload', () => {
    const a = { ...DEFAULT_SETTINGS, preferredBatchSizes: [4, 8] };
    expect(sameSettings(a, { ...a, preferredBatchSizes: [4, 8] })).toBe(true);
    expect(sameSettings(a, { ...a, preferredBatchSizes: [8] })).toBe(false);
    expect(needsReload(a, { ...a, maxBatchSize: 2 })).toBe(false);
    expect(needsReload(a, { ...a, instances: 2 })).toBe(true);
    expect(needsReload(a, { ...a, placement: 'cpu' })).toBe(true);
  });
});

describe('the leader URL as logged', () => {
  it('drops credentials and the trailing slash', () => {
    expect(displayUrl('http://admin:s3cret@10.0.0.11:8601/')).toBe('http://10.0.0.11:8601');
    expect(displayUrl('https://hearth.lan')).toBe('https://hearth.lan');
  });
});
