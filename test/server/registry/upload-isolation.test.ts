/**
 * A model file that crashes onnxruntime's loader, uploaded to a real `hearth serve` process: the
 * server answers 400, registers nothing and keeps serving, because the first load of an upload
 * happens in a child process of its own.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoClassifier } from '../../../scripts/onnx-builder.js';
import { segfaultingLayerNorm } from '../../helpers/hostile-models.js';
import { spawnServer, type ChildServer } from '../../reliability/child.js';

function blobFiles(dataDir: string): string[] {
  const root = path.join(dataDir, 'blobs');
  try {
    return readdirSync(root, { recursive: true, encoding: 'utf8' }).sort();
  } catch {
    return [];
  }
}

const uploadTo = (server: ChildServer, name: string, bytes: Uint8Array) =>
  server.admin(`/admin/v1/models/${name}/versions`, {
    method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes,
  });

describe('an upload that crashes onnxruntime', () => {
  let dataDir: string;
  let server: ChildServer;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'hearth-upload-crash-'));
    server = await spawnServer(dataDir, { workers: 1 });
  });
  afterAll(async () => {
    if (server.proc.exitCode === null && server.proc.signalCode === null) {
      server.proc.kill('SIGTERM');
      await server.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('gets a 400 that says so, registers nothing, and the server keeps serving', async () => {
    const before = blobFiles(dataDir);
    const res = await uploadTo(server, 'hostile', segfaultingLayerNorm());
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: string };
    expect(error).toMatch(/onnxruntime crashed while loading the file \(SIGSEGV\)/);

    expect((await fetch(`${server.url}/v2/health/live`)).status).toBe(200);
    const { models } = (await (await server.admin('/admin/v1/models')).json()) as { models: { name: string }[] };
    expect(models.map((m) => m.name)).not.toContain('hostile');
    expect(blobFiles(dataDir)).toEqual(before);

    // The same server still takes a good model afterwards.
    const good = await uploadTo(server, 'flowers', demoClassifier({ version: 1 }));
    expect(good.status).toBe(201);
  });
});
