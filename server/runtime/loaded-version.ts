import type { Tensor, TensorSpec } from '../protocol/tensor.js';
import { allocate } from '../protocol/datatypes.js';
import type { ModelVersion } from '../registry/registry.js';
import { errorMessage } from '../base/message.js';
import type { DeviceBudget } from './device-room.js';
import type { InlineSession } from './inline.js';
import type { Instance, VersionScheduler } from './scheduler.js';

// What the model manager (models.ts) keeps per loaded version, the options and events it takes,
// and the small rules it and the worker recovery (lost-sessions.ts) share.

export type VersionState = 'UNAVAILABLE' | 'LOADING' | 'READY' | 'UNLOADING';

/** Where a version runs, decided from its placement setting and the hardware found. */
export interface Placement {
  provider: string;
  deviceId?: number;
  reason: string;
}
export type PlacementResolver = (v: ModelVersion) => Placement;

export interface LoadedVersion {
  name: string;
  version: number;
  state: VersionState;
  reason: string;
  placement: Placement;
  scheduler?: VersionScheduler;
  instances: Instance[];
  /** A session on the HTTP thread for a model whose run takes microseconds (see inline.ts). */
  inline?: InlineSession;
  loading?: Promise<void>;
  /** Set while it drains and closes its sessions; a load waits for it rather than racing it. */
  unloading?: Promise<void>;
  loadedAt: number;
  lastUsed: number;
  /** Estimated device memory: twice the file size. */
  bytes: number;
  pinned: boolean;
}

export interface ManagerOptions {
  cacheBytes?: number;
  /** Budget per device ('cpu', 'cuda:0', …); devices not listed are unlimited. */
  budgets?: Record<string, DeviceBudget>;
  /** Idle versions unload after this long, unless pinned or protected; 0 keeps them. */
  keepAliveMs?: number;
  /** Versions that never unload for idleness or room: production and the previous production. */
  isProtected?: (name: string, version: number) => boolean;
  /** Run a CPU model on the HTTP thread when its median run takes at most this many µs; 0: never (see inline.ts). */
  inlineMaxUs?: number;
  /**
   * Whether an inference request for a version that is not loaded may unload other versions to
   * make room for it. When this says no, the request loads it only into free room, else gets 503:
   * a client must not be able to push out what serves. Without it, every request may.
   */
  mayEvictOnDemand?: (v: ModelVersion) => boolean;
}

export interface InferOptions {
  /** Triton's `timeout` parameter: the longest the request may wait in the queue, in µs. */
  timeoutUs?: number;
  /**
   * No other inference request is in progress in the server: the request may run on the HTTP
   * thread when its version qualifies (see inline.ts). Under concurrency requests go to the workers.
   */
  alone?: boolean;
}

export interface ManagerEvents {
  onFallback?: (name: string, version: number, from: string, reason: string) => void;
  onStateChange?: (name: string, version: number, state: VersionState, reason: string) => void;
}

export { keyOf } from './version-key.js';

/** onnxruntime's reason without the server's file paths, which clients have no business seeing. */
export const loadError = (err: unknown, root: string) =>
  errorMessage(err).split(root).join('the model file').replace(/the model file\/[0-9a-f]{2}\/[0-9a-f]{64}/g, 'the model file');

/** Requests can be joined when every input's first dimension is dynamic. */
export const isBatchable = (v: ModelVersion): boolean =>
  v.signature.inputs.length > 0 && v.signature.inputs.every((s) => s.shape.length > 0 && s.shape[0] === -1);

/** Zero-filled inputs on a model's signature, dynamic dimensions as 1: the warm-up request. */
export function warmupInputs(inputs: TensorSpec[]): Tensor[] {
  return inputs.map((s) => {
    const shape = s.shape.map((d) => (d < 0 ? 1 : d));
    return { name: s.name, datatype: s.datatype, shape, data: allocate(s.datatype, shape.reduce((a, b) => a * b, 1)) };
  });
}


/** What the admin API lists of a loaded version. */
export interface LoadedSummary { name: string; version: number; state: VersionState; reason: string; provider: string; lastUsed: number; queued: number }

export const summaryOf = (l: LoadedVersion): LoadedSummary => ({
  name: l.name, version: l.version, state: l.state, reason: l.reason, provider: l.placement.provider,
  lastUsed: l.lastUsed, queued: l.scheduler?.queued ?? 0,
});

/** A version's state as the API reports it; `l` undefined: not loaded. */
export function stateOf(l: LoadedVersion | undefined): { state: VersionState; reason: string; provider?: string } {
  if (!l) return { state: 'UNAVAILABLE', reason: 'not loaded' };
  // Every session lost with a worker: not servable until one is reloaded, and said so.
  if (l.state === 'READY' && l.instances.length > 0 && l.instances.every((i) => i.down)) {
    return { state: 'UNAVAILABLE', reason: 'reloading after an inference worker stopped', provider: l.placement.provider };
  }
  return { state: l.state, reason: l.reason, provider: l.placement.provider };
}

/** Loaded, warm, and with at least one session in service (not all lost to a worker crash). */
export const isServing = (l: LoadedVersion | undefined): boolean => l?.state === 'READY' && l.instances.some((i) => !i.down);

/** May go to make room or for being idle: READY, not pinned or protected, nothing queued or running. */
export const evictable = (e: LoadedVersion, isProtected?: (name: string, version: number) => boolean): boolean =>
  e.state === 'READY' && !e.pinned && !(isProtected?.(e.name, e.version) ?? false) &&
  (e.scheduler?.queued ?? 0) === 0 && (e.scheduler?.inFlight ?? 0) === 0;

/** The median run time (µs) of a version that runs on the HTTP thread when alone, or null (see inline.ts). */
export const inlineRunUsOf = (l: LoadedVersion | undefined): number | null =>
  (l?.inline?.active ? Math.round(l.inline.probeUs * 10) / 10 : null);
