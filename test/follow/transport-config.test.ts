import { describe, expect, it } from 'vitest';
import { generateKey } from '../../server/auth/keys.js';
import { resolveConfig } from '../../server/base/config.js';
import { followTransport } from '../../server/follow/transport-config.js';

const base = { dataDir: '/tmp/unused', followUrl: 'http://10.0.0.11:8601' };

describe('the follower\'s credential and transport at start', () => {
  it('tells an operator still setting HEARTH_FOLLOW_TOKEN what replaced it', () => {
    expect(() => followTransport(resolveConfig(base, {}), { HEARTH_FOLLOW_TOKEN: 'hearth_admin_x' })).toThrow(/HEARTH_FOLLOW_TOKEN .* is no longer used.*HEARTH_FOLLOW_KEY/);
    expect(() => followTransport(resolveConfig(base, {}), {})).toThrow(/needs a key with the follow scope/);
  });

  it('refuses plain http without --follow-insecure, and https without a pinned certificate', () => {
    const key = generateKey();
    expect(() => followTransport(resolveConfig({ ...base, followKey: key }, {}), {})).toThrow(/--follow-insecure/);
    expect(() => followTransport(resolveConfig({ ...base, followUrl: 'https://10.0.0.11:8601', followKey: key }, {}), {})).toThrow(/--follow-fingerprint/);
  });
});
