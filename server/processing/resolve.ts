import { Value } from '@sinclair/typebox/value';
import { badRequest } from '../base/errors.js';
import type { Signature, TensorSpec } from '../protocol/tensor.js';
import { PRESET_NAMES, PRESETS } from './presets.js';
import { ProcessingSpecSchema, type ProcessingSpec } from './spec.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What a spec leaves out, per kind, so a short spec reads like a complete one once stored. */
const DEFAULTS: Record<string, Json> = {
  image: { name: 'image', color: 'rgb', scale: 1 / 255, mean: [0], std: [1], pad: 0, layout: 'NCHW', maxPixels: 40_000_000, maxBatch: 64 },
  text: { name: 'text', asset: 'tokenizer', maxLength: 128, truncation: true, padding: 'longest', inputIds: 'input_ids', maxBatch: 64 },
  classify: { activate: false, labels: 'metadata' },
  topk: { activate: false, labels: 'metadata', k: 5 },
  multilabel: { activate: false, labels: 'metadata', threshold: 0.5 },
  softmax: { activate: true },
  ctc: { activate: false, characters: 'keys', blank: 0, space: false },
};

/** Objects merge; arrays and values replace; an object of another `kind` or `mode` replaces whole. */
function merge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over === undefined ? base : over;
  for (const tag of ['kind', 'mode']) {
    if (over[tag] !== undefined && base[tag] !== undefined && over[tag] !== base[tag]) return over;
  }
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

const withDefaults = (part: unknown): unknown =>
  isObject(part) && typeof part.kind === 'string' && DEFAULTS[part.kind] ? { ...DEFAULTS[part.kind], ...part } : part;

/**
 * A spec from what an admin sends: `preset:NAME`, or JSON (a whole spec, or one naming a preset
 * and overriding some of its fields). The answer is complete and checked; a 400 says what is wrong.
 */
export function parseProcessing(text: string): ProcessingSpec {
  const trimmed = text.trim();
  let value: unknown;
  if (trimmed.startsWith('preset:')) value = { preset: trimmed.slice('preset:'.length) };
  else {
    try { value = JSON.parse(trimmed); } catch {
      throw badRequest(`The processing spec is neither "preset:NAME" (${PRESET_NAMES.join(', ')}) nor JSON.`);
    }
  }
  if (!isObject(value)) throw badRequest('The processing spec must be a JSON object or "preset:NAME".');
  let spec: unknown = value;
  if (value.preset !== undefined) {
    const preset = typeof value.preset === 'string' ? PRESETS[value.preset] : undefined;
    if (!preset) throw badRequest(`There is no processing preset ${JSON.stringify(value.preset)}; the presets are ${PRESET_NAMES.join(', ')}.`);
    spec = merge(preset, value);
  }
  if (isObject(spec)) spec = { ...spec, input: withDefaults(spec.input), output: withDefaults(spec.output) };
  if (isObject(spec)) for (const k of ['input', 'output']) if (spec[k] === undefined) delete spec[k];
  const first = [...Value.Errors(ProcessingSpecSchema, spec)][0];
  if (first) throw badRequest(`The processing spec is not valid: ${first.path || 'the spec'} ${first.message}.`);
  const checked = spec as ProcessingSpec;
  if (!checked.input && !checked.output) throw badRequest('The processing spec has neither "input" nor "output": nothing to do.');
  return checked;
}

function findTensor(list: TensorSpec[], name: string | undefined, what: string): TensorSpec {
  if (name === undefined) {
    if (list.length !== 1 && what === 'input') {
      throw badRequest(`The model has ${list.length} inputs (${list.map((t) => t.name).join(', ')}); name the one the image fills with "tensor".`);
    }
    return list[0]!;
  }
  const t = list.find((x) => x.name === name);
  if (!t) throw badRequest(`The model has no ${what} named "${name}"; its ${what}s are ${list.map((x) => x.name).join(', ')}.`);
  return t;
}

