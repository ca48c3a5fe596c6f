import { afterEach, describe, expect, it } from 'vitest';
import { mlp } from '../../scripts/onnx-builder.js';
import { json, post, startTestServer, upload, type TestServer } from '../helpers/server.js';

const ready = async (s: TestServer, name: string, v: number) => (await fetch(`${s.url}/v2/models/${name}/versions/${v}/ready`)).status === 200;
const call = (s: TestServer, name: string) => post(`${s.url}/v2/models/${name}/infer`, {
  inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }],
});
const patch = (s: TestServer, name: string, v: number, body: unknown) => s.admin(`/admin/v1/models/${name}/versions/${v}/settings`, {
  method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
});

interface AuditRow { action: string; model: string; reason: string | null; detail: string | null }
function auditRows(s: TestServer, action: string): AuditRow[] {
  return s.services.db.prepare('SELECT action, model, reason, detail FROM records WHERE action = ? ORDER BY seq').all(action) as AuditRow[];
}

describe('placement, fallback and the memory budget', () => {
  let s: TestServer | undefined;
  afterEach(async () => { await s?.stop(); s = undefined; });

  it('evicts the least recently used unpinned version to make room, and refuses with 507 when nothing can go', async () => {
    s = await startTestServer({ demoModels: false, maxLoadedVersions: 3 });
    for (const [i, name] of ['m1', 'm2', 'm3', 'm4'].entries()) {
      expect((await upload(s, name, mlp({ layers: [4, 2], seed: i + 1 }))).status).toBe(201);
    }
    for (const name of ['m1', 'm2', 'm3']) expect((await call(s, name)).status).toBe(200);
    expect((await patch(s, 'm2', 1, { pinned: true })).status).toBe(200);
    expect((await call(s, 'm1')).status).toBe(200); // m1 is now the most recently used
    expect((await call(s, 'm4')).status).toBe(200); // needs a slot: m3 is the LRU unpinned version
    expect([await ready(s, 'm1', 1), await ready(s, 'm2', 1), await ready(s, 'm3', 1), await ready(s, 'm4', 1)])
      .toEqual([true, true, false, true]);

    await patch(s, 'm1', 1, { pinned: true });
    await patch(s, 'm4', 1, { pinned: true });
    const refused = await json<{ error: string }>(call(s, 'm3'));
    expect(refused.status).toBe(507);
    expect(refused.body.error).toMatch(/No room on cpu: 3 versions .*at most 3 versions.*pinned/);
    // The refusal unloaded nothing.
    expect([await ready(s, 'm1', 1), await ready(s, 'm2', 1), await ready(s, 'm4', 1)]).toEqual([true, true, true]);
  });

  it('refuses a model larger than the whole budget without touching what is loaded', async () => {
    s = await startTestServer({ demoModels: true, cpuBudgetBytes: 100_000 });
    expect((await upload(s, 'big', mlp({ layers: [784, 64, 10], seed: 1 }))).status).toBe(201);
    const r = await json<{ error: string }>(post(`${s.url}/v2/models/big/infer`, {
      inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: new Array(784).fill(0) }],
    }));
    expect(r.status).toBe(507);
    expect(r.body.error).toMatch(/more than its whole budget of 100000 bytes/);
    expect(await ready(s, 'iris', 2)).toBe(true);
  });

  it('unloads idle versions after the keep-alive but keeps production and the previous production warm', async () => {
    s = await startTestServer({ demoModels: true, keepAliveSeconds: 60 });
    await upload(s, 'side', mlp({ layers: [4, 2], seed: 9 }));
    expect((await call(s, 'side')).status).toBe(200);
    await s.admin('/admin/v1/models/iris/versions/1/load', { method: 'POST' });
    const unloaded = await s.services.models.unloadIdle(Date.now() + 61_000);
    expect(unloaded).toEqual(['side:1']);
    expect([await ready(s, 'side', 1), await ready(s, 'iris', 1), await ready(s, 'iris', 2)]).toEqual([false, true, true]);
  });

  it('falls back to the CPU when a GPU provider fails to load, says so, and logs it to the audit log', async () => {
    s = await startTestServer({ demoModels: false }, undefined, {
      placement: () => ({ provider: 'cuda', deviceId: 0, reason: 'forced for the test' }),
    });
    await upload(s, 'gpu-wanted', mlp({ layers: [4, 2], seed: 3 }));
    expect((await call(s, 'gpu-wanted')).status).toBe(200);
    const meta = await json<{ parameters: { execution_provider: string } }>(fetch(`${s.url}/v2/models/gpu-wanted`));
    expect(meta.body.parameters.execution_provider).toBe('cpu');
    const version = await json<{ provider: string; stateReason: string }>(s.admin('/admin/v1/models/gpu-wanted/versions/1'));
    expect(version.body.provider).toBe('cpu');
    await s.services.usage.flush();
    const rows = auditRows(s, 'fallback');
    expect(rows).toHaveLength(1);
    expect(rows[0].model).toBe('gpu-wanted');
    expect(rows[0].reason).toMatch(/cuda/i);
  });

  it('runs on the CPU when a placement names a provider this machine lacks, and logs why', async () => {
    s = await startTestServer({ demoModels: false });
    await s.services.hardware.start();
    await s.services.hardware.providers();
    await s.services.hardware.refresh();
    await upload(s, 'wants-webgpu', mlp({ layers: [4, 2], seed: 4 }));
    await patch(s, 'wants-webgpu', 1, { placement: 'cuda:0' });
    expect((await call(s, 'wants-webgpu')).status).toBe(200);
    const v = await json<{ provider: string }>(s.admin('/admin/v1/models/wants-webgpu/versions/1'));
    expect(v.body.provider).toBe('cpu');
    await s.services.usage.flush();
    expect(auditRows(s, 'fallback').map((r) => r.model)).toContain('wants-webgpu');
  });

  it('reports the machine, providers and device use at /admin/v1/system and through `hearth system`', async () => {
    s = await startTestServer({ demoModels: true });
    await s.services.hardware.providers();
    const sys = await json<{ hardware: { cpu: { cores: number } } | null; providers: { name: string; available: boolean; reason?: string }[]; devices: Record<string, { count: number }>; loaded: { name: string }[]; auditKeyFingerprint: string }>(s.admin('/admin/v1/system'));
    expect(sys.status).toBe(200);
    expect(sys.body.providers.find((p) => p.name === 'cpu')?.available).toBe(true);
    const cuda = sys.body.providers.find((p) => p.name === 'cuda');
    if (cuda) expect(cuda.available === true || typeof cuda.reason === 'string').toBe(true);
    expect(sys.body.devices.cpu.count).toBe(1); // production is loaded at start; v1 waits for first use
    expect(sys.body.auditKeyFingerprint).toMatch(/^[0-9a-f]{64}$/);
    const { main } = await import('../../server/cli.js');
    const out: string[] = [];
    const code = await main(['node', 'hearth', 'system', '--url', s.url, '--token', s.token], { log: (m) => out.push(m), error: (m) => out.push(m) });
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/Device cpu: 1 loaded/);
    expect(out.join('\n')).toContain(sys.body.auditKeyFingerprint);
  });
});
