import type { GpuInfo } from './types.js';

type Reading = Exclude<keyof GpuInfo, 'sources'>;

/** The vendor tool's value wins; systeminformation only fills what the tool left unknown. */
function combine(primary: GpuInfo, extra: GpuInfo): GpuInfo {
  const merged: GpuInfo = { ...primary, sources: [...new Set([...primary.sources, ...extra.sources])] };
  const keys = Object.keys(primary).filter((key): key is Reading => key !== 'sources');
  for (const key of keys) {
    if (merged[key] === null) Object.assign(merged, { [key]: extra[key] });
  }
  return merged;
}

function sameGpu(a: GpuInfo, b: GpuInfo): boolean {
  if (a.busId !== null && b.busId !== null) return a.busId === b.busId;
  if (a.uuid !== null && b.uuid !== null) return a.uuid === b.uuid;
  return false;
}

/**
 * One entry per physical GPU: vendor-tool GPUs (nvidia-smi, rocm-smi) matched with
 * systeminformation's controllers by bus id, else UUID. A controller with neither is matched
 * to an unclaimed GPU of the same vendor, so the same card is never listed twice.
 */
export function mergeGpus(vendorGpus: readonly GpuInfo[], siGpus: readonly GpuInfo[]): GpuInfo[] {
  const merged = [...vendorGpus];
  const claimed = new Set<number>();
  const unmatched: GpuInfo[] = [];
  for (const gpu of siGpus) {
    let at = merged.findIndex((candidate, i) => !claimed.has(i) && sameGpu(candidate, gpu));
    if (at === -1 && gpu.busId === null && gpu.uuid === null) {
      at = merged.findIndex((candidate, i) => !claimed.has(i) && candidate.vendor === gpu.vendor);
    }
    const match = merged[at];
    if (match === undefined) {
      unmatched.push(gpu);
      continue;
    }
    claimed.add(at);
    merged[at] = combine(match, gpu);
  }
  return [...merged, ...unmatched];
}
