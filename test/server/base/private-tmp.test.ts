/**
 * onnxruntime-node writes `mat-debug-<pid>.log` and `.ses` into the temp folder of every process
 * that creates a session, and never removes them. The processes Hearth starts to load models (the
 * provider probes at every start, the inspection of every upload) get a temp folder of their own
 * that goes with them, so they leave nothing behind.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { probeProviders } from '../../../server/hardware/probe-providers.js';
import { inspectInChild } from '../../../server/registry/inspect.js';

const DEMO_MODEL = path.resolve('resources/models/demo-v1.onnx');

/** Polls until `dir` is empty, or gives up after `ms` and returns what is still there. */
async function emptied(dir: string, ms: number): Promise<string[]> {
  const until = Date.now() + ms;
  for (;;) {
    const left = readdirSync(dir, { recursive: true, encoding: 'utf8' });
    if (left.length === 0 || Date.now() > until) return left.sort();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('processes that load models leave nothing in the temp folder', () => {
  let tmp: string;
  let saved: string | undefined;
  beforeEach(() => {
    // A temp folder of this test's own, so other programs' files in the shared one cannot confuse it.
    tmp = mkdtempSync(path.join(os.tmpdir(), 'hearth-tmp-test-'));
    saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    expect(os.tmpdir()).toBe(tmp);
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    rmSync(tmp, { recursive: true, force: true });
  });

  it('the provider probes of a server start', async () => {
    const statuses = await probeProviders({ timeoutMs: 60_000 });
    expect(statuses.find((s) => s.name === 'cpu')?.available).toBe(true);
    expect(readdirSync(tmp).filter((f) => f.startsWith('mat-debug-'))).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('the inspection of an upload', async () => {
    const meta = await inspectInChild(DEMO_MODEL);
    expect(meta.inputs.map((i) => i.name)).toEqual(['features']);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('the probes of a server that stops before they finish', async () => {
    // A separate process starts the probes as a server start does (from dist/, as it ships) and
    // exits at once, so only the children can clean up after themselves.
    const probes = pathToFileURL(path.resolve('dist/server/hardware/probe-providers.js')).href;
    execFileSync(process.execPath, ['--input-type=module', '-e',
      `const { probeProviders } = await import(${JSON.stringify(probes)}); void probeProviders(); setTimeout(() => process.exit(0), 200);`,
    ], { env: { ...process.env, TMPDIR: tmp } });
    expect(await emptied(tmp, 30_000)).toEqual([]);
  });
});
