import { describe, expect, it } from 'vitest';
import { createNvidiaReader, parseCudaVersion, parseNvidiaQuery } from '../../../server/hardware/nvidia-smi.js';
import { parseReading } from '../../../server/hardware/readings.js';
import { DETAIL, fixture, HEADER, nvidiaMachine, QUERY, recordedRunner } from './recorded.js';

const MiB = 1024 * 1024;

describe('parseReading', () => {
  it('turns every "could not tell" placeholder into null', () => {
    for (const raw of ['[N/A]', 'N/A', '[Not Supported]', '', '  ', '[Unknown Error]', undefined]) {
      expect(parseReading(raw)).toBeNull();
    }
  });

  it('keeps a reading of 0 as 0', () => {
    expect(parseReading('0')).toBe(0);
    expect(parseReading(' 0.00')).toBe(0);
    expect(parseReading('76.42')).toBe(76.42);
  });
});

describe('parseNvidiaQuery', () => {
  it('reads one H200', () => {
    expect(parseNvidiaQuery(fixture('nvidia-smi/h200.query.csv'))).toEqual([
      {
        index: 0,
        vendor: 'NVIDIA',
        name: 'NVIDIA H200',
        uuid: 'GPU-8f6b2d4e-1c3a-7e9b-5d20-4a6c8e0f1b3d',
        busId: '0000:1b:00.0',
        driverVersion: '570.124.06',
        cudaVersion: null,
        memoryTotalBytes: 143771 * MiB,
        memoryUsedBytes: 0,
        memoryFreeBytes: 143247 * MiB,
        utilizationPercent: 0,
        temperatureCelsius: 31,
        powerWatts: 76.42,
        powerLimitWatts: 700,
        sources: ['nvidia-smi'],
      },
    ]);
  });

  it('reads eight A100s, each once, busy and idle', () => {
    const gpus = parseNvidiaQuery(fixture('nvidia-smi/a100x8.query.csv'));
    expect(gpus.map((gpu) => gpu.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(gpus.map((gpu) => gpu.uuid)).size).toBe(8);
    expect(gpus.map((gpu) => gpu.busId)).toEqual([
      '0000:07:00.0',
      '0000:0f:00.0',
      '0000:47:00.0',
      '0000:4e:00.0',
      '0000:87:00.0',
      '0000:90:00.0',
      '0000:b7:00.0',
      '0000:bd:00.0',
    ]);
    expect(gpus[2]).toMatchObject({ utilizationPercent: 100, memoryUsedBytes: 74112 * MiB, memoryFreeBytes: 7249 * MiB });
    expect(gpus[3]).toMatchObject({ utilizationPercent: 0, memoryUsedBytes: 0, powerWatts: 61.27, temperatureCelsius: 33 });
    expect(gpus.every((gpu) => gpu.name === 'NVIDIA A100-SXM4-80GB' && gpu.memoryTotalBytes === 81920 * MiB)).toBe(true);
  });

  it('reports "[N/A]" and "[Not Supported]" power as unknown, not 0, and 0 % as 0', () => {
    const [gpu] = parseNvidiaQuery(fixture('nvidia-smi/rtx4090.query.csv'));
    expect(gpu).toMatchObject({
      name: 'NVIDIA GeForce RTX 4090',
      powerWatts: null,
      powerLimitWatts: null,
      utilizationPercent: 0,
      temperatureCelsius: 38,
      memoryUsedBytes: 1843 * MiB,
    });
  });

  it('finds no GPU in "No devices were found"', () => {
    expect(parseNvidiaQuery(fixture('nvidia-smi/none.query.txt'))).toEqual([]);
  });
});

describe('parseCudaVersion', () => {
  it('reads the version from the plain nvidia-smi header', () => {
    expect(parseCudaVersion(fixture('nvidia-smi/h200.header.txt'))).toBe('12.8');
    expect(parseCudaVersion(fixture('nvidia-smi/a100x8.header.txt'))).toBe('12.2');
    expect(parseCudaVersion(fixture('nvidia-smi/rtx4090.header.txt'))).toBe('12.6');
  });

  it('reads the version from nvidia-smi -q', () => {
    expect(parseCudaVersion(fixture('nvidia-smi/h200.q.txt'))).toBe('12.8');
  });

  it('gives null where the driver predates the field', () => {
    expect(parseCudaVersion(fixture('nvidia-smi/p100-384.header.txt'))).toBeNull();
    expect(parseCudaVersion(fixture('nvidia-smi/p100-384.q.txt'))).toBeNull();
  });
});

describe('createNvidiaReader', () => {
  it('adds the CUDA version to every GPU and asks for it once per driver', async () => {
    const { run, calls } = recordedRunner(nvidiaMachine('a100x8'));
    const read = createNvidiaReader(run);
    const first = await read();
    const second = await read();
    expect(first.error).toBeNull();
    expect(second.gpus.map((gpu) => gpu.cudaVersion)).toEqual(Array(8).fill('12.2'));
    expect(calls).toEqual([QUERY, HEADER, QUERY]);
  });

  it('falls back to nvidia-smi -q when the header has no CUDA version', async () => {
    const { run, calls } = recordedRunner({
      [QUERY]: { file: 'nvidia-smi/h200.query.csv' },
      [HEADER]: { stdout: 'Failed to initialize NVML: Unknown Error\n', exitCode: 255 },
      [DETAIL]: { file: 'nvidia-smi/h200.q.txt' },
    });
    const { gpus } = await createNvidiaReader(run)();
    expect(gpus[0]?.cudaVersion).toBe('12.8');
    expect(calls).toEqual([QUERY, HEADER, DETAIL]);
  });

  it('leaves the CUDA version unknown on a driver that does not report one', async () => {
    const { run } = recordedRunner({
      [QUERY]: { file: 'nvidia-smi/p100-384.query.csv' },
      [HEADER]: { file: 'nvidia-smi/p100-384.header.txt' },
      [DETAIL]: { file: 'nvidia-smi/p100-384.q.txt' },
    });
    const { gpus, error } = await createNvidiaReader(run)();
    expect(error).toBeNull();
    expect(gpus).toHaveLength(1);
    expect(gpus[0]).toMatchObject({ name: 'Tesla P100-PCIE-16GB', driverVersion: '384.130', cudaVersion: null });
  });

  it('treats a missing nvidia-smi as no NVIDIA GPUs, without an error', async () => {
    const { run } = recordedRunner({});
    expect(await createNvidiaReader(run)()).toEqual({ gpus: [], error: null });
  });

  it('treats "No devices were found" (exit 6) as no GPUs, without an error', async () => {
    const { run } = recordedRunner({ [QUERY]: { file: 'nvidia-smi/none.query.txt', exitCode: 6 } });
    expect(await createNvidiaReader(run)()).toEqual({ gpus: [], error: null });
  });

  it('reports a driver failure as an error string instead of throwing', async () => {
    const { run } = recordedRunner({ [QUERY]: { file: 'nvidia-smi/driver-error.txt', exitCode: 9 } });
    const reading = await createNvidiaReader(run)();
    expect(reading.gpus).toEqual([]);
    expect(reading.error).toBe(
      "nvidia-smi: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. " +
        'Make sure that the latest NVIDIA driver is installed and running. (exit 9)',
    );
  });

  it('keeps the healthy GPUs when one has fallen off the bus', async () => {
    const rows = fixture('nvidia-smi/a100x8.query.csv').split('\n');
    rows[2] = 'Unable to determine the device handle for GPU0000:47:00.0: Unknown Error';
    const { run } = recordedRunner({
      [QUERY]: { stdout: rows.join('\n'), exitCode: 15 },
      [HEADER]: { file: 'nvidia-smi/a100x8.header.txt' },
    });
    const reading = await createNvidiaReader(run)();
    expect(reading.gpus.map((gpu) => gpu.index)).toEqual([0, 1, 3, 4, 5, 6, 7]);
    expect(reading.error).toBe(
      'nvidia-smi: Unable to determine the device handle for GPU0000:47:00.0: Unknown Error (exit 15)',
    );
  });

  it('reports a command that hangs past its timeout', async () => {
    const read = createNvidiaReader(
      async () => ({ kind: 'failed', exitCode: null, signal: 'SIGTERM', timedOut: true, stdout: '', stderr: '' }),
      { timeoutMs: 3000 },
    );
    expect(await read()).toEqual({ gpus: [], error: 'nvidia-smi: no answer within 3 s (killed)' });
  });
});
