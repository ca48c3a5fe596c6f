import { Value } from '@sinclair/typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import { createHardwareMonitor, type HardwareMonitor, type HardwareMonitorOptions } from '../../../server/hardware/monitor.js';
import type { CommandRunner } from '../../../server/hardware/run-command.js';
import { SystemSnapshotSchema, type ProviderStatus } from '../../../server/hardware/types.js';
import { graphicsFixture, nvidiaMachine, QUERY, recordedRunner, ROCM } from './recorded.js';

const CPU_ONLY: ProviderStatus[] = [
  { name: 'cpu', available: true },
  { name: 'cuda', available: false, reason: 'libonnxruntime_providers_cuda.so not found' },
];

let monitor: HardwareMonitor | undefined;
afterEach(() => monitor?.stop());

function create(options: HardwareMonitorOptions): HardwareMonitor {
  monitor = createHardwareMonitor({ probeProviders: async () => CPU_ONLY, ...options });
  return monitor;
}

describe('createHardwareMonitor', () => {
  it('samples host, CPU, memory and the H200, merged with systeminformation', async () => {
    const { run } = recordedRunner(nvidiaMachine('h200'));
    const snapshot = await create({ run, readGraphics: graphicsFixture('h200') }).start();
    expect(snapshot.cpu.cores).toBeGreaterThan(0);
    expect(snapshot.memory.totalBytes).toBeGreaterThan(0);
    expect(snapshot.gpus.map((gpu) => [gpu.name, gpu.cudaVersion, gpu.sources])).toEqual([
      ['NVIDIA H200', '12.8', ['nvidia-smi', 'systeminformation']],
      ['ASPEED Graphics Family', null, ['systeminformation']],
    ]);
    expect(snapshot.gpuErrors).toEqual([]);
    expect(Date.parse(snapshot.sampledAt)).not.toBeNaN();
    expect(monitor?.snapshot()).toBe(snapshot);
  });

  it('finds no GPU and no error on a machine without GPU tools or lspci', async () => {
    const { run, calls } = recordedRunner({});
    const snapshot = await create({ run, readGraphics: graphicsFixture('no-lspci') }).start();
    expect(snapshot.gpus).toEqual([]);
    expect(snapshot.gpuErrors).toEqual([]);
    expect(calls).toEqual([QUERY, ROCM]);
  });

  it('surfaces a driver failure in the snapshot, keeping the GPU that lspci saw', async () => {
    const { run } = recordedRunner({ [QUERY]: { file: 'nvidia-smi/driver-error.txt', exitCode: 9 } });
    const snapshot = await create({ run, readGraphics: graphicsFixture('h200') }).start();
    expect(snapshot.gpuErrors).toEqual([
      "nvidia-smi: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. " +
        'Make sure that the latest NVIDIA driver is installed and running. (exit 9)',
    ]);
    expect(snapshot.gpus.find((gpu) => gpu.vendor === 'NVIDIA')).toMatchObject({
      name: 'NVIDIA H200',
      utilizationPercent: null,
      sources: ['systeminformation'],
    });
  });

  it('lists AMD GPUs from rocm-smi', async () => {
    const { run } = recordedRunner({
      [ROCM]: { file: 'rocm-smi/mi210x2.json' },
    });
    const snapshot = await create({ run, readGraphics: graphicsFixture('no-lspci') }).start();
    expect(snapshot.gpus.map((gpu) => `${gpu.vendor} ${gpu.name} ${gpu.busId}`)).toEqual([
      'AMD AMD Instinct MI210 0000:c1:00.0',
      'AMD AMD Instinct MI210 0000:c5:00.0',
    ]);
  });

  it('adds the provider probe result once it is done', async () => {
    let finish: (statuses: ProviderStatus[]) => void = () => undefined;
    const probe = new Promise<ProviderStatus[]>((resolve) => {
      finish = resolve;
    });
    const { run } = recordedRunner({});
    const hardware = create({ run, readGraphics: graphicsFixture('no-lspci'), probeProviders: () => probe });
    const first = await hardware.start();
    expect(first.providers).toEqual([]);
    finish(CPU_ONLY);
    expect(await hardware.providers()).toEqual(CPU_ONLY);
    expect(hardware.snapshot()?.providers).toEqual(CPU_ONLY);
    expect((await hardware.refresh()).providers).toEqual(CPU_ONLY);
  });

  it('polls again after intervalMs and stops when told', async () => {
    let polls = 0;
    const { run: replay } = recordedRunner(nvidiaMachine('a100x8'));
    let polled: () => void = () => undefined;
    const run: CommandRunner = async (file, args, options) => {
      if (args[0]?.startsWith('--query-gpu')) {
        polls += 1;
        polled();
      }
      return replay(file, args, options);
    };
    const hardware = create({ run, intervalMs: 20, readGraphics: graphicsFixture('no-lspci') });
    await hardware.start();
    await new Promise<void>((resolve) => {
      polled = () => {
        if (polls >= 3) resolve();
      };
    });
    hardware.stop();
    const stoppedAt = polls;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(polls).toBe(stoppedAt);
    expect(hardware.snapshot()?.gpus).toHaveLength(8);
  });

  it('shares one sample between concurrent refreshes', async () => {
    const { run, calls } = recordedRunner(nvidiaMachine('h200'));
    const hardware = create({ run, readGraphics: graphicsFixture('no-lspci') });
    const [a, b] = await Promise.all([hardware.refresh(), hardware.refresh()]);
    expect(a).toBe(b);
    expect(calls.filter((call) => call === QUERY)).toHaveLength(1);
  });

  it('reports a failed provider probe where the admin looks', async () => {
    const { run } = recordedRunner({});
    const hardware = create({
      run,
      readGraphics: graphicsFixture('no-lspci'),
      probeProviders: async () => {
        throw new Error('Cannot find module onnxruntime_binding.node');
      },
    });
    expect(await hardware.providers()).toEqual([
      {
        name: 'cpu',
        available: false,
        reason: 'the provider probe failed: Error: Cannot find module onnxruntime_binding.node',
      },
    ]);
  });

  it('takes a real snapshot of this machine that matches the published schema', async () => {
    monitor = createHardwareMonitor();
    await monitor.start();
    const providers = await monitor.providers();
    const snapshot = monitor.snapshot();
    expect(providers.find((provider) => provider.name === 'cpu')?.available).toBe(true);
    expect(snapshot?.providers).toEqual(providers);
    expect([...Value.Errors(SystemSnapshotSchema, snapshot)]).toEqual([]);
  });

  it('produces fixture snapshots that match the published schema too', async () => {
    const { run } = recordedRunner(nvidiaMachine('rtx4090'));
    const snapshot = await create({ run, readGraphics: graphicsFixture('rtx4090') }).start();
    expect(Value.Check(SystemSnapshotSchema, snapshot)).toBe(true);
    expect(Value.Check(SystemSnapshotSchema, { ...snapshot, gpus: [{ ...snapshot.gpus[0], powerWatts: 'N/A' }] })).toBe(false);
  });
});
