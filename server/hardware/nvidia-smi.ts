import { normaliseBusId } from './bus-id.js';
import { mibToBytes, parseReading, parseText } from './readings.js';
import { describeFailure, type CommandRunner } from './run-command.js';
import type { GpuInfo } from './types.js';

const QUERY_FIELDS = [
  'index',
  'uuid',
  'name',
  'pci.bus_id',
  'driver_version',
  'memory.total',
  'memory.used',
  'memory.free',
  'utilization.gpu',
  'temperature.gpu',
  'power.draw',
  'power.limit',
] as const;

export const NVIDIA_QUERY_ARGS = [`--query-gpu=${QUERY_FIELDS.join(',')}`, '--format=csv,noheader,nounits'] as const;

/** What one read of the NVIDIA tools found: GPUs, or why the tool failed. */
export interface GpuReading {
  gpus: GpuInfo[];
  error: string | null;
}

/** Parses `nvidia-smi --query-gpu=… --format=csv,noheader,nounits` (fields as in NVIDIA_QUERY_ARGS). */
export function parseNvidiaQuery(stdout: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const cells = line.split(',').map((cell) => cell.trim());
    if (cells.length !== QUERY_FIELDS.length) continue;
    const [index, uuid, name, busId, driver, total, used, free, util, temp, power, limit] = cells;
    const parsedIndex = parseReading(index);
    if (parsedIndex === null) continue;
    gpus.push({
      index: parsedIndex,
      vendor: 'NVIDIA',
      name: parseText(name) ?? 'NVIDIA GPU',
      uuid: parseText(uuid),
      busId: normaliseBusId(busId),
      driverVersion: parseText(driver),
      cudaVersion: null,
      memoryTotalBytes: mibToBytes(parseReading(total)),
      memoryUsedBytes: mibToBytes(parseReading(used)),
      memoryFreeBytes: mibToBytes(parseReading(free)),
      utilizationPercent: parseReading(util),
      temperatureCelsius: parseReading(temp),
      powerWatts: parseReading(power),
      powerLimitWatts: parseReading(limit),
      sources: ['nvidia-smi'],
    });
  }
  return gpus;
}

function withoutQueryRows(stdout: string): string {
  return stdout
    .split(/\r?\n/)
    .filter((line) => parseNvidiaQuery(line).length === 0)
    .join('\n');
}

/** Reads "CUDA Version: 12.8" from plain `nvidia-smi` or "CUDA Version : 12.8" from `nvidia-smi -q`. */
export function parseCudaVersion(text: string): string | null {
  const match = /CUDA Version\s*:\s*(\d+(?:\.\d+)+)/.exec(text);
  return match?.[1] ?? null;
}

/** A machine with the driver but no NVIDIA GPU: nvidia-smi says so and exits 6. */
function saysNoDevices(text: string): boolean {
  return /No devices were found/i.test(text);
}

/**
 * Polls nvidia-smi. The CUDA version costs two extra runs, so it is asked for once per
 * driver version rather than on every poll.
 */
export function createNvidiaReader(run: CommandRunner, { timeoutMs = 10_000 } = {}) {
  let cudaFor: { driver: string | null; version: string | null } | null = null;

  async function cudaVersion(driver: string | null): Promise<string | null> {
    if (cudaFor && cudaFor.driver === driver) return cudaFor.version;
    let version: string | null = null;
    const header = await run('nvidia-smi', [], { timeoutMs });
    if (header.kind === 'ok') version = parseCudaVersion(header.stdout);
    if (version === null) {
      const detail = await run('nvidia-smi', ['-q'], { timeoutMs });
      if (detail.kind === 'ok') version = parseCudaVersion(detail.stdout);
    }
    cudaFor = { driver, version };
    return version;
  }

  async function withCuda(gpus: GpuInfo[]): Promise<GpuInfo[]> {
    if (gpus.length === 0) return gpus;
    const version = await cudaVersion(gpus[0]?.driverVersion ?? null);
    return gpus.map((gpu) => ({ ...gpu, cudaVersion: version }));
  }

  return async function readNvidia(): Promise<GpuReading> {
    const result = await run('nvidia-smi', NVIDIA_QUERY_ARGS, { timeoutMs });
    if (result.kind === 'missing') return { gpus: [], error: null };
    if (result.kind === 'failed') {
      if (!result.timedOut && saysNoDevices(result.stdout + result.stderr)) return { gpus: [], error: null };
      // One GPU in a bad state ("Unable to determine the device handle for GPU…") fails the
      // command, yet the healthy GPUs are still listed on stdout.
      const complaint = { ...result, stdout: withoutQueryRows(result.stdout) };
      const error = describeFailure('nvidia-smi', complaint, timeoutMs);
      return { gpus: await withCuda(parseNvidiaQuery(result.stdout)), error };
    }
    const gpus = parseNvidiaQuery(result.stdout);
    if (gpus.length === 0 && result.stdout.trim() !== '' && !saysNoDevices(result.stdout)) {
      return { gpus, error: `nvidia-smi: unexpected output: ${result.stdout.trim().slice(0, 200)}` };
    }
    return { gpus: await withCuda(gpus), error: null };
  };
}
