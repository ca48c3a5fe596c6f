import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, test } from 'vitest';
import type { FollowStatus } from '../../../renderer/api/types.js';
import { FollowNotice } from '../../../renderer/components/FollowNotice.js';

const base: FollowStatus = {
  following: true, leader: 'https://10.0.0.11:8601', intervalMs: 2000, lastSyncAt: 1, lastAttemptAt: 1, lastError: null, lag: 0,
  lastChanges: [], syncs: 1, leaderInstanceId: 'a'.repeat(32), hold: null,
};

describe('FollowNotice', () => {
  test('a server that follows no leader shows nothing', () => {
    expect(renderToStaticMarkup(<FollowNotice status={{ ...base, following: false, leader: null }} />)).toBe('');
  });

  test('a follower in step names its leader and the instance it copies, with no alert', () => {
    const html = renderToStaticMarkup(<FollowNotice status={base} />);
    expect(html).toContain('https://10.0.0.11:8601');
    expect(html).toContain('a'.repeat(32));
    expect(html).not.toContain('role="alert"');
  });

  test('a hold because another server answers is an alert with the command that lifts it', () => {
    const html = renderToStaticMarkup(<FollowNotice status={{ ...base, hold: {
      id: '0123456789abcdef', reason: 'leader-changed', since: 2, removals: [],
      message: 'Mirroring is stopped: the server at https://10.0.0.11:8601 is instance bbb, not aaa.',
    } }} onConfirm={() => undefined} />);
    expect(html).toContain('role="alert"');
    expect(html).toContain('Another server answers as the leader');
    expect(html).toContain('is instance bbb, not aaa');
    expect(html).toContain('hearth follow confirm 0123456789abcdef');
    expect(html).toContain('Confirm hold 0123456789abcdef</button>');
  });

  test('a hold on removals lists what would be removed', () => {
    const html = renderToStaticMarkup(<FollowNotice status={{ ...base, hold: {
      id: 'ffff', reason: 'removals', since: 2, message: 'Nothing was removed.', removals: ['model a version 1', 'key key_1'],
    } }} />);
    expect(html).toContain('<li>model a version 1</li><li>key key_1</li>');
    expect(html).not.toContain('<button');
  });
});
