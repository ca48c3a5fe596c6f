import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { withPrivateTmp } from '../base/private-tmp.js';
import type { OrtValueMetadata } from '../protocol/datatypes.js';
import { INSPECT_CHILD_SOURCE, INSPECT_MARKER } from './inspect-child.js';

/** A model's inputs and outputs as onnxruntime reports them. */
export interface ModelMetadata {
  inputs: OrtValueMetadata[];
  outputs: OrtValueMetadata[];
}

/** Why a file was not accepted: onnxruntime refused it, crashed on it, or did not finish. */
export class InspectError extends Error {
  constructor(readonly kind: 'refused' | 'crashed' | 'timeout', message: string) {
    super(message);
    this.name = 'InspectError';
  }
}

export type Inspect = (modelPath: string) => Promise<ModelMetadata>;

const require = createRequire(import.meta.url);

function isMetadataList(value: unknown): value is OrtValueMetadata[] {
  return Array.isArray(value) && value.every((m) =>
    typeof m === 'object' && m !== null && typeof (m as { name?: unknown }).name === 'string'
    && typeof (m as { isTensor?: unknown }).isTensor === 'boolean');
}

type Report = { ok: true; meta: ModelMetadata } | { ok: false; error: string };

function parseReport(stdout: string): Report | null {
  const line = stdout.split(/\r?\n/).find((text) => text.startsWith(INSPECT_MARKER));
  if (line === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(line.slice(INSPECT_MARKER.length));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const r = value as Record<string, unknown>;
  if (r.ok === true && isMetadataList(r.inputs) && isMetadataList(r.outputs)) return { ok: true, meta: { inputs: r.inputs, outputs: r.outputs } };
  if (r.ok === false && typeof r.error === 'string') return { ok: false, error: r.error };
  return null;
}

/**
 * Loads a model file once in a child process and returns its signature. A file onnxruntime refuses
 * is an InspectError 'refused' with onnxruntime's reason; a native crash (a hostile file, or a bug
 * onnxruntime has with an odd but valid graph) ends only the child: 'crashed', with the signal.
 * One child per upload costs a Node start and onnxruntime's load (see README, Security).
 */
export function inspectInChild(modelPath: string, { timeoutMs = 120_000 } = {}): Promise<ModelMetadata> {
  const args = ['-e', INSPECT_CHILD_SOURCE, require.resolve('onnxruntime-node'), modelPath];
  // A temp folder of its own: onnxruntime leaves files in the temp folder of each process (see withPrivateTmp).
  return withPrivateTmp((env) => new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      // Under Electron, execPath is the Electron binary; this makes it behave as plain Node.
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, env: { ...env, ELECTRON_RUN_AS_NODE: '1' }, windowsHide: true, encoding: 'utf8' },
      (error, stdout) => {
        const report = parseReport(stdout);
        if (report?.ok === true) return resolve(report.meta);
        if (report?.ok === false) return reject(new InspectError('refused', report.error));
        const failure = (error ?? {}) as { code?: unknown; signal?: unknown; killed?: unknown };
        if (failure.killed === true) {
          return reject(new InspectError('timeout', `onnxruntime did not finish loading the file within ${timeoutMs / 1000} s`));
        }
        const how = typeof failure.signal === 'string' ? failure.signal : `exit ${typeof failure.code === 'number' ? failure.code : 'unknown'}`;
        reject(new InspectError('crashed', `onnxruntime crashed while loading the file (${how})`));
      },
    );
  }));
}
