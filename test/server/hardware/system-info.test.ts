import { cpus, totalmem } from 'node:os';
import { describe, expect, it } from 'vitest';
import { readCpu, readGraphics, readMemory } from '../../../server/hardware/system-info.js';

// The real systeminformation on this machine, checked against what Node itself reports.
describe('system-info on this machine', () => {
  it('reads the CPU', async () => {
    const cpu = await readCpu();
    expect(cpu.cores).toBe(cpus().length);
    expect(cpu.physicalCores).toBeGreaterThan(0);
    expect(cpu.speedGHz === null || cpu.speedGHz > 0).toBe(true);
  });

  it('reads memory', async () => {
    const memory = await readMemory();
    expect(memory.totalBytes).toBe(totalmem());
    expect(memory.availableBytes).toBeGreaterThan(0);
    expect(memory.usedBytes).toBe(memory.totalBytes - memory.availableBytes);
  });

  it('reads display controllers in a worker thread', async () => {
    const result = await readGraphics();
    expect('controllers' in result && Array.isArray(result.controllers)).toBe(true);
  });

  it('gives up on a graphics read that takes too long, without throwing', async () => {
    expect(await readGraphics({ timeoutMs: 1 })).toEqual({
      error: 'systeminformation graphics(): no answer within 0.001 s',
    });
  });
});
