/**
 * onnxruntime-node writes `mat-debug-<pid>.log` and `.ses` into the temp folder of every process
 * that creates a session, and never removes them. The processes Hearth starts to load models (the
 * provider probes at every start, the inspection of every upload) get a temp folder of their own
 * that goes with them, so they leave nothing behind.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { probeProviders } from '../../../server/hardware/probe-providers.js';
import { inspectInChild } from '../../../server/registry/inspect.js';

const DEMO_MODEL = path.resolve('resources/models/demo-v1.onnx');

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
});
