import type { Datatype, Signature, TensorSpec } from '../protocol/tensor.js';
import { DEFAULT_SETTINGS, type VersionSettings } from '../registry/settings.js';
import type { TritonConfig, TritonInstanceGroup, TritonTensor } from './config-text.js';

/** Triton's data_type name for each Open Inference Protocol datatype (BYTES is TYPE_STRING). */
export const TRITON_TYPE: Readonly<Record<Datatype, string>> = {
  BOOL: 'TYPE_BOOL', UINT8: 'TYPE_UINT8', UINT16: 'TYPE_UINT16', UINT32: 'TYPE_UINT32', UINT64: 'TYPE_UINT64',
  INT8: 'TYPE_INT8', INT16: 'TYPE_INT16', INT32: 'TYPE_INT32', INT64: 'TYPE_INT64',
  FP16: 'TYPE_FP16', FP32: 'TYPE_FP32', FP64: 'TYPE_FP64', BF16: 'TYPE_BF16', BYTES: 'TYPE_STRING',
};

/** Triton's name for the intra-op thread count parameter of its onnxruntime backend. */
export const INTRA_OP_PARAMETER = 'intra_op_thread_count';

/** True when every input and output has a dynamic first dimension: Triton's batch dimension. */
export function hasBatchDimension(signature: Signature): boolean {
  const all = [...signature.inputs, ...signature.outputs];
  return all.length > 0 && all.every((t) => t.shape.length >= 1 && t.shape[0] === -1);
}

function instanceGroup(settings: VersionSettings): TritonInstanceGroup {
  const gpu = /^cuda:([0-9]+)$/.exec(settings.placement);
  if (gpu) return { kind: 'KIND_GPU', count: settings.instances, gpus: [Number(gpu[1])] };
  // Triton has no kinds for webgpu, dml or coreml; KIND_AUTO is nearest, and the sidecar keeps the exact one.
  return { kind: settings.placement === 'cpu' ? 'KIND_CPU' : 'KIND_AUTO', count: settings.instances, gpus: [] };
}

/** The Triton configuration of a model, from the signature and settings of one of its versions. */
export function configFor(name: string, signature: Signature, settings: VersionSettings, versions: number[]): TritonConfig {
  const batched = hasBatchDimension(signature);
  const tensor = (t: TensorSpec): TritonTensor => ({
    name: t.name, dataType: TRITON_TYPE[t.datatype], dims: batched ? t.shape.slice(1) : t.shape,
  });
  return {
    name,
    platform: 'onnxruntime_onnx',
    backend: '',
    maxBatchSize: batched ? settings.maxBatchSize : 0,
    input: signature.inputs.map(tensor),
    output: signature.outputs.map(tensor),
    versionPolicy: { specific: versions },
    dynamicBatching: batched && settings.dynamicBatching ? {
      preferredBatchSize: settings.preferredBatchSizes,
      maxQueueDelayUs: settings.maxQueueDelayUs,
      maxQueueSize: settings.maxQueueSize,
    } : undefined,
    instanceGroup: [instanceGroup(settings)],
    defaultModelFilename: '',
    parameters: { [INTRA_OP_PARAMETER]: String(settings.intraOpThreads) },
    responseCache: settings.responseCache,
  };
}

const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, n));

/** Hearth settings from a Triton configuration: what Triton says, Hearth's defaults for the rest. */
export function settingsFrom(config: TritonConfig): VersionSettings {
  const s: VersionSettings = { ...DEFAULT_SETTINGS, preferredBatchSizes: [] };
  s.dynamicBatching = config.maxBatchSize > 0 && config.dynamicBatching !== undefined;
  if (config.maxBatchSize > 0) s.maxBatchSize = clamp(config.maxBatchSize, 1, 4096);
  const db = config.dynamicBatching;
  if (db) {
    s.maxQueueDelayUs = clamp(db.maxQueueDelayUs, 0, 1_000_000);
    s.preferredBatchSizes = db.preferredBatchSize.filter((n) => n >= 1 && n <= 4096).slice(0, 16);
    if (db.maxQueueSize !== undefined && db.maxQueueSize > 0) s.maxQueueSize = clamp(db.maxQueueSize, 1, 1_000_000);
  }
  const groups = config.instanceGroup;
  if (groups.length > 0) {
    s.instances = clamp(groups.reduce((n, g) => n + g.count, 0), 1, 64);
    const g = groups[0];
    s.placement = g.kind === 'KIND_CPU' ? 'cpu' : g.kind === 'KIND_GPU' && g.gpus.length > 0 ? `cuda:${g.gpus[0]}` : 'auto';
  }
  const threads = Number(config.parameters[INTRA_OP_PARAMETER]);
  if (Number.isInteger(threads) && threads >= 1) s.intraOpThreads = clamp(threads, 1, 256);
  s.responseCache = config.responseCache;
  return s;
}
