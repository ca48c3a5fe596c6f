import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { SeriesHistogram } from '../../../server/observability/series-histogram.js';

describe('SeriesHistogram', () => {
  it('exports the same text as prom-client\'s histogram for the same observations', async () => {
    const bounds = [0.001, 0.01, 0.1, 1];
    const theirs = new Registry();
    const ours = new Registry();
    const reference = new Histogram({ name: 'h_seconds', help: 'A histogram.', labelNames: ['model', 'version'], buckets: bounds, registers: [theirs] });
    const fast = new SeriesHistogram('h_seconds', 'A histogram.', bounds, [ours]);
    const values = [0, 0.001, 0.0011, 0.01, 0.5, 1, 3, 1e9];
    for (const [model, version] of [['iris', '1'], ['iris', '2'], ['a "quoted"\nname', '7']]) {
      const child = fast.child({ model, version });
      const bound = reference.labels({ model, version });
      for (const v of values) {
        child.observe(v);
        bound.observe(v);
      }
    }
    // A series looked up but never observed is not exported, as with prom-client.
    fast.child({ model: 'idle', version: '1' });
    reference.labels({ model: 'idle', version: '1' });
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toContain('h_seconds_bucket{le="0.001",model="iris",version="1"} 2');
  });
});
