// The shapes of a hardware snapshot, as TypeBox schemas so GET /admin/v1/system can use them for
// response serialisation and the OpenAPI document; the TypeScript types are derived from them.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const GpuSourceSchema = Type.Union([
  Type.Literal('nvidia-smi'),
  Type.Literal('rocm-smi'),
  Type.Literal('systeminformation'),
]);
/** Where a GPU's facts came from; a merged GPU lists every source that saw it. */
export type GpuSource = Static<typeof GpuSourceSchema>;

/**
 * One GPU. Every reading is null when the tool could not tell (e.g. nvidia-smi's "[N/A]");
 * a reading of 0 is a real 0.
 */
export const GpuInfoSchema = Type.Object({
  index: Nullable(Type.Integer({ description: "Vendor tool's device index; null when only systeminformation saw it" })),
  vendor: Type.String({ description: '"NVIDIA", "AMD", "Intel", or the vendor string as reported' }),
  name: Type.String(),
  uuid: Nullable(Type.String()),
  busId: Nullable(Type.String({ description: 'PCI address, dddd:bb:dd.f, lower case' })),
  driverVersion: Nullable(Type.String()),
  cudaVersion: Nullable(Type.String({ description: 'Highest CUDA version the NVIDIA driver supports' })),
  memoryTotalBytes: Nullable(Type.Number()),
  memoryUsedBytes: Nullable(Type.Number()),
  memoryFreeBytes: Nullable(Type.Number()),
  utilizationPercent: Nullable(Type.Number({ description: '0 to 100' })),
  temperatureCelsius: Nullable(Type.Number()),
  powerWatts: Nullable(Type.Number()),
  powerLimitWatts: Nullable(Type.Number()),
  sources: Type.Array(GpuSourceSchema),
});
export type GpuInfo = Static<typeof GpuInfoSchema>;

export const ProviderStatusSchema = Type.Object({
  name: Type.String({ description: "onnxruntime-node's execution provider name: cpu, cuda, webgpu, …" }),
  available: Type.Boolean(),
  reason: Type.Optional(Type.String({ description: 'Why it is not available, in words an admin can act on' })),
});
export type ProviderStatus = Static<typeof ProviderStatusSchema>;

export const CpuInfoSchema = Type.Object({
  manufacturer: Type.String(),
  brand: Type.String(),
  cores: Type.Integer({ description: 'Logical processors' }),
  physicalCores: Type.Integer(),
  speedGHz: Nullable(Type.Number({ description: 'Null where the platform hides it (most VMs)' })),
});
export type CpuInfo = Static<typeof CpuInfoSchema>;

export const MemoryInfoSchema = Type.Object({
  totalBytes: Type.Number(),
  availableBytes: Type.Number({ description: 'What new processes can still get, page cache included' }),
  usedBytes: Type.Number(),
});
export type MemoryInfo = Static<typeof MemoryInfoSchema>;

export const SystemSnapshotSchema = Type.Object({
  hostname: Type.String(),
  platform: Type.String(),
  arch: Type.String(),
  uptimeSeconds: Type.Number(),
  cpu: CpuInfoSchema,
  memory: MemoryInfoSchema,
  gpus: Type.Array(GpuInfoSchema),
  gpuErrors: Type.Array(Type.String(), {
    description: 'GPU tools that are installed but failed, e.g. "nvidia-smi: NVIDIA-SMI has failed … (exit 9)"',
  }),
  providers: Type.Array(ProviderStatusSchema, { description: 'Empty until the provider probe has finished' }),
  sampledAt: Type.String({ description: 'ISO 8601 time of the sample' }),
});
export type SystemSnapshot = Static<typeof SystemSnapshotSchema>;
