import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gatherModel } from '../../scripts/onnx-builder.js';
import { spawnServer, type ChildServer } from './child.js';
import { gatherInput, infer, loadLoop, type InferAnswer } from './helpers.js';

const SECONDS = Number(process.env.HEARTH_SOAK_SECONDS ?? 60);

/** Resident memory of a process, from /proc (Linux, where CI runs). */
function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line?.match(/\d+/)?.[0] ?? 0) / 1024;
}

describe('soak: model updates around the clock', () => {
  let dir: string | undefined;
  let child: ChildServer | undefined;
  afterAll(async () => {
    child?.proc.kill('SIGTERM');
    await child?.exited;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(`serves every request while production churns for ${SECONDS} s, with memory flat`, async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-soak-'));
    child = await spawnServer(dir);
    const server = child;
    const admin = async (method: string, p: string, body?: unknown) => {
      const res = await server.admin(p, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
      return { status: res.status, text: await res.text() };
    };
    const upload = (name: string, bytes: Uint8Array) => server.admin(`/admin/v1/models/${name}/versions`, {
      method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes,
    });
    for (const k of [1, 2, 3]) expect((await upload('lookup', gatherModel({ tableSize: 8, scale: k }))).status).toBe(201);
    expect((await upload('steady', gatherModel({ tableSize: 8, scale: 100 }))).status).toBe(201);
    for (const m of ['lookup', 'steady']) expect((await admin('PUT', `/admin/v1/models/${m}/aliases/production`, { version: 1 })).status).toBe(200);

    const wrong: string[] = [];
    const check = (model: string) => async (): Promise<InferAnswer> => {
      const a = await infer(server.url, model, gatherInput([1, 2]));
      const k = model === 'steady' ? 100 : Number(a.body.model_version);
      const d = a.body.outputs?.[0].data;
      if (a.status === 200 && (d?.[0] !== k || d?.[1] !== 2 * k) && wrong.length < 10) wrong.push(`${model} v${a.body.model_version}: ${JSON.stringify(d)}`);
      return a;
    };
    const churned = loadLoop(check('lookup'), { clients: 3 });
    const steady = loadLoop(check('steady'), { clients: 1 });

    const deadline = Date.now() + SECONDS * 1000;
    const rss: number[] = [];
    const adminFailures: string[] = [];
    let cycles = 0;
    const sampler = setInterval(() => rss.push(rssMiB(server.proc.pid ?? 0)), 1000);
    while (Date.now() < deadline) {
      const next = (cycles % 3) + 1;
      const other = ((cycles + 1) % 3) + 1;
      const steps: [string, string, unknown?][] = [
        ['PUT', '/admin/v1/models/lookup/aliases/production', { version: next }],
        ['POST', `/admin/v1/models/lookup/versions/${other}/load`],
        ['POST', '/admin/v1/models/lookup/rollback'],
        ['PUT', '/admin/v1/models/lookup/aliases/production', { version: next }],
        ['POST', `/admin/v1/models/lookup/versions/${other}/unload`],
      ];
      for (const [method, p, body] of steps) {
        const r = await admin(method, p, body);
        // A rollback with nowhere to go (409) or an unload refused for production (409) is an answer, not a failure.
        if (r.status !== 200 && r.status !== 409 && adminFailures.length < 10) adminFailures.push(`${method} ${p}: ${r.status} ${r.text}`);
        await new Promise((res) => setTimeout(res, 20));
      }
      cycles += 1;
    }
    clearInterval(sampler);
    const [a, b] = await Promise.all([churned.stop(), steady.stop()]);

    console.log(`soak: ${SECONDS} s, ${cycles} update cycles, ${a.total + b.total} requests, versions ${JSON.stringify(Object.fromEntries(a.versions))}, ` +
      `RSS MiB each second ${rss.map((x) => x.toFixed(0)).join(" ")}`);
    expect(adminFailures).toEqual([]);
    expect(a.failures).toEqual([]);
    expect(b.failures).toEqual([]);
    expect(wrong).toEqual([]);
    expect([...a.versions.keys()].sort()).toEqual(['1', '2', '3']);
    expect(cycles).toBeGreaterThan(5);
    // Memory levels off: the last samples are not far above those taken once warm.
    const warm = Math.max(...rss.slice(2, 6));
    const late = Math.max(...rss.slice(-5));
    expect(late - warm).toBeLessThan(150);
  });
});
