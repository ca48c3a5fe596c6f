import { describe, expect, it } from 'vitest';
import { formatSystem } from '../../../server/hardware/format.js';
import { CPU_ONLY, CUDA_WORKS, nvidiaGpus, snapshotWith } from './snapshots.js';

describe('formatSystem', () => {
  it('prints host, CPU, memory, the H200 and the providers', () => {
    expect(formatSystem(snapshotWith(nvidiaGpus('h200'), CUDA_WORKS))).toBe(
      [
        'Host      hearth-01 (linux x64), up 3d 4h 12m',
        'CPU       AMD EPYC 9454: 48 cores, 96 threads @ 2.75 GHz',
        'Memory    480 GiB available of 512 GiB',
        '',
        'GPUs',
        '  #  Name         Memory used / total  Util  Temp   Power / limit  Driver      CUDA  Bus           UUID',
        '  0  NVIDIA H200  0 B / 140 GiB        0%    31 °C  76 W / 700 W   570.124.06  12.8  0000:1b:00.0  GPU-8f6b2d4e-1c3a-7e9b-5d20-4a6c8e0f1b3d',
        '',
        'Execution providers',
        '  cpu   available',
        '  cuda  available',
        '',
        'Sampled   2025-11-27T09:14:05.000Z',
        '',
      ].join('\n'),
    );
  });

  it('shows unknown readings as a dash, never as 0', () => {
    const text = formatSystem(snapshotWith(nvidiaGpus('rtx4090'), CPU_ONLY));
    const row = text.split('\n').find((line) => line.includes('RTX 4090'));
    expect(row).toMatch(/ 0%\s+38 °C\s+— +560\.35\.03/);
  });

  it('says when there are no GPUs, and shows errors and unavailable providers with their reasons', () => {
    const text = formatSystem(snapshotWith([], CPU_ONLY, ['nvidia-smi: NVIDIA-SMI has failed (exit 9)']));
    expect(text).toContain('GPUs      none found\n  error: nvidia-smi: NVIDIA-SMI has failed (exit 9)\n');
    expect(text).toContain('  webgpu  unavailable  no adapter: No supported adapters\n');
  });
});
