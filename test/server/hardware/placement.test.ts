import { describe, expect, it } from 'vitest';
import { choosePlacement } from '../../../server/hardware/placement.js';
import { CPU_ONLY, CUDA_WORKS, nvidiaGpus, snapshotWith } from './snapshots.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('choosePlacement', () => {
  it('auto picks cpu on a machine without a GPU', () => {
    expect(choosePlacement({ modelBytes: 100 * MiB, snapshot: snapshotWith([], CPU_ONLY) })).toEqual({
      provider: 'cpu',
      reason: 'no GPU placement: cuda is not available: libonnxruntime_providers_cuda.so not found — run the GPU provider install step',
    });
  });

  it('auto picks cuda:0 on the H200 when the CUDA provider works', () => {
    expect(choosePlacement({ modelBytes: 100 * MiB, snapshot: snapshotWith(nvidiaGpus('h200'), CUDA_WORKS) })).toEqual({
      provider: 'cuda',
      deviceId: 0,
      reason: 'GPU 0 (NVIDIA H200) has 140 GiB free; the model needs about 200 MiB',
    });
  });

  it('auto stays on cpu on the H200 when the CUDA provider does not work', () => {
    const placement = choosePlacement({ modelBytes: 100 * MiB, snapshot: snapshotWith(nvidiaGpus('h200'), CPU_ONLY) });
    expect(placement).toMatchObject({ provider: 'cpu' });
  });

  it('auto picks cpu when twice the model is more than the free GPU memory', () => {
    expect(choosePlacement({ modelBytes: 80 * GiB, snapshot: snapshotWith(nvidiaGpus('h200'), CUDA_WORKS) })).toEqual({
      provider: 'cpu',
      reason: 'the model does not fit on a GPU: GPU 0 (NVIDIA H200) has 140 GiB free; the model needs about 160 GiB',
    });
  });

  it('auto picks the A100 with the most free memory', () => {
    const snapshot = snapshotWith(nvidiaGpus('a100x8'), CUDA_WORKS);
    expect(choosePlacement({ modelBytes: 30 * GiB, snapshot })).toMatchObject({ provider: 'cuda', deviceId: 3 });
  });

  it('auto does not trust a GPU whose free memory is unknown', () => {
    const [gpu] = nvidiaGpus('h200');
    if (!gpu) throw new Error('fixture did not parse');
    const snapshot = snapshotWith([{ ...gpu, memoryFreeBytes: null }], CUDA_WORKS);
    expect(choosePlacement({ modelBytes: MiB, snapshot })).toMatchObject({ provider: 'cpu' });
  });

  it('refuses an explicit cuda request when CUDA does not work', () => {
    expect(choosePlacement({ requested: 'cuda:0', modelBytes: MiB, snapshot: snapshotWith([], CPU_ONLY) })).toEqual({
      error: 'cuda is not available: libonnxruntime_providers_cuda.so not found — run the GPU provider install step',
    });
  });

  it('refuses a CUDA device that does not exist', () => {
    const snapshot = snapshotWith(nvidiaGpus('h200'), CUDA_WORKS);
    expect(choosePlacement({ requested: 'cuda:1', modelBytes: MiB, snapshot })).toEqual({
      error: 'there is no CUDA device 1; this machine has 0',
    });
  });

  it('honours an explicit device, warning when the model may not fit', () => {
    const snapshot = snapshotWith(nvidiaGpus('a100x8'), CUDA_WORKS);
    expect(choosePlacement({ requested: 'cuda:2', modelBytes: 4 * GiB, snapshot })).toEqual({
      provider: 'cuda',
      deviceId: 2,
      reason: 'requested; GPU 2 (NVIDIA A100-SXM4-80GB) has 7.1 GiB free; the model needs about 8.0 GiB (it may not fit)',
    });
  });

  it('runs on cpu when asked, and refuses webgpu without an adapter', () => {
    const snapshot = snapshotWith([], CPU_ONLY);
    expect(choosePlacement({ requested: 'cpu', modelBytes: MiB, snapshot })).toEqual({ provider: 'cpu', reason: 'requested' });
    expect(choosePlacement({ requested: 'webgpu', modelBytes: MiB, snapshot })).toEqual({
      error: 'webgpu is not available: no adapter: No supported adapters',
    });
    expect(choosePlacement({ requested: 'dml', modelBytes: MiB, snapshot })).toEqual({
      error: 'dml is not part of this onnxruntime-node build',
    });
  });

  it('asks the caller to wait while the providers are still being probed', () => {
    expect(choosePlacement({ requested: 'cuda:0', modelBytes: MiB, snapshot: snapshotWith(nvidiaGpus('h200'), []) })).toEqual({
      error: 'the execution-provider probe has not finished yet; try again in a few seconds',
    });
  });

  it('rejects a malformed device', () => {
    const snapshot = snapshotWith(nvidiaGpus('h200'), CUDA_WORKS);
    expect(choosePlacement({ requested: 'cuda:x' as `cuda:${number}`, modelBytes: MiB, snapshot })).toEqual({
      error: '"cuda:x" is not a CUDA device; use cuda:0, cuda:1, …',
    });
  });
});
