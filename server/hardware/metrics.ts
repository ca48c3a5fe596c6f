import { Gauge, type Registry } from 'prom-client';
import type { GpuInfo } from './types.js';

interface SnapshotSource {
  snapshot(): { gpus: GpuInfo[] } | undefined;
}

/** GPUs without a UUID (some AMD cards, systeminformation-only entries) are labelled by bus id. */
function gpuLabel(gpu: GpuInfo): string | null {
  return gpu.uuid ?? (gpu.busId === null ? null : `pci-${gpu.busId}`);
}

function gpuGauge(registry: Registry, monitor: SnapshotSource, name: string, help: string, read: (gpu: GpuInfo) => number | null) {
  return new Gauge({
    name,
    help,
    labelNames: ['gpu_uuid'],
    registers: [registry],
    collect() {
      // Reset first so a GPU that vanished, or a reading that became unknown, is not exported stale.
      this.reset();
      for (const gpu of monitor.snapshot()?.gpus ?? []) {
        const label = gpuLabel(gpu);
        const value = read(gpu);
        if (label !== null && value !== null) this.set({ gpu_uuid: label }, value);
      }
    },
  });
}

/** Registers the hearth_gpu_* gauges; each scrape reads the monitor's latest snapshot. */
export function registerGpuMetrics(registry: Registry, monitor: SnapshotSource): void {
  gpuGauge(registry, monitor, 'hearth_gpu_utilization_ratio', 'GPU utilisation, 0 to 1.', (gpu) =>
    gpu.utilizationPercent === null ? null : gpu.utilizationPercent / 100,
  );
  gpuGauge(registry, monitor, 'hearth_gpu_memory_used_bytes', 'GPU memory in use, bytes.', (gpu) => gpu.memoryUsedBytes);
  gpuGauge(registry, monitor, 'hearth_gpu_memory_total_bytes', 'GPU memory in total, bytes.', (gpu) => gpu.memoryTotalBytes);
  gpuGauge(registry, monitor, 'hearth_gpu_temperature_celsius', 'GPU temperature, degrees Celsius.', (gpu) => gpu.temperatureCelsius);
  gpuGauge(registry, monitor, 'hearth_gpu_power_watts', 'GPU power draw, watts.', (gpu) => gpu.powerWatts);
}
