import { describe, expect, it } from 'vitest';
import { createRocmReader, parseRocmSmi } from '../../../server/hardware/rocm-smi.js';
import { fixture, recordedRunner, ROCM } from './recorded.js';

describe('parseRocmSmi', () => {
  it('reads two MI210s with bus id, memory, use, temperature and power', () => {
    const gpus = parseRocmSmi(fixture('rocm-smi/mi210x2.json'));
    expect(gpus).toEqual([
      {
        index: 0,
        vendor: 'AMD',
        name: 'AMD Instinct MI210',
        uuid: '0x8b5e3a1c27d64f09',
        busId: '0000:c1:00.0',
        driverVersion: '6.8.5',
        cudaVersion: null,
        memoryTotalBytes: 68702699520,
        memoryUsedBytes: 10960896,
        memoryFreeBytes: 68702699520 - 10960896,
        utilizationPercent: 0,
        temperatureCelsius: 39,
        powerWatts: 43,
        powerLimitWatts: null,
        sources: ['rocm-smi'],
      },
      expect.objectContaining({ index: 1, busId: '0000:c5:00.0', utilizationPercent: 87, powerWatts: null }),
    ]);
  });

  it('accepts older key spelling and a warning line before the JSON', () => {
    const output =
      'WARNING: AMD GPU device(s) is/are in a low-power state. Check power control/runtime_status\n' +
      '{"card0": {"Card series": "Navi 31 [Radeon RX 7900 XTX]", "GPU use (%)": "0", "Temperature (Sensor junction) (C)": "44.0"}}';
    expect(parseRocmSmi(output)).toEqual([
      expect.objectContaining({ name: 'AMD Radeon RX 7900 XTX', utilizationPercent: 0, temperatureCelsius: 44 }),
    ]);
  });
});

describe('createRocmReader', () => {
  it('finds no AMD GPU and no error where rocm-smi is not installed', async () => {
    expect(await createRocmReader(recordedRunner({}).run)()).toEqual({ gpus: [], error: null });
  });

  it('reports a failing rocm-smi as an error string', async () => {
    const { run } = recordedRunner({
      [ROCM]: { stdout: 'ERROR:root:Driver not initialized (amdgpu not found in modules)\n', exitCode: 1 },
    });
    expect(await createRocmReader(run)()).toEqual({
      gpus: [],
      error: 'rocm-smi: ERROR:root:Driver not initialized (amdgpu not found in modules) (exit 1)',
    });
  });

  it('reports output that is not JSON as an error', async () => {
    const { run } = recordedRunner({ [ROCM]: { stdout: 'usage: rocm-smi [-h]\n' } });
    expect((await createRocmReader(run)()).error).toBe('rocm-smi: output is not JSON: usage: rocm-smi [-h]');
  });
});
