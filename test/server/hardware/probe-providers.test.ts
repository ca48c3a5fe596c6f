import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildProbeModel } from '../../../server/hardware/probe-model.js';
import {
  GPU_INSTALL_HINT,
  judgeProbe,
  listProviders,
  ortLibraryDir,
  probeProviders,
} from '../../../server/hardware/probe-providers.js';
import type { ProviderStatus } from '../../../server/hardware/types.js';

describe('buildProbeModel', () => {
  it('is a model onnxruntime loads and runs: y = x + x', async () => {
    const session = await ort.InferenceSession.create(buildProbeModel(), { executionProviders: ['cpu'] });
    expect(session.inputNames).toEqual(['x']);
    expect(session.outputNames).toEqual(['y']);
    const { y } = await session.run({ x: new ort.Tensor('float32', new Float32Array([1.5]), [1]) });
    expect(Array.from(y?.data as Float32Array)).toEqual([3]);
    await session.release();
  });
});

// This machine has no GPU and onnxruntime-node's CUDA libraries are not installed
// (.npmrc skips the download), so CUDA must come out unavailable, with the reason.
describe('probeProviders on this machine', () => {
  let statuses: ProviderStatus[];
  beforeAll(async () => {
    statuses = await probeProviders({ timeoutMs: 60_000 });
  });

  it('probes every provider onnxruntime-node lists', async () => {
    expect(statuses.map((status) => status.name)).toEqual(await listProviders());
    expect(statuses.map((status) => status.name)).toContain('cuda');
  });

  it('finds the CPU provider working', () => {
    expect(statuses.find((status) => status.name === 'cpu')).toEqual({ name: 'cpu', available: true });
  });

  it('reports CUDA unavailable and says how to get it', () => {
    const cuda = statuses.find((status) => status.name === 'cuda');
    expect(existsSync(join(ortLibraryDir(), 'libonnxruntime_providers_cuda.so'))).toBe(false);
    expect(cuda).toEqual({
      name: 'cuda',
      available: false,
      reason: `libonnxruntime_providers_cuda.so not found — ${GPU_INSTALL_HINT}`,
    });
  });

  it('reports WebGPU unavailable for want of an adapter', () => {
    const webgpu = statuses.find((status) => status.name === 'webgpu');
    expect(webgpu?.available).toBe(false);
    expect(webgpu?.reason).toMatch(/^no adapter: /);
  });
});

describe('judgeProbe', () => {
  const here = { hasLibrary: () => false, platform: 'linux' as const };

  it('calls a session that onnxruntime quietly ran on CPU unavailable', () => {
    const status = judgeProbe(
      'cuda',
      { kind: 'reported', report: { ok: true, output: [3], ranOn: ['CPUExecutionProvider'] }, stderr: '' },
      here,
    );
    expect(status).toEqual({
      name: 'cuda',
      available: false,
      reason: 'onnxruntime accepted cuda but ran the test model on CPUExecutionProvider',
    });
  });

  it('accepts CUDA when the profile shows the node ran there', () => {
    const report = { ok: true as const, output: [3], ranOn: ['CUDAExecutionProvider'] };
    expect(judgeProbe('cuda', { kind: 'reported', report, stderr: '' }, here)).toEqual({ name: 'cuda', available: true });
  });

  it('names the library the loader could not find when the provider file is there', () => {
    const stderr =
      '[E:onnxruntime:onnxruntime-node, provider_bridge_ort.cc:2146 Create] Failed to load library ' +
      'libonnxruntime_providers_cuda.so with error: libcudnn.so.9: cannot open shared object file: No such file or directory\n';
    const status = judgeProbe(
      'cuda',
      { kind: 'reported', report: { ok: false, error: 'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library' }, stderr },
      { hasLibrary: () => true, platform: 'linux' },
    );
    expect(status.reason).toBe(
      'the cuda provider library did not load: libcudnn.so.9: cannot open shared object file: No such file or directory',
    );
  });

  it('names the Windows DLL on Windows', () => {
    const status = judgeProbe(
      'cuda',
      { kind: 'reported', report: { ok: false, error: 'Failed to load shared library' }, stderr: '' },
      { hasLibrary: () => false, platform: 'win32' },
    );
    expect(status.reason).toBe(`onnxruntime_providers_cuda.dll not found — ${GPU_INSTALL_HINT}`);
  });

  it('reports a provider that crashes the probe process', () => {
    const status = judgeProbe('tensorrt', { kind: 'died', exitCode: null, signal: 'SIGSEGV', stderr: 'Segmentation fault\n' }, here);
    expect(status).toEqual({ name: 'tensorrt', available: false, reason: 'the probe process died (signal SIGSEGV): Segmentation fault' });
  });

  it('reports a provider that hangs', () => {
    expect(judgeProbe('webgpu', { kind: 'timeout', timeoutMs: 60_000 }, here).reason).toBe(
      'the probe did not finish within 60 s',
    );
  });

  it('rejects a provider that computes the wrong answer', () => {
    const report = { ok: true as const, output: [0], ranOn: ['WebGpuExecutionProvider'] };
    expect(judgeProbe('webgpu', { kind: 'reported', report, stderr: '' }, here).reason).toBe('wrong result: 1.5 + 1.5 gave 0');
  });
});