/**
 * Checks a spec against the model it is for, and fills in the tensor names it left to the model
 * (the image's input, the output read, `token_type_ids` where the model takes it).
 */
export function fitToModel(spec: ProcessingSpec, model: Signature): ProcessingSpec {
  const out: ProcessingSpec = { ...spec };
  const input = spec.input;
  if (input?.kind === 'image') {
    const t = findTensor(model.inputs, input.tensor, 'input');
    if (!['FP32', 'FP16', 'UINT8'].includes(t.datatype)) throw badRequest(`Input "${t.name}" is ${t.datatype}; image processing fills FP32, FP16 or UINT8.`);
    if (t.shape.length !== 4) throw badRequest(`Input "${t.name}" has shape [${t.shape.join(',')}]; an image input needs 4 dimensions (${input.layout}).`);
    const channels = input.color === 'grey' ? 1 : 3;
    const c = t.shape[input.layout === 'NCHW' ? 1 : 3];
    if (c !== -1 && c !== channels) throw badRequest(`Input "${t.name}" takes ${c} channels but the spec makes ${channels} (${input.color}, ${input.layout}).`);
    for (const [k, list] of [['mean', input.mean], ['std', input.std]] as const) {
      if (list.length !== 1 && list.length !== channels) throw badRequest(`"${k}" has ${list.length} values; give 1 or ${channels}.`);
    }
    out.input = { ...input, tensor: t.name };
  } else if (input?.kind === 'text') {
    findTensor(model.inputs, input.inputIds, 'input');
    if (input.attentionMask !== undefined) findTensor(model.inputs, input.attentionMask, 'input');
    const typeIds = input.tokenTypeIds ?? (model.inputs.some((t) => t.name === 'token_type_ids') ? 'token_type_ids' : undefined);
    if (typeIds !== undefined) findTensor(model.inputs, typeIds, 'input');
    const filled = [input.inputIds, input.attentionMask, typeIds];
    const left = model.inputs.filter((t) => !filled.includes(t.name));
    if (left.length > 0) throw badRequest(`The text processing fills ${filled.filter(Boolean).join(', ')}, not ${left.map((t) => t.name).join(', ')}; name them in the spec.`);
    out.input = { ...input, ...(typeIds !== undefined ? { tokenTypeIds: typeIds } : {}) };
  }
  const output = spec.output;
  if (output) {
    const t = findTensor(model.outputs, output.tensor ?? model.outputs[0]?.name, 'output');
    const rank = output.kind === 'ctc' ? 3 : 2;
    if (t.shape.length !== rank) {
      throw badRequest(`Output "${t.name}" has shape [${t.shape.join(',')}]; "${output.kind}" reads ${rank === 3 ? '[batch, steps, classes]' : '[batch, classes]'}.`);
    }
    out.output = { ...output, tensor: t.name };
  }
  return out;
}

/** What clients see and send: the processed names, BYTES for files and texts. */
export function processedSignature(spec: ProcessingSpec, model: Signature): Signature {
  const inputs = spec.input ? [{ name: spec.input.name, datatype: 'BYTES' as const, shape: [-1] }] : model.inputs;
  const o = spec.output;
  if (!o) return { inputs, outputs: model.outputs };
  const classes = model.outputs.find((t) => t.name === o.tensor)?.shape[1] ?? -1;
  const pair = (a: string, b: string, shape: number[]): TensorSpec[] => [
    { name: a, datatype: 'BYTES', shape }, { name: b, datatype: 'FP32', shape },
  ];
  switch (o.kind) {
    case 'classify': return { inputs, outputs: pair('label', 'score', [-1]) };
    case 'topk': return { inputs, outputs: pair('labels', 'scores', [-1, o.k]) };
    case 'multilabel': return { inputs, outputs: pair('labels', 'scores', [-1, -1]) };
    case 'softmax': return { inputs, outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, classes] }] };
    case 'ctc': return { inputs, outputs: pair('text', 'score', [-1]) };
  }
}
