// Snapshots built from the recorded fixtures, for tests of what consumes a snapshot.
import { mergeGpus } from '../../../server/hardware/merge-gpus.js';
import { parseCudaVersion, parseNvidiaQuery } from '../../../server/hardware/nvidia-smi.js';
import type { GpuInfo, ProviderStatus, SystemSnapshot } from '../../../server/hardware/types.js';
import { fixture } from './recorded.js';

export function nvidiaGpus(machine: string): GpuInfo[] {
  const cuda = parseCudaVersion(fixture(`nvidia-smi/${machine}.header.txt`));
  return parseNvidiaQuery(fixture(`nvidia-smi/${machine}.query.csv`)).map((gpu) => ({ ...gpu, cudaVersion: cuda }));
}

export const CUDA_WORKS: ProviderStatus[] = [
  { name: 'cpu', available: true },
  { name: 'cuda', available: true },
];

export const CPU_ONLY: ProviderStatus[] = [
  { name: 'cpu', available: true },
  { name: 'webgpu', available: false, reason: 'no adapter: No supported adapters' },
  { name: 'cuda', available: false, reason: 'libonnxruntime_providers_cuda.so not found — run the GPU provider install step' },
];

export function snapshotWith(gpus: GpuInfo[], providers: ProviderStatus[], gpuErrors: string[] = []): SystemSnapshot {
  return {
    hostname: 'hearth-01',
    platform: 'linux',
    arch: 'x64',
    uptimeSeconds: 3 * 86_400 + 4 * 3600 + 12 * 60 + 7,
    cpu: { manufacturer: 'AMD', brand: 'EPYC 9454', cores: 96, physicalCores: 48, speedGHz: 2.75 },
    memory: { totalBytes: 512 * 1024 ** 3, availableBytes: 480 * 1024 ** 3, usedBytes: 32 * 1024 ** 3 },
    gpus: mergeGpus(gpus, []),
    gpuErrors,
    providers,
    sampledAt: '2025-11-27T09:14:05.000Z',
  };
}
