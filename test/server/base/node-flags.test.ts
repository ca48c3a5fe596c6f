import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SERVE_NODE_FLAGS } from '../../../server/base/node-flags.js';
import { SERVER_NODE_FLAGS } from '../../../main/server-command.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

describe('the V8 flags hearth serve is started with', () => {
  it('are the same in every launcher: the hearth command, npm start, the container and the desktop app', () => {
    const flags = SERVE_NODE_FLAGS.join(' ');
    expect(flags).not.toBe('');
    expect(read('bin/hearth.js').split('\n')[0]).toBe(`#!/usr/bin/env -S node ${flags}`);
    const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start;
    expect(start).toContain(`node ${flags} bin/hearth.js serve`);
    expect(read('deploy/container/Containerfile')).toContain(`ENTRYPOINT ["node", ${SERVE_NODE_FLAGS.map((f) => JSON.stringify(f)).join(', ')}, "bin/hearth.js"]`);
    expect(SERVER_NODE_FLAGS).toEqual(SERVE_NODE_FLAGS);
  });

  it('are taken by this Node: it starts with them and its young generation starts at the floor', () => {
    const size = execFileSync(process.execPath, [...SERVE_NODE_FLAGS, '-e',
      'process.stdout.write(String(require("v8").getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size))'], { encoding: 'utf8' });
    expect(Number(size)).toBe(8 * 1024 * 1024);
  });

  it('reach the server when bin/hearth.js is run as a program, through its first line', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-flags-'));
    const child = spawn(path.join(ROOT, 'bin', 'hearth.js'), ['serve', '--port', '0', '--data-dir', dataDir, '--no-demo-models', '--log-level', 'silent'], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HEARTH_ADMIN_TOKEN: undefined },
    });
    try {
      // The server says it serves once it listens; by then Node has parsed its options.
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => { if (chunk.toString().includes('is serving')) resolve(); });
        child.once('exit', (code) => reject(new Error(`hearth serve exited with ${code}`)));
      });
      const argv = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
      expect(argv.slice(1, 1 + SERVE_NODE_FLAGS.length)).toEqual([...SERVE_NODE_FLAGS]);
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => { if (child.exitCode !== null || child.signalCode !== null) resolve(null); else child.once('exit', resolve); });
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
