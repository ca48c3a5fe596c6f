import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mlp } from '../../../scripts/onnx-builder.js';
import { json, startTestServer, upload, type TestServer } from '../../helpers/server.js';
import { deleteTail } from '../usage/attacks.js';

const JSON_HEADERS = { 'content-type': 'application/json' };
const setProduction = (s: TestServer, version: number) =>
  s.admin('/admin/v1/models/m/aliases/production', { method: 'PUT', headers: JSON_HEADERS, body: JSON.stringify({ version }) });
const production = async (s: TestServer) =>
  (await json<{ aliases: Record<string, number> }>(s.admin('/admin/v1/models/m'))).body.aliases.production;

describe('an admin change while the audit chain is refused (someone cut hearth.db)', () => {
  let dir: string | undefined;
  let s: TestServer | undefined;
  afterEach(async () => {
    await s?.stop();
    s = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('is refused with 503 before it takes effect, since it could not be audited; reads still answer', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-refused-'));
    s = await startTestServer({ demoModels: false }, dir);
    for (const seed of [1, 2]) expect((await upload(s, 'm', mlp({ layers: [4, 2], seed }))).status).toBe(201);
    expect((await setProduction(s, 1)).status).toBe(200);
    // Closing signs a last checkpoint over the head; the editor then removes the newest records.
    await s.stop();
    deleteTail(path.join(dir, 'hearth.db'), 2);
    s = await startTestServer({ demoModels: false }, dir);

    const moved = await setProduction(s, 2);
    expect(moved.status).toBe(503);
    expect(((await moved.json()) as { error: string }).error).toMatch(/audit chain.*refus/i);
    expect(await production(s)).toBe(1);
    const key = await s.admin('/admin/v1/keys', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ name: 'k', scopes: ['infer'] }) });
    expect(key.status).toBe(503);
    expect((await json<{ keys: unknown[] }>(s.admin('/admin/v1/keys'))).body.keys).toEqual([]);
    // What is served goes on being served, and read-only admin calls answer.
    expect((await s.admin('/admin/v1/models')).status).toBe(200);
    // What remains can be exported for the auditor, as the refusal says to do.
    const csv = await s.admin('/admin/v1/usage?format=csv');
    expect(csv.status).toBe(200);
    expect((await csv.text()).split('\n')[0]).toMatch(/^seq,/);
    // The refusal is said once, not wrapped in itself.
    const again = ((await (await setProduction(s, 2)).json()) as { error: string }).error;
    expect(again.match(/does not match its signed checkpoints/g)).toHaveLength(1);
  });
});
