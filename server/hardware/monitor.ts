import { arch, hostname, uptime } from 'node:os';
import { mergeGpus } from './merge-gpus.js';
import { createNvidiaReader } from './nvidia-smi.js';
import { probeProviders } from './probe-providers.js';
import { createRocmReader } from './rocm-smi.js';
import { execFileRunner, rememberMissing, type CommandRunner } from './run-command.js';
import { gpusFromControllers, readCpu, readGraphics, readMemory, type GraphicsResult } from './system-info.js';
import type { CpuInfo, MemoryInfo, ProviderStatus, SystemSnapshot } from './types.js';

export interface HardwareMonitorOptions {
  intervalMs?: number;
  /** Runs nvidia-smi / rocm-smi; tests pass one that replays recorded output. */
  run?: CommandRunner;
  commandTimeoutMs?: number;
  readCpu?: () => Promise<CpuInfo>;
  readMemory?: () => Promise<MemoryInfo>;
  readGraphics?: () => Promise<GraphicsResult>;
  probeProviders?: () => Promise<ProviderStatus[]>;
}

export interface HardwareMonitor {
  /** Takes the first sample (resolving with it), starts the provider probe, then polls every intervalMs. */
  start(): Promise<SystemSnapshot>;
  stop(): void;
  /** The latest sample; undefined before the first one completes. */
  snapshot(): SystemSnapshot | undefined;
  /** Samples now; concurrent calls share one sample. */
  refresh(): Promise<SystemSnapshot>;
  /**
   * The execution-provider probe's result. Snapshots list no providers until it is done, since
   * the probe loads every provider in a child process and can take seconds (TensorRT: longer).
   */
  providers(): Promise<ProviderStatus[]>;
}

export function createHardwareMonitor({
  intervalMs = 5000,
  run = execFileRunner,
  commandTimeoutMs = 10_000,
  readCpu: cpuSource = readCpu,
  readMemory: memorySource = readMemory,
  readGraphics: graphicsSource = readGraphics,
  probeProviders: probe = probeProviders,
}: HardwareMonitorOptions = {}): HardwareMonitor {
  const poll = rememberMissing(run);
  const readNvidia = createNvidiaReader(poll, { timeoutMs: commandTimeoutMs });
  const readRocm = createRocmReader(poll, { timeoutMs: commandTimeoutMs });
  // The CPU model and the list of display controllers do not change while we run; read them once.
  let cpu: Promise<CpuInfo> | undefined;
  let graphics: Promise<GraphicsResult> | undefined;
  let probed: Promise<ProviderStatus[]> | undefined;
  let providerStatus: ProviderStatus[] = [];
  let latest: SystemSnapshot | undefined;
  let inFlight: Promise<SystemSnapshot> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running = false;

  async function sample(): Promise<SystemSnapshot> {
    cpu ??= cpuSource().catch((error: unknown) => {
      cpu = undefined; // try again next poll rather than caching the failure
      throw error;
    });
    graphics ??= graphicsSource();
    const [cpuInfo, memory, graphicsResult, nvidia, rocm] = await Promise.all([
      cpu,
      memorySource(),
      graphics,
      readNvidia(),
      readRocm(),
    ]);
    const controllers = 'controllers' in graphicsResult ? graphicsResult.controllers : [];
    const gpuErrors = [nvidia.error, rocm.error, 'error' in graphicsResult ? graphicsResult.error : null];
    return {
      hostname: hostname(),
      platform: process.platform,
      arch: arch(),
      uptimeSeconds: Math.round(uptime()),
      cpu: cpuInfo,
      memory,
      gpus: mergeGpus([...nvidia.gpus, ...rocm.gpus], gpusFromControllers(controllers)),
      gpuErrors: gpuErrors.filter((error): error is string => error !== null),
      providers: providerStatus,
      sampledAt: new Date().toISOString(),
    };
  }

  function refresh(): Promise<SystemSnapshot> {
    inFlight ??= sample()
      .then((snapshot) => {
        latest = snapshot;
        return snapshot;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  }

  function providers(): Promise<ProviderStatus[]> {
    probed ??= probe()
      .catch((error: unknown): ProviderStatus[] => [
        // Without onnxruntime-node nothing can run, so say so where the admin looks.
        { name: 'cpu', available: false, reason: `the provider probe failed: ${String(error)}` },
      ])
      .then((statuses) => {
        providerStatus = statuses;
        if (latest) latest = { ...latest, providers: statuses };
        return statuses;
      });
    return probed;
  }

  // The next poll is scheduled when this one ends, so a hung tool never stacks up polls.
  function schedule(): void {
    if (!running) return;
    timer = setTimeout(() => {
      refresh()
        .catch(() => undefined) // keep the last good snapshot; the next poll tries again
        .finally(schedule);
    }, intervalMs);
    timer.unref();
  }

  return {
    async start() {
      if (running) return latest ?? refresh();
      running = true;
      void providers();
      try {
        return await refresh();
      } finally {
        schedule();
      }
    },
    stop() {
      running = false;
      clearTimeout(timer);
    },
    snapshot: () => latest,
    refresh,
    providers,
  };
}
