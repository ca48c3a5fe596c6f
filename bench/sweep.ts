// Tries a few serving settings for one Hearth model version and keeps the fastest, as an admin
// tuning a site would. Short runs on a drifting machine: the pick is a good one, not a proof.
import type { Hearth } from './hearth.js';
import type { LimitConfig } from './limit-client.js';
import type { Contender } from './measure.js';

export interface SettingsCandidate {
  label: string;
  settings: {
    dynamicBatching: boolean;
    maxBatchSize: number;
    maxQueueDelayUs: number;
    preferredBatchSizes: number[];
    instances: number;
    intraOpThreads: number;
  };
}

export interface SweepEntry extends SettingsCandidate {
  rps: number;
  p99Ms: number;
  failed: number;
}

export function candidate(label: string, s: Partial<SettingsCandidate['settings']>): SettingsCandidate {
  return {
    label,
    settings: {
      dynamicBatching: true, maxBatchSize: 64, maxQueueDelayUs: 0, preferredBatchSizes: [], instances: 1, intraOpThreads: 1, ...s,
    },
  };
}

/** The settings that mirror the limit's best configuration, so Hearth is tried the way the limit ran. */
export function candidateFromLimit(best: LimitConfig): SettingsCandidate {
  return candidate(`like the limit: batch ≤${best.batch}, ${best.sessions} inst × ${best.threads} thr`, {
    maxBatchSize: best.batch, instances: best.sessions, intraOpThreads: best.threads,
  });
}

/** Drops candidates whose settings repeat an earlier one. */
export function distinct(list: readonly SettingsCandidate[]): SettingsCandidate[] {
  const seen = new Set<string>();
  return list.filter((c) => {
    const key = JSON.stringify(c.settings);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export async function applySettings(hearth: Hearth, model: string, version: number, c: SettingsCandidate): Promise<void> {
  await hearth.admin('PATCH', `/models/${model}/versions/${version}/settings`, c.settings);
}

export async function sweepSettings(hearth: Hearth, model: string, version: number, candidates: readonly SettingsCandidate[],
  contender: Contender, seconds: number, log: (line: string) => void = () => undefined): Promise<{ best: SweepEntry; entries: SweepEntry[] }> {
  const entries: SweepEntry[] = [];
  // The first candidate would otherwise also pay for the JIT and onnxruntime's first runs.
  await contender.measure(seconds);
  for (const c of candidates) {
    await applySettings(hearth, model, version, c);
    await contender.measure(Math.min(1, seconds / 2));
    const m = await contender.measure(seconds);
    entries.push({ ...c, rps: m.rps, p99Ms: m.p99Ms, failed: m.failed });
    log(`  settings  ${c.label.padEnd(44)} ${m.rps.toFixed(0).padStart(7)} /s  p99 ${m.p99Ms.toFixed(2)} ms`);
  }
  const ok = entries.filter((e) => e.failed === 0);
  const best = (ok.length > 0 ? ok : entries).reduce((a, b) => (b.rps > a.rps ? b : a));
  await applySettings(hearth, model, version, best);
  return { best, entries };
}

/** One line for the report: each setting tried and its rate. */
export function sweepNote(entries: readonly SweepEntry[]): string {
  return `settings tried, one short run each (req/s): ${entries.map((e) => `${e.label} ${Math.round(e.rps)}`).join('; ')}`;
}
