import { choosePlacement, type HardwareMonitor, type PlacementRequest } from '../hardware/index.js';
import type { DeviceBudget } from './device-room.js';
import type { Placement, PlacementResolver } from './models.js';

/**
 * Share of a GPU's memory that Hearth's models may use. The rest stays for the CUDA context,
 * onnxruntime's arena growth during a run, and other processes on the card: a budget of the
 * whole card makes the last load fail inside onnxruntime instead of being refused cleanly.
 */
export const GPU_MEMORY_SHARE = 0.9;

export interface PlacementResolverDeps {
  hardware: Pick<HardwareMonitor, 'snapshot'>;
  /** Device budgets, filled in for each GPU the first time it is seen. */
  budgets: Record<string, DeviceBudget>;
  maxLoadedVersions: number;
  /** A version asked for a device it cannot have and runs on the CPU instead. */
  onFallback: (v: { name: string; version: number; requested: string }, reason: string) => void;
}

/** Where each version runs, from its `placement` setting and what the hardware monitor has found. */
export function createPlacementResolver({ hardware, budgets, maxLoadedVersions, onFallback }: PlacementResolverDeps): PlacementResolver {
  return (v): Placement => {
    const snapshot = hardware.snapshot();
    if (!snapshot) return { provider: 'cpu', reason: 'hardware not detected yet' };
    for (const g of snapshot.gpus) {
      if (g.vendor === 'NVIDIA' && g.index !== null && g.memoryTotalBytes !== null) {
        budgets[`cuda:${g.index}`] ??= { bytes: Math.floor(g.memoryTotalBytes * GPU_MEMORY_SHARE), count: maxLoadedVersions };
      }
    }
    const chosen = choosePlacement({ requested: v.settings.placement as PlacementRequest, modelBytes: v.size, snapshot });
    if ('error' in chosen) {
      onFallback({ name: v.name, version: v.version, requested: v.settings.placement }, chosen.error);
      return { provider: 'cpu', reason: `${v.settings.placement} unavailable (${chosen.error}); running on the CPU` };
    }
    return chosen;
  };
}
