// Whether Hearth's resident memory stays flat as requests add up: a leak per request shows as
// growth between the first and the last reading.
import { jsonInferRequest, withApiKey } from './bodies.js';
import type { Hearth } from './hearth.js';
import type { LoadGenerator } from './load-client.js';

export interface MemoryReading {
  requests: number;
  rssBytes: number;
}

export interface MemoryResult {
  connections: number;
  readings: MemoryReading[];
  /** Last reading over first, minus one. */
  growth: number;
  failed: number;
}

export function growthOf(readings: readonly MemoryReading[]): number {
  if (readings.length < 2) return Number.NaN;
  return readings[readings.length - 1].rssBytes / readings[0].rssBytes - 1;
}

/** The highest reading over the first, minus one: a leak that a late collection hid from `growthOf`. */
export function peakGrowthOf(readings: readonly MemoryReading[]): number {
  if (readings.length < 2) return Number.NaN;
  return Math.max(...readings.map((r) => r.rssBytes)) / readings[0].rssBytes - 1;
}

/** Sends the demo request until each checkpoint (a running total) is reached, reading VmRSS at each. */
export async function measureMemory(hearth: Hearth, key: string, load: LoadGenerator, checkpoints: readonly number[], {
  connections = 64, log = () => undefined,
}: { connections?: number; log?: (line: string) => void } = {}): Promise<MemoryResult> {
  const request = withApiKey(jsonInferRequest([{ name: 'features', shape: [1, 4], values: Float32Array.of(6.3, 2.9, 5.6, 1.8) }]), key);
  const readings: MemoryReading[] = [];
  let sent = 0;
  let failed = 0;
  for (const target of checkpoints) {
    const r = await load.run({
      url: `${hearth.url}/v2/models/iris/infer`, method: 'POST', headers: request.headers, body: request.body, connections, amount: target - sent,
    });
    sent = target;
    failed += r.failed;
    const rssBytes = hearth.rssBytes();
    readings.push({ requests: target, rssBytes });
    log(`  after ${target.toLocaleString('en-US')} requests: RSS ${(rssBytes / 2 ** 20).toFixed(1)} MiB (${r.rps.toFixed(0)} /s)`);
  }
  return { connections, readings, growth: growthOf(readings), failed };
}
