import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoClassifier } from '../../scripts/onnx-builder.js';
import { json, post, startTestServer, type TestServer } from '../helpers/server.js';
import { cli } from '../helpers/cli.js';

const run = promisify(execFile);

describe('the hearth command as a client of the admin API', () => {
  let s: TestServer;
  let conn: string[];
  beforeAll(async () => {
    s = await startTestServer();
    // The token is found through the data directory, as on the server's own machine.
    conn = ['--url', s.url, '--data-dir', s.dataDir];
  });
  afterAll(async () => { await s.stop(); });

  it('adds, lists, shows, promotes, rolls back and removes', async () => {
    const file = path.join(s.dataDir, 'flowers.onnx');
    await writeFile(file, demoClassifier({ version: 1 }));
    const add = await cli(['model', 'add', 'flowers', file, ...conn, '--description', 'from the CLI', '--tags', 'x,y']);
    expect(add.err).toBe('');
    expect(add.out).toMatch(/Registered flowers version 1/);
    expect(add.out).toMatch(/features FP32\[-1,4\]/);
    const dup = await cli(['model', 'add', 'flowers', file, ...conn]);
    expect(dup.out).toMatch(/already has these bytes as version 1/);
    await writeFile(file, demoClassifier({ version: 2 }));
    expect((await cli(['model', 'add', 'flowers', file, ...conn, '--promote'])).out).toMatch(/production -> 2/);

    const list = await cli(['model', 'list', ...conn]);
    expect(list.out).toMatch(/^flowers\tversions 1,2\taliases production=2/m);
    expect(list.out).toMatch(/^iris\t/m);

    expect((await cli(['model', 'promote', 'flowers', '1', ...conn])).out).toBe('flowers: production -> 1 (was 2)');
    expect((await cli(['model', 'promote', 'flowers', '2', ...conn])).out).toBe('flowers: production -> 2 (was 1)');
    expect((await cli(['model', 'rollback', 'flowers', ...conn])).out).toBe('flowers: production -> 1 (rolled back from 2)');
    const served = await json<{ model_version: string }>(post(`${s.url}/v2/models/flowers/infer`, {
      inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }],
    }));
    expect(served.body.model_version).toBe('1');

    const show = await cli(['model', 'show', 'flowers', ...conn]);
    expect(show.out).toMatch(/version 1 \[production\]/);
    expect(show.out).toMatch(/from the CLI/);
    expect(show.out).toMatch(/production rollback -> 1/);
    const shown = JSON.parse((await cli(['model', 'show', 'flowers', ...conn, '--json'])).out) as { versions: unknown[] };
    expect(shown.versions).toHaveLength(2);

    const removeAliased = await cli(['model', 'remove', 'flowers', '1', ...conn]);
    expect(removeAliased.code).toBe(1);
    expect(removeAliased.err).toMatch(/409: .*production/);
    expect((await cli(['model', 'remove', 'flowers', '2', ...conn])).out).toBe('Removed flowers/2.');
    expect((await cli(['model', 'remove', 'flowers', ...conn])).out).toBe('Removed flowers.');
    expect((await cli(['model', 'list', ...conn])).out).not.toMatch(/flowers/);
  });

  it('creates, lists and revokes API keys; the key works until revoked', async () => {
    const created = await cli(['key', 'create', 'lab-app', '--scopes', 'infer', '--models', 'iris', ...conn, '--json']);
    const { id, key } = JSON.parse(created.out) as { id: string; key: string };
    expect(key).toMatch(/^hearth_[A-Za-z0-9_-]{43}_[0-9a-f]{8}$/);
    const list = await cli(['key', 'list', ...conn]);
    expect(list.out).toMatch(new RegExp(`${id}\\tlab-app\\tactive\\tscopes infer\\tmodels iris`));
    expect(list.out).not.toContain(key);
    expect((await cli(['key', 'revoke', id, ...conn])).out).toBe(`Revoked ${id} ("lab-app").`);
    expect((await cli(['key', 'list', ...conn])).out).toMatch(/revoked/);
  });

  it('says clearly when the server cannot be reached or the token is wrong', async () => {
    const down = await cli(['model', 'list', '--url', 'http://127.0.0.1:9', '--token', 'x'.repeat(20)]);
    expect(down.code).toBe(1);
    expect(down.err).toMatch(/Cannot reach Hearth at http:\/\/127.0.0.1:9/);
    const wrong = await cli(['model', 'list', '--url', s.url, '--token', 'x'.repeat(20)]);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/did not prove it holds the admin token, so the token was not sent/);
    const badArg = await cli(['model', 'promote', 'iris', 'two', ...conn]);
    expect(badArg.code).not.toBe(0);
    expect(badArg.err).toMatch(/whole number/);
  });

  it('has --help on every command, through the installed binary', async () => {
    const bin = path.resolve('bin/hearth.js');
    for (const args of [['--help'], ['serve', '--help'], ['model', '--help'], ['model', 'add', '--help'], ['key', 'create', '--help']]) {
      const { stdout } = await run(process.execPath, [bin, ...args]);
      expect(stdout).toMatch(/Usage: hearth/);
    }
    const { stdout } = await run(process.execPath, [bin, 'serve', '--help']);
    expect(stdout).toMatch(/--require-api-key/);
    expect(stdout).toMatch(/--data-dir/);
  });
});
