import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { mlp } from '../../scripts/onnx-builder.js';
import { generateKey } from '../../server/auth/keys.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const text = readFileSync(path.join(root, 'deploy/container/Containerfile'), 'utf8');

/** Instructions with their continuation lines joined, comments left out. */
const instructions = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
  .map((l) => { const [op, ...rest] = l.split(/\s+/); return { op: op.toUpperCase(), arg: rest.join(' ') }; });
const stages: { op: string; arg: string }[][] = [];
for (const i of instructions) {
  if (i.op === 'FROM') stages.push([]);
  stages[stages.length - 1]?.push(i);
}
const final = stages[stages.length - 1];
const execForm = (arg: string): string[] => JSON.parse(arg) as string[];
const envOf = (stage: { op: string; arg: string }[]) => Object.fromEntries(stage.filter((i) => i.op === 'ENV')
  .flatMap((i) => i.arg.split(/\s+/).map((kv) => kv.split('=') as [string, string])));

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

describe('deploy/container/Containerfile', () => {
  let tmp: string | undefined;
  afterAll(async () => { if (tmp) await rm(tmp, { recursive: true, force: true }); });

  it('builds from Node 20 slim, copies paths that exist, installs production dependencies without the ONNX Runtime download', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s[0].arg).toMatch(/^docker\.io\/library\/node:20-[a-z]+-slim( AS \w+)?$/);
    for (const copy of instructions.filter((i) => i.op === 'COPY' && !i.arg.startsWith('--from'))) {
      const sources = copy.arg.split(/\s+/).slice(0, -1);
      for (const src of sources) expect(existsSync(path.join(root, src)), `COPY ${src}`).toBe(true);
    }
    expect(final.some((i) => i.op === 'RUN' && /npm ci --omit=dev\b/.test(i.arg))).toBe(true);
    expect(envOf(final).ONNXRUNTIME_NODE_INSTALL).toBe('skip');
    const user = final.find((i) => i.op === 'USER')?.arg ?? '';
    expect(user).toMatch(/^[0-9]+:[0-9]+$/);
    expect(Number(user.split(':')[0])).toBeGreaterThan(0);
    expect(final.find((i) => i.op === 'EXPOSE')?.arg).toBe('8080');
    expect(final.find((i) => i.op === 'HEALTHCHECK')?.arg).toMatch(/\/v2\/health\/ready/);
  });

  it('runs the KServe runtime\'s arguments through its entrypoint on this machine, and its health check passes', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'hearth-image-'));
    await writeFile(path.join(tmp, 'model.onnx'), mlp({ layers: [8, 4, 2], seed: 1 }));
    // What the Secret "hearth-keys" holds in the pod: one client key, by its SHA-256.
    const clientKey = generateKey();
    await mkdir(path.join(tmp, 'keys'));
    await writeFile(path.join(tmp, 'keys', 'keys.json'), JSON.stringify([
      { id: 'app', name: 'app', sha256: createHash('sha256').update(clientKey).digest('hex'), scopes: ['infer'] },
    ]));
    const port = await freePort();
    const runtime = parse(readFileSync(path.join(root, 'deploy/kserve/hearth-runtime.yaml'), 'utf8')) as { spec: { containers: { args: string[] }[] } };
    const args = runtime.spec.containers[0].args.map((a) => a
      .replace('{{.Name}}', 'iris').replace('/mnt/models', tmp as string).replace('/var/lib/hearth', path.join(tmp as string, 'data'))
      .replace('/etc/hearth/keys', path.join(tmp as string, 'keys'))
      .replace('--port=8080', `--port=${port}`));
    const entry = execForm(final.find((i) => i.op === 'ENTRYPOINT')?.arg ?? '[]');
    const env = { ...process.env, ...envOf(final), HEARTH_PORT: String(port), HEARTH_ADMIN_TOKEN: 'a'.repeat(32) };
    const child = spawn(entry[0], [...entry.slice(1), ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => { out += d.toString(); if (/Models: .*\n/.test(out)) resolve(); });
        child.on('exit', () => reject(new Error(`the server exited: ${out}`)));
      });
      expect(out).toMatch(/Models: {6}from .* \(read-only\): iris/);
      const check = execForm(final.find((i) => i.op === 'HEALTHCHECK')?.arg.replace(/^.*?CMD\s+/, '') ?? '[]');
      const health = spawnSync(check[0], check.slice(1), { env, encoding: 'utf8' });
      expect(health.status).toBe(0);
      const noKey = await fetch(`http://127.0.0.1:${port}/v2/models/iris/infer`, { method: 'POST', body: '{}' });
      expect(noKey.status).toBe(401);
      const keyed = await fetch(`http://127.0.0.1:${port}/v2/models/iris`, { headers: { authorization: `Bearer ${clientKey}` } });
      expect(keyed.status).toBe(403); // the key from the Secret is known; it lacks the metadata scope
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
