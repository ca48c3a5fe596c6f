import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { committedRuns, seqInRuns } from '../../../server/usage/log-messages.js';

describe('committed runs', () => {
  it('say each entry’s seq, as the pairs they replace did', () => {
    // Entries in order, some committed before (seq 0), numbers and seqs with gaps.
    const step = fc.record({ jGap: fc.integer({ min: 1, max: 3 }), seqGap: fc.integer({ min: 1, max: 3 }), before: fc.boolean() });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 1e6 }), (steps, start) => {
        const js: number[] = [];
        const seqs: number[] = [];
        let j = start;
        let seq = start * 2;
        for (const s of steps) {
          j += s.jGap;
          seq += s.seqGap;
          js.push(j);
          seqs.push(s.before ? 0 : seq);
        }
        const runs = committedRuns(js, seqs);
        js.forEach((entry, i) => expect(seqInRuns(runs, entry)).toBe(seqs[i]));
        expect(seqInRuns(runs, start)).toBeUndefined();
        expect(seqInRuns(runs, j + 1)).toBeUndefined();
        expect(runs.reduce((n, r) => n + r[2], 0)).toBe(js.length);
      }),
    );
  });

  it('are one run for a batch committed in one go', () => {
    expect(committedRuns([5, 6, 7, 8], [100, 101, 102, 103])).toEqual([[5, 100, 4]]);
    expect(committedRuns([5, 6, 7, 8], [0, 0, 40, 41])).toEqual([[5, 0, 2], [7, 40, 2]]);
  });
});
