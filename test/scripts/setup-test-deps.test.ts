/**
 * scripts/setup-test-deps.sh, which the README's test line and .ci/run call, with apt-get and sudo
 * replaced by stubs that write down how they were called: nothing is installed here.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const SCRIPT = path.resolve('scripts/setup-test-deps.sh');

let dir: string;
let calls: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hearth-test-deps-'));
  calls = path.join(dir, 'calls');
  for (const name of ['apt-get', 'sudo']) {
    const stub = path.join(dir, name);
    // sudo runs its command; apt-get only records its arguments.
    writeFileSync(stub, name === 'sudo' ? '#!/bin/sh\nexec "$@"\n' : `#!/bin/sh\necho "apt-get $*" >> '${calls}'\n`);
    chmodSync(stub, 0o755);
  }
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function setup(chromium: string): string[] {
  execFileSync('bash', [SCRIPT], { env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}`, HEARTH_CHROMIUM: chromium }, stdio: 'pipe' });
  return existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : [];
}

const nginxHere = () => [...(process.env.PATH ?? '').split(':'), '/usr/sbin'].some((d) => existsSync(path.join(d, 'nginx')));

describe('scripts/setup-test-deps.sh', () => {
  it('installs a missing Chromium with apt, with nginx only when that is missing too', () => {
    const apt = setup(path.join(dir, 'no-chromium-here'));
    expect(apt[0]).toBe('apt-get update -qq');
    expect(apt[1]).toBe(`apt-get install -y -qq --no-install-recommends chromium${nginxHere() ? '' : ' nginx'}`);
    expect(apt).toHaveLength(2);
  });

  it('asks apt for nothing when the tests have what they need', () => {
    // Any executable stands in for Chromium.
    const expected = nginxHere() ? [] : ['apt-get update -qq', 'apt-get install -y -qq --no-install-recommends nginx'];
    expect(setup(process.execPath)).toEqual(expected);
  });
});
