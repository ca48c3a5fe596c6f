// What the rest of the server uses from hardware detection.
export {
  GpuInfoSchema,
  ProviderStatusSchema,
  SystemSnapshotSchema,
  type CpuInfo,
  type GpuInfo,
  type GpuSource,
  type MemoryInfo,
  type ProviderStatus,
  type SystemSnapshot,
} from './types.js';
export { createHardwareMonitor, type HardwareMonitor, type HardwareMonitorOptions } from './monitor.js';
export { execFileRunner, type CommandResult, type CommandRunner } from './run-command.js';
export { formatSystem } from './format.js';
export { registerGpuMetrics } from './metrics.js';
export {
  choosePlacement,
  estimateModelMemory,
  type Placement,
  type PlacementProvider,
  type PlacementRequest,
  type PlacementResult,
} from './placement.js';
export { GPU_INSTALL_HINT, probeProvider, probeProviders } from './probe-providers.js';
