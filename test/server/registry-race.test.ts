import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mlp } from '../../scripts/onnx-builder.js';
import { json, post, startTestServer, upload, type TestServer } from '../helpers/server.js';

const REQUEST = { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] };
const blobPath = (s: TestServer, sha: string) => path.join(s.dataDir, 'blobs', 'sha256', sha.slice(0, 2), sha);

/** Resolves once `done` holds, checking between turns of the event loop (no duration is asserted). */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 2));
}

describe('deleting a model while the same bytes are uploaded under another', () => {
  let s: TestServer | undefined;
  afterEach(async () => { await s?.stop(); s = undefined; });

  for (const target of ['the model', 'one version'] as const) {
    it(`never leaves the upload's version without its file (deleting ${target})`, async () => {
      let during: (() => Promise<void>) | undefined;
      s = await startTestServer({ demoModels: false }, undefined, {
        blobs: { beforeRemove: async () => { const act = during; during = undefined; await act?.(); } },
      });
      const server = s;
      const shared = mlp({ layers: [4, 2], seed: 7 });
      expect((await upload(server, 'a', shared)).status).toBe(201);
      if (target === 'one version') expect((await upload(server, 'a', mlp({ layers: [4, 2], seed: 8 }))).status).toBe(201);

      // The delete has found the file unreferenced and is about to unlink it: the upload of the
      // same bytes under "b" runs now, until it answers or waits for the delete to finish.
      let uploaded: Promise<Response> | undefined;
      during = async () => {
        uploaded = upload(server, 'b', shared);
        let answered = false;
        void uploaded.then(() => { answered = true; }, () => { answered = true; });
        await until(() => answered || server.services.blobs.writes.queued > 0);
      };
      const deleted = await server.admin(target === 'the model' ? '/admin/v1/models/a' : '/admin/v1/models/a/versions/1', { method: 'DELETE' });
      expect(deleted.status).toBe(200);
      expect(uploaded).toBeDefined();
      const b = await json<{ version: number; sha256: string }>(uploaded as Promise<Response>);
      expect(b.status).toBe(201);

      expect(existsSync(blobPath(server, b.body.sha256))).toBe(true);
      // And it loads from that file afresh, not only from the session the upload opened.
      expect((await server.admin('/admin/v1/models/b/versions/1/unload', { method: 'POST' })).status).toBe(200);
      expect((await server.admin('/admin/v1/models/b/versions/1/load', { method: 'POST' })).status).toBe(200);
      expect((await post(`${server.url}/v2/models/b/infer`, REQUEST)).status).toBe(200);
    });
  }

  it('makes one version of the same bytes uploaded twice at once', async () => {
    s = await startTestServer({ demoModels: false });
    const bytes = mlp({ layers: [4, 2], seed: 11 });
    const answers = await Promise.all([json<{ version: number }>(upload(s, 'twice', bytes)), json<{ version: number }>(upload(s, 'twice', bytes))]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 201]);
    expect(answers.map((a) => a.body.version)).toEqual([1, 1]);
    const model = await json<{ versions: unknown[] }>(s.admin('/admin/v1/models/twice'));
    expect(model.body.versions).toHaveLength(1);
  });
});
