import { describe, expect, it } from 'vitest';
import { identityProof as mainProof } from '../../main/identity.js';
import { parseLaunchLine } from '../../main/launch-report.js';
import { identityProof as serverProof } from '../../server/auth/identity.js';
import { launchReporter } from '../../server/launch-report.js';

describe('the desktop app and the server agree on the launch protocol', () => {
  it('derive the same identity proof, and a different token gives a different one', () => {
    expect(mainProof('tok-1', 'challenge-0123456789', 'n')).toBe(serverProof('tok-1', 'challenge-0123456789', 'n'));
    expect(mainProof('tok-2', 'challenge-0123456789', 'n')).not.toBe(serverProof('tok-1', 'challenge-0123456789', 'n'));
  });

  it('read the launch line the server writes, only when asked for', () => {
    const lines: string[] = [];
    const event = { event: 'listening' as const, url: 'http://127.0.0.1:8600', address: '127.0.0.1', port: 8600, nonce: 'abc' };
    launchReporter({}, (l) => lines.push(l))(event);
    expect(lines).toEqual([]);
    launchReporter({ HEARTH_LAUNCH_REPORT: '1' }, (l) => lines.push(l))(event);
    const line = lines.join('').split('\n').find((l) => l !== '') ?? '';
    expect(parseLaunchLine(line)).toEqual(event);
    expect(parseLaunchLine('hearth-launch {"event":"listening","port":"8600"}')).toBeNull();
    expect(parseLaunchLine('{"level":30,"msg":"hearth-launch"}')).toBeNull();
  });
});
