import { describe, expect, it } from 'vitest';
import { mergeGpus } from '../../../server/hardware/merge-gpus.js';
import { parseNvidiaQuery } from '../../../server/hardware/nvidia-smi.js';
import { parseRocmSmi } from '../../../server/hardware/rocm-smi.js';
import { gpusFromControllers } from '../../../server/hardware/system-info.js';
import { fixture, graphicsFixture } from './recorded.js';

const MiB = 1024 * 1024;

async function siGpus(name: string) {
  const result = await graphicsFixture(name)();
  if (!('controllers' in result)) throw new Error(result.error);
  return gpusFromControllers(result.controllers);
}

describe('gpusFromControllers', () => {
  it('keeps static facts and drops the stale live readings', async () => {
    const [aspeed, h200] = await siGpus('h200');
    expect(aspeed).toMatchObject({ vendor: 'ASPEED Technology, Inc.', name: 'ASPEED Graphics Family', busId: '0000:03:00.0' });
    expect(h200).toEqual({
      index: null,
      vendor: 'NVIDIA',
      name: 'NVIDIA H200',
      uuid: null,
      busId: '0000:1b:00.0',
      driverVersion: '570.124.06',
      cudaVersion: null,
      memoryTotalBytes: 143771 * MiB,
      memoryUsedBytes: null,
      memoryFreeBytes: null,
      utilizationPercent: null,
      temperatureCelsius: null,
      powerWatts: null,
      powerLimitWatts: null,
      sources: ['systeminformation'],
    });
  });

  it('does not count shared memory as an iGPU\'s own', async () => {
    const [intel] = await siGpus('rtx4090');
    expect(intel).toMatchObject({ vendor: 'Intel', busId: '0000:00:02.0', memoryTotalBytes: null });
  });
});

describe('mergeGpus', () => {
  it('lists the H200 once, with nvidia-smi numbers, beside the BMC display controller', async () => {
    const nvidia = parseNvidiaQuery(fixture('nvidia-smi/h200.query.csv'));
    const gpus = mergeGpus(nvidia, await siGpus('h200'));
    expect(gpus).toHaveLength(2);
    expect(gpus[0]).toMatchObject({
      name: 'NVIDIA H200',
      uuid: 'GPU-8f6b2d4e-1c3a-7e9b-5d20-4a6c8e0f1b3d',
      utilizationPercent: 0,
      memoryUsedBytes: 0,
      powerWatts: 76.42,
      sources: ['nvidia-smi', 'systeminformation'],
    });
    expect(gpus[1]?.vendor).toBe('ASPEED Technology, Inc.');
  });

  it('uses nvidia-smi alone where lspci is missing and systeminformation finds nothing', async () => {
    const nvidia = parseNvidiaQuery(fixture('nvidia-smi/a100x8.query.csv'));
    const gpus = mergeGpus(nvidia, await siGpus('no-lspci'));
    expect(gpus).toEqual(nvidia);
  });

  it('keeps an unknown power reading unknown even when systeminformation saw the card', async () => {
    const nvidia = parseNvidiaQuery(fixture('nvidia-smi/rtx4090.query.csv'));
    const gpus = mergeGpus(nvidia, await siGpus('rtx4090'));
    expect(gpus.map((gpu) => gpu.name)).toEqual(['NVIDIA GeForce RTX 4090', 'Raptor Lake-S GT1 [UHD Graphics 770]']);
    expect(gpus[0]).toMatchObject({ powerWatts: null, utilizationPercent: 0 });
  });

  it('fills what the vendor tool left unknown from systeminformation', () => {
    const [amd] = parseRocmSmi('{"card0": {"Card Series": "AMD Instinct MI300X", "PCI Bus": "0000:05:00.0"}}');
    const [seen] = gpusFromControllers([
      {
        vendor: 'Advanced Micro Devices, Inc. [AMD/ATI]',
        model: 'Aqua Vanjaram [Instinct MI300X]',
        bus: 'Onboard',
        busAddress: '05:00.0',
        vram: 196592,
        vramDynamic: false,
      },
    ]);
    if (!amd || !seen) throw new Error('fixture did not parse');
    const merged = mergeGpus([amd], [seen]);
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({ name: 'AMD Instinct MI300X', memoryTotalBytes: 196592 * MiB, index: 0 });
  });

  it('matches a controller without a bus id to an unclaimed GPU of its vendor instead of adding it', () => {
    const nvidia = parseNvidiaQuery(fixture('nvidia-smi/rtx4090.query.csv'));
    const [noBus] = gpusFromControllers([
      { vendor: 'NVIDIA', model: 'NVIDIA GeForce RTX 4090', bus: 'PCI', vram: 24564, vramDynamic: false },
    ]);
    if (!noBus) throw new Error('fixture did not parse');
    expect(mergeGpus(nvidia, [noBus])).toHaveLength(1);
  });

  it('keeps two GPUs apart when their bus ids differ', () => {
    const nvidia = parseNvidiaQuery(fixture('nvidia-smi/h200.query.csv'));
    const [other] = gpusFromControllers([
      { vendor: 'NVIDIA Corporation', model: 'GH100 [H200 SXM 141GB]', bus: 'Onboard', busAddress: '2a:00.0', vram: null, vramDynamic: false },
    ]);
    if (!other) throw new Error('fixture did not parse');
    expect(mergeGpus(nvidia, [other]).map((gpu) => gpu.busId)).toEqual(['0000:1b:00.0', '0000:2a:00.0']);
  });
});
