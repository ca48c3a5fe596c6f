// How fast a rollback takes effect while Hearth serves: the admin call's own latency, and the
// time until responses carry the new model_version, with no request failing on the way.
import { setTimeout as sleep } from 'node:timers/promises';
import { jsonInferRequest, withApiKey } from './bodies.js';
import type { Hearth } from './hearth.js';
import type { LoadGenerator } from './load-client.js';
import { spread, type Spread } from './stats.js';

export interface Probe {
  start: number;
  end: number;
  ok: boolean;
  version?: string;
}

export interface Switch {
  action: 'rollback' | 'promote';
  toVersion: number;
  /** performance.now() before and after the admin call. */
  t0: number;
  t1: number;
}

export interface SwitchResult {
  action: Switch['action'];
  toVersion: number;
  adminMs: number;
  /** From the admin call's start to the first response carrying the new version; null if none came. */
  visibleMs: number | null;
  /** Responses to requests sent after the admin call returned that still carried the old version. */
  staleAfterAck: number;
}

export interface RollbackResult {
  connections: number;
  switches: SwitchResult[];
  adminMs: Spread;
  visibleMs: Spread;
  /** Failed requests of the load and the probes during the switches. */
  failed: number;
  requests: number;
}

/** Matches probe responses to the switch whose window (its start to the next switch's start) they fall in. */
export function analyzeSwitches(switches: readonly Switch[], probes: readonly Probe[]): SwitchResult[] {
  return switches.map((s, i) => {
    const windowEnd = switches[i + 1]?.t0 ?? Number.POSITIVE_INFINITY;
    const inWindow = probes.filter((p) => p.ok && p.end >= s.t0 && p.start < windowEnd);
    const firstNew = inWindow.filter((p) => p.version === String(s.toVersion)).reduce<number | null>(
      (min, p) => (min === null || p.end < min ? p.end : min), null);
    return {
      action: s.action,
      toVersion: s.toVersion,
      adminMs: s.t1 - s.t0,
      visibleMs: firstNew === null ? null : firstNew - s.t0,
      // A request still open when the next switch began may rightly carry that switch's version.
      staleAfterAck: inWindow.filter((p) => p.start >= s.t1 && p.end < windowEnd && p.version !== String(s.toVersion)).length,
    };
  });
}

async function probeLoop(url: string, headers: Record<string, string>, body: Buffer, until: () => boolean, out: Probe[]): Promise<void> {
  while (!until()) {
    const start = performance.now();
    try {
      const res = await fetch(url, { method: 'POST', headers, body });
      const json = (await res.json()) as { model_version?: unknown };
      out.push({ start, end: performance.now(), ok: res.ok, version: typeof json.model_version === 'string' ? json.model_version : undefined });
    } catch {
      out.push({ start, end: performance.now(), ok: false });
    }
  }
}

export async function measureRollback(hearth: Hearth, key: string, load: LoadGenerator, {
  switches = 8, gapMs = 1000, connections = 32, probes = 2, log = () => undefined,
}: { switches?: number; gapMs?: number; connections?: number; probes?: number; log?: (line: string) => void } = {}): Promise<RollbackResult> {
  const model = await hearth.admin<{ aliases: Record<string, number> }>('GET', '/models/iris');
  const original = model.aliases.production;
  if (original === undefined) throw new Error('the demo model has no production version to roll back from');
  const request = withApiKey(jsonInferRequest([{ name: 'features', shape: [1, 4], values: Float32Array.of(5.9, 3.0, 5.1, 1.8) }]), key);
  const url = `${hearth.url}/v2/models/iris/infer`;
  const seconds = (gapMs * (switches + 2)) / 1000;
  const loadDone = load.run({ url, method: 'POST', headers: request.headers, body: request.body, connections, seconds });
  let stop = false;
  const probeResults: Probe[] = [];
  const loops = Array.from({ length: probes }, () => probeLoop(url, request.headers, request.body, () => stop, probeResults));
  await sleep(gapMs);
  const done: Switch[] = [];
  for (let i = 0; i < switches; i++) {
    const t0 = performance.now();
    let action: Switch['action'];
    let toVersion: number;
    if (i % 2 === 0) {
      action = 'rollback';
      toVersion = (await hearth.admin<{ version: number }>('POST', '/models/iris/rollback')).version;
    } else {
      action = 'promote';
      toVersion = (await hearth.admin<{ version: number }>('PUT', '/models/iris/aliases/production', { version: original })).version;
    }
    done.push({ action, toVersion, t0, t1: performance.now() });
    await sleep(gapMs);
  }
  const loadResult = await loadDone;
  stop = true;
  await Promise.all(loops);
  const results = analyzeSwitches(done, probeResults);
  for (const r of results) {
    log(`  ${r.action.padEnd(8)} -> v${r.toVersion}  admin call ${r.adminMs.toFixed(1)} ms  visible after ${r.visibleMs?.toFixed(1) ?? '—'} ms${r.staleAfterAck ? `  STALE ${r.staleAfterAck}` : ''}`);
  }
  return {
    connections,
    switches: results,
    adminMs: spread(results.map((r) => r.adminMs)),
    visibleMs: spread(results.map((r) => r.visibleMs ?? Number.NaN)),
    failed: loadResult.failed + probeResults.filter((p) => !p.ok).length,
    requests: loadResult.ok + loadResult.failed + probeResults.length,
  };
}
