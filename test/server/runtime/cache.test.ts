import { describe, expect, it } from 'vitest';
import { splitBatch } from '../../../server/protocol/batch.js';
import { ResponseCache } from '../../../server/runtime/cache.js';
import type { Tensor } from '../../../server/protocol/tensor.js';

describe('the response cache', () => {
  it('keeps no more memory than its budget when outputs are views into a batch', () => {
    const cache = new ResponseCache(50_000);
    for (let batch = 0; batch < 4; batch++) {
      // One execution of 64 rows of 1,000 floats, split per caller as the scheduler does: views into one buffer.
      const joined: Tensor = { name: 'y', datatype: 'FP32', shape: [64, 1000], data: new Float32Array(64 * 1000).fill(batch) };
      const parts = splitBatch([joined], Array(64).fill(1));
      parts.forEach((outputs, row) => cache.set(`b${batch}-r${row}`, outputs));
    }
    expect(cache.size.bytes).toBeLessThanOrEqual(50_000);
    expect(cache.retainedBytes()).toBeLessThanOrEqual(50_000);
    expect(cache.size.entries).toBe(12);
    // What it keeps is still the caller's own row.
    expect(Array.from((cache.get('b3-r63')?.[0].data as Float32Array).subarray(0, 3))).toEqual([3, 3, 3]);
    expect(cache.get('b0-r0')).toBeUndefined();
  });
});
