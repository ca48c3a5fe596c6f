import { fromJson, toJson, type JsonObject, type JsonValue } from '@bufbuild/protobuf';
import { fromText, toText } from '@bufbuild/protobuf/txtpb';
import { MODEL_CONFIG_PROTO } from './model-config-proto.js';
import { messageSchema } from './proto-schema.js';
import { errorMessage } from '../base/message.js';

const schema = messageSchema(MODEL_CONFIG_PROTO, 'inference.ModelConfig');

export interface TritonTensor { name: string; dataType: string; dims: number[] }
export type InstanceKind = 'KIND_AUTO' | 'KIND_GPU' | 'KIND_CPU' | 'KIND_MODEL';
export interface TritonInstanceGroup { kind: InstanceKind; count: number; gpus: number[] }
export type VersionPolicy = { latest: number } | { all: true } | { specific: number[] };
export interface TritonDynamicBatching { preferredBatchSize: number[]; maxQueueDelayUs: number; maxQueueSize?: number }

/** The parts of a Triton model configuration that Hearth maps to its own settings. */
export interface TritonConfig {
  name: string;
  platform: string;
  backend: string;
  maxBatchSize: number;
  input: TritonTensor[];
  output: TritonTensor[];
  versionPolicy?: VersionPolicy;
  dynamicBatching?: TritonDynamicBatching;
  /** The scheduler when it is not dynamic batching (stateful sequences, ensembles): Hearth has neither. */
  otherScheduler?: 'sequence_batching' | 'ensemble_scheduling';
  instanceGroup: TritonInstanceGroup[];
  defaultModelFilename: string;
  parameters: Record<string, string>;
  responseCache: boolean;
}

export class ConfigTextError extends Error {}

type Obj = { [k: string]: JsonValue };
const obj = (v: JsonValue | undefined): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {});
const list = (v: JsonValue | undefined): JsonValue[] => (Array.isArray(v) ? v : []);
const str = (v: JsonValue | undefined): string => (typeof v === 'string' ? v : '');
// int64 fields come back from ProtoJSON as decimal strings, int32 as numbers.
const num = (v: JsonValue | undefined): number => (typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : 0);

const tensor = (v: JsonValue): TritonTensor => {
  const t = obj(v);
  return { name: str(t.name), dataType: str(t.data_type) || 'TYPE_INVALID', dims: list(t.dims).map(num) };
};

function versionPolicy(v: JsonValue | undefined): VersionPolicy | undefined {
  if (v === undefined) return undefined;
  const p = obj(v);
  if (p.specific !== undefined) return { specific: list(obj(p.specific).versions).map(num) };
  if (p.all !== undefined) return { all: true };
  if (p.latest !== undefined) return { latest: num(obj(p.latest).num_versions) };
  return undefined;
}

/** Parses config.pbtxt text with the protobuf text-format parser; `where` names the file in errors. */
export function parseConfigText(text: string, where = 'config.pbtxt'): TritonConfig {
  let json: Obj;
  try {
    json = obj(toJson(schema, fromText(schema, text), { useProtoFieldName: true }));
  } catch (err) {
    throw new ConfigTextError(`${where}: ${errorMessage(err)}`);
  }
  const db = json.dynamic_batching === undefined ? undefined : obj(json.dynamic_batching);
  const queue = db && db.default_queue_policy !== undefined ? obj(db.default_queue_policy) : undefined;
  return {
    name: str(json.name),
    platform: str(json.platform),
    backend: str(json.backend),
    maxBatchSize: num(json.max_batch_size),
    input: list(json.input).map(tensor),
    output: list(json.output).map(tensor),
    versionPolicy: versionPolicy(json.version_policy),
    dynamicBatching: db && {
      preferredBatchSize: list(db.preferred_batch_size).map(num),
      maxQueueDelayUs: num(db.max_queue_delay_microseconds),
      ...(queue?.max_queue_size !== undefined ? { maxQueueSize: num(queue.max_queue_size) } : {}),
    },
    otherScheduler: json.sequence_batching !== undefined ? 'sequence_batching'
      : json.ensemble_scheduling !== undefined ? 'ensemble_scheduling' : undefined,
    instanceGroup: list(json.instance_group).map((g) => {
      const o = obj(g);
      return { kind: (str(o.kind) || 'KIND_AUTO') as InstanceKind, count: o.count === undefined ? 1 : num(o.count), gpus: list(o.gpus).map(num) };
    }),
    defaultModelFilename: str(json.default_model_filename),
    parameters: Object.fromEntries(Object.entries(obj(json.parameters)).map(([k, v]) => [k, str(obj(v).string_value)])),
    responseCache: obj(json.response_cache).enable === true,
  };
}

/** Writes a config as protobuf text, through the same schema, so it parses back to what was given. */
export function writeConfigText(config: Omit<TritonConfig, 'backend' | 'defaultModelFilename' | 'otherScheduler'>): string {
  const json: JsonObject = {
    name: config.name,
    platform: config.platform,
    max_batch_size: config.maxBatchSize,
    input: config.input.map((t) => ({ name: t.name, data_type: t.dataType, dims: t.dims.map(String) })),
    output: config.output.map((t) => ({ name: t.name, data_type: t.dataType, dims: t.dims.map(String) })),
    instance_group: config.instanceGroup.map((g) => ({ kind: g.kind, count: g.count, ...(g.gpus.length ? { gpus: g.gpus } : {}) })),
  };
  const p = config.versionPolicy;
  if (p) {
    json.version_policy = 'specific' in p ? { specific: { versions: p.specific.map(String) } }
      : 'all' in p ? { all: {} } : { latest: { num_versions: p.latest } };
  }
  const db = config.dynamicBatching;
  if (db) {
    json.dynamic_batching = {
      preferred_batch_size: db.preferredBatchSize,
      max_queue_delay_microseconds: String(db.maxQueueDelayUs),
      ...(db.maxQueueSize !== undefined ? { default_queue_policy: { max_queue_size: db.maxQueueSize } } : {}),
    };
  }
  if (Object.keys(config.parameters).length > 0) {
    json.parameters = Object.fromEntries(Object.entries(config.parameters).map(([k, v]) => [k, { string_value: v }]));
  }
  if (config.responseCache) json.response_cache = { enable: true };
  return toText(schema, fromJson(schema, json));
}
