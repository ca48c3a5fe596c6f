import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LimitConfig, LimitRequest, LimitTrialResult } from './limit.js';

export type { LimitConfig, LimitTrialResult } from './limit.js';

/** Runs the limit in a fresh process and returns one result per configuration, in order. */
export function runLimit(req: LimitRequest, script = fileURLToPath(new URL('./limit.js', import.meta.url))): Promise<LimitTrialResult[]> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, JSON.stringify(req)], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`limit: ${err.message}\n${stderr}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '[]') as LimitTrialResult[]);
      } catch {
        reject(new Error(`limit: unreadable output:\n${stdout}\n${stderr}`));
      }
    });
  });
}

/**
 * Configurations to search for the limit: every batch size up to what the connections could
 * form at once (a server can never batch more requests than are in flight), with one session,
 * one session using every core, and one single-threaded session per core.
 */
export function limitConfigs(maxBatch: number, cores: number, batches: readonly number[] = [1, 4, 8, 16, 32, 64]): LimitConfig[] {
  const shapes = [{ sessions: 1, threads: 1 }];
  if (cores > 1) shapes.push({ sessions: 1, threads: cores }, { sessions: cores, threads: 1 });
  return shapes.flatMap((s) => batches.filter((b) => b * s.sessions <= maxBatch).map((batch) => ({ batch, ...s })));
}
