import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerGpuMetrics } from '../../../server/hardware/metrics.js';
import type { SystemSnapshot } from '../../../server/hardware/types.js';
import { CUDA_WORKS, nvidiaGpus, snapshotWith } from './snapshots.js';

function scrape(snapshot: SystemSnapshot | undefined) {
  const registry = new Registry();
  const monitor = { current: snapshot, snapshot: () => monitor.current };
  registerGpuMetrics(registry, monitor);
  return { registry, monitor };
}

function samples(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`));
}

describe('registerGpuMetrics', () => {
  it('exports the H200 readings by UUID, 0 included', async () => {
    const { registry } = scrape(snapshotWith(nvidiaGpus('h200'), CUDA_WORKS));
    const text = await registry.metrics();
    const label = '{gpu_uuid="GPU-8f6b2d4e-1c3a-7e9b-5d20-4a6c8e0f1b3d"}';
    expect(samples(text, 'hearth_gpu_utilization_ratio')).toEqual([`hearth_gpu_utilization_ratio${label} 0`]);
    expect(samples(text, 'hearth_gpu_memory_used_bytes')).toEqual([`hearth_gpu_memory_used_bytes${label} 0`]);
    expect(samples(text, 'hearth_gpu_memory_total_bytes')).toEqual([`hearth_gpu_memory_total_bytes${label} ${143771 * 1024 * 1024}`]);
    expect(samples(text, 'hearth_gpu_temperature_celsius')).toEqual([`hearth_gpu_temperature_celsius${label} 31`]);
    expect(samples(text, 'hearth_gpu_power_watts')).toEqual([`hearth_gpu_power_watts${label} 76.42`]);
  });

  it('leaves out readings that are unknown', async () => {
    const { registry } = scrape(snapshotWith(nvidiaGpus('rtx4090'), CUDA_WORKS));
    const text = await registry.metrics();
    expect(samples(text, 'hearth_gpu_power_watts')).toEqual([]);
    expect(samples(text, 'hearth_gpu_utilization_ratio')).toHaveLength(1);
  });

  it('follows the latest snapshot and drops GPUs that are gone', async () => {
    const { registry, monitor } = scrape(snapshotWith(nvidiaGpus('a100x8'), CUDA_WORKS));
    const busy = samples(await registry.metrics(), 'hearth_gpu_utilization_ratio');
    expect(busy).toHaveLength(8);
    expect(busy[2]).toBe('hearth_gpu_utilization_ratio{gpu_uuid="GPU-5d9e2f30-7164-cadb-83e4-f60718293a4b"} 1');
    monitor.current = snapshotWith([], CUDA_WORKS);
    expect(samples(await registry.metrics(), 'hearth_gpu_utilization_ratio')).toEqual([]);
  });

  it('exports nothing before the first sample', async () => {
    const { registry } = scrape(undefined);
    expect(await registry.metrics()).not.toMatch(/^hearth_gpu_\w+\{/m);
  });
});
