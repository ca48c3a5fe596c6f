import type { GpuInfo, ProviderStatus, SystemSnapshot } from './types.js';
import { formatBytes } from './units.js';

export type PlacementRequest = 'auto' | 'cpu' | `cuda:${number}` | 'webgpu' | 'dml' | 'coreml';
export type PlacementProvider = 'cpu' | 'cuda' | 'webgpu' | 'dml' | 'coreml';

export interface Placement {
  provider: PlacementProvider;
  /** CUDA device ordinal (nvidia-smi's index). */
  deviceId?: number;
  reason: string;
}

export type PlacementResult = Placement | { error: string };

export interface PlacementInput {
  requested?: PlacementRequest;
  modelBytes: number;
  snapshot: Pick<SystemSnapshot, 'gpus' | 'providers'>;
}

/** Weights plus activations and the provider's workspace: a rough 2× the file size. */
export function estimateModelMemory(modelBytes: number): number {
  return 2 * modelBytes;
}

/** Why `name` cannot be used, or null when it can. */
function unusable(name: string, providers: readonly ProviderStatus[]): string | null {
  if (providers.length === 0) return 'the execution-provider probe has not finished yet; try again in a few seconds';
  const status = providers.find((provider) => provider.name === name);
  if (!status) return `${name} is not part of this onnxruntime-node build`;
  return status.available ? null : `${name} is not available: ${status.reason ?? 'the probe failed'}`;
}

function cudaDevices(gpus: readonly GpuInfo[]): Array<GpuInfo & { index: number }> {
  return gpus.filter(
    (gpu): gpu is GpuInfo & { index: number } => gpu.vendor === 'NVIDIA' && gpu.index !== null && gpu.sources.includes('nvidia-smi'),
  );
}

function describeFit(gpu: GpuInfo, need: number): string {
  const free = gpu.memoryFreeBytes === null ? 'unknown free memory' : `${formatBytes(gpu.memoryFreeBytes)} free`;
  return `GPU ${gpu.index ?? '?'} (${gpu.name}) has ${free}; the model needs about ${formatBytes(need)}`;
}

function chooseAuto(need: number, snapshot: PlacementInput['snapshot']): Placement {
  // Only CUDA is chosen automatically: it is the one GPU provider whose device we can see
  // (nvidia-smi's free memory). DirectML, CoreML and WebGPU are used when asked for.
  const cudaProblem = unusable('cuda', snapshot.providers);
  if (cudaProblem) return { provider: 'cpu', reason: `no GPU placement: ${cudaProblem}` };
  const devices = cudaDevices(snapshot.gpus);
  if (devices.length === 0) return { provider: 'cpu', reason: 'no GPU placement: nvidia-smi lists no NVIDIA GPU' };
  const fitting = devices
    .filter((gpu) => gpu.memoryFreeBytes !== null && gpu.memoryFreeBytes >= need)
    .sort((a, b) => (b.memoryFreeBytes ?? 0) - (a.memoryFreeBytes ?? 0) || a.index - b.index);
  const best = fitting[0];
  if (best) return { provider: 'cuda', deviceId: best.index, reason: describeFit(best, need) };
  const roomiest = [...devices].sort((a, b) => (b.memoryFreeBytes ?? -1) - (a.memoryFreeBytes ?? -1))[0];
  return {
    provider: 'cpu',
    reason: `the model does not fit on a GPU: ${roomiest ? describeFit(roomiest, need) : 'no GPU reports free memory'}`,
  };
}

function chooseCuda(text: string, need: number, snapshot: PlacementInput['snapshot']): PlacementResult {
  const deviceId = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(deviceId)) {
    return { error: `"cuda:${text}" is not a CUDA device; use cuda:0, cuda:1, …` };
  }
  const problem = unusable('cuda', snapshot.providers);
  if (problem) return { error: problem };
  const devices = cudaDevices(snapshot.gpus);
  // Without nvidia-smi there is nothing to check the ordinal against; onnxruntime will say.
  if (devices.length === 0) return { provider: 'cuda', deviceId, reason: 'requested (nvidia-smi lists no GPUs to check against)' };
  const gpu = devices.find((candidate) => candidate.index === deviceId);
  if (!gpu) {
    const known = devices.map((candidate) => candidate.index).join(', ');
    return { error: `there is no CUDA device ${deviceId}; this machine has ${known}` };
  }
  const tight = gpu.memoryFreeBytes !== null && gpu.memoryFreeBytes < need;
  return { provider: 'cuda', deviceId, reason: `requested; ${describeFit(gpu, need)}${tight ? ' (it may not fit)' : ''}` };
}

/** Picks where a model runs. An explicit request for a provider that does not work is an error. */
export function choosePlacement({ requested = 'auto', modelBytes, snapshot }: PlacementInput): PlacementResult {
  const need = estimateModelMemory(modelBytes);
  if (requested === 'auto') return chooseAuto(need, snapshot);
  if (requested.startsWith('cuda:')) return chooseCuda(requested.slice('cuda:'.length), need, snapshot);
  if (requested === 'cpu') {
    // onnxruntime always has its CPU provider; only a finished probe that says otherwise stops it.
    const cpu = snapshot.providers.find((provider) => provider.name === 'cpu');
    if (cpu && !cpu.available) return { error: `cpu is not available: ${cpu.reason ?? 'the probe failed'}` };
    return { provider: 'cpu', reason: 'requested' };
  }
  if (requested === 'webgpu' || requested === 'dml' || requested === 'coreml') {
    const problem = unusable(requested, snapshot.providers);
    return problem ? { error: problem } : { provider: requested, reason: 'requested' };
  }
  return { error: `unknown placement "${String(requested)}"; use auto, cpu, cuda:N, webgpu, dml or coreml` };
}
