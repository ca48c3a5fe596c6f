import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import si, { type Systeminformation } from 'systeminformation';
import { normaliseBusId } from './bus-id.js';
import { mibToBytes } from './readings.js';
import type { CpuInfo, GpuInfo, MemoryInfo } from './types.js';

export type GraphicsController = Systeminformation.GraphicsControllerData;

export async function readCpu(): Promise<CpuInfo> {
  const cpu = await si.cpu();
  return {
    manufacturer: cpu.manufacturer,
    brand: cpu.brand,
    cores: cpu.cores,
    physicalCores: cpu.physicalCores,
    // systeminformation reports 0 when the clock is hidden (most VMs); no CPU runs at 0 GHz.
    speedGHz: cpu.speed > 0 ? cpu.speed : null,
  };
}

export async function readMemory(): Promise<MemoryInfo> {
  const mem = await si.mem();
  return { totalBytes: mem.total, availableBytes: mem.available, usedBytes: mem.total - mem.available };
}

/** Evaluated as CommonJS inside the worker; `workerData` is the resolved path of systeminformation. */
const GRAPHICS_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
require(workerData).graphics().then(
  (data) => parentPort.postMessage({ controllers: data.controllers }),
  (error) => parentPort.postMessage({ error: String(error && error.message ? error.message : error) }),
);
`;

export type GraphicsResult = { controllers: GraphicsController[] } | { error: string };

/**
 * systeminformation's graphics() runs nvidia-smi and dmidecode with execSync on Linux, which
 * would stall the HTTP event loop for as long as a sick driver takes to answer, so it runs in a
 * worker thread that is abandoned after `timeoutMs`.
 */
export function readGraphics({ timeoutMs = 20_000 } = {}): Promise<GraphicsResult> {
  const modulePath = createRequire(import.meta.url).resolve('systeminformation');
  return new Promise((resolve) => {
    const worker = new Worker(GRAPHICS_WORKER, { eval: true, workerData: modulePath });
    const finish = (result: GraphicsResult) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(result);
    };
    const timer = setTimeout(
      () => finish({ error: `systeminformation graphics(): no answer within ${timeoutMs / 1000} s` }),
      timeoutMs,
    );
    worker.once('message', (message: GraphicsResult) => finish(message));
    worker.once('error', (error) => finish({ error: `systeminformation graphics(): ${error.message}` }));
  });
}

function vendorOf(controller: GraphicsController): string {
  const text = `${controller.vendor} ${controller.name ?? ''} ${controller.model}`;
  if (/nvidia/i.test(text)) return 'NVIDIA';
  if (/advanced micro devices|\bamd\b|\bati\b/i.test(text)) return 'AMD';
  if (/intel/i.test(text)) return 'Intel';
  if (/apple/i.test(text)) return 'Apple';
  return controller.vendor.trim() || 'unknown';
}

/**
 * Static facts only: graphics() is read once, so its utilisation, temperature and memory-used
 * figures would be stale by the next poll. Live numbers come from nvidia-smi / rocm-smi.
 */
export function gpusFromControllers(controllers: readonly GraphicsController[]): GpuInfo[] {
  return controllers
    .filter((controller) => controller.vendor.trim() !== '' || controller.model.trim() !== '')
    .map((controller) => {
      const totalMib = controller.memoryTotal ?? (controller.vramDynamic ? null : controller.vram);
      return {
        index: null,
        vendor: vendorOf(controller),
        name: controller.name?.trim() || controller.model.trim() || controller.vendor.trim(),
        uuid: null,
        busId: normaliseBusId(controller.pciBus ?? controller.busAddress),
        driverVersion: controller.driverVersion?.trim() || null,
        cudaVersion: null,
        memoryTotalBytes: totalMib ? mibToBytes(totalMib) : null,
        memoryUsedBytes: null,
        memoryFreeBytes: null,
        utilizationPercent: null,
        temperatureCelsius: null,
        powerWatts: null,
        powerLimitWatts: null,
        sources: ['systeminformation'],
      };
    });
}
