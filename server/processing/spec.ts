import { Type, type Static } from '@sinclair/typebox';

/**
 * A version's pre- and post-processing, stored with the version and never changed after: what
 * turns an uploaded file or text into the model's tensors, and its outputs into an answer.
 */
const Name = Type.String({ minLength: 1, maxLength: 128 });

export const ResizeSchema = Type.Union([
  Type.Object({ mode: Type.Literal('exact'), width: Type.Integer({ minimum: 1, maximum: 8192 }), height: Type.Integer({ minimum: 1, maximum: 8192 }) }, { additionalProperties: false }),
  // Scaled to fit inside width×height, aspect kept; the rest padded (right and bottom).
  Type.Object({ mode: Type.Literal('pad'), width: Type.Integer({ minimum: 1, maximum: 8192 }), height: Type.Integer({ minimum: 1, maximum: 8192 }) }, { additionalProperties: false }),
  // The shorter side scaled to `shorter`, then the centre width×height cut out.
  Type.Object({
    mode: Type.Literal('crop'), shorter: Type.Integer({ minimum: 1, maximum: 8192 }),
    width: Type.Integer({ minimum: 1, maximum: 8192 }), height: Type.Integer({ minimum: 1, maximum: 8192 }),
  }, { additionalProperties: false }),
  // Text lines: a fixed height, the width from the aspect ratio rounded up to `multiple`, capped at
  // `maxWidth`, and padded on the right to `width` (fixed) or to the widest image of the batch.
  Type.Object({
    mode: Type.Literal('height'), height: Type.Integer({ minimum: 1, maximum: 8192 }),
    width: Type.Optional(Type.Integer({ minimum: 1, maximum: 8192 })),
    minWidth: Type.Optional(Type.Integer({ minimum: 1, maximum: 8192 })),
    maxWidth: Type.Optional(Type.Integer({ minimum: 1, maximum: 16384 })),
    multiple: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
  }, { additionalProperties: false }),
]);
export type Resize = Static<typeof ResizeSchema>;

export const ImageInputSchema = Type.Object({
  kind: Type.Literal('image'),
  /** The name clients send (BYTES, one file per element). */
  name: Name,
  /** The model input it fills; by default the model's only input. */
  tensor: Type.Optional(Name),
  color: Type.Union([Type.Literal('rgb'), Type.Literal('bgr'), Type.Literal('grey')]),
  resize: ResizeSchema,
  /** value = (pixel × scale − mean[c]) / std[c], per channel in the model's channel order. */
  scale: Type.Number(),
  mean: Type.Array(Type.Number(), { minItems: 1, maxItems: 3 }),
  std: Type.Array(Type.Number({ exclusiveMinimum: 0 }), { minItems: 1, maxItems: 3 }),
  /** The value of padded pixels, after normalisation. */
  pad: Type.Number(),
  layout: Type.Union([Type.Literal('NCHW'), Type.Literal('NHWC')]),
  /** Refused before decoding when width × height is larger (decompression bombs). */
  maxPixels: Type.Integer({ minimum: 1, maximum: 268_402_689 }),
  maxBatch: Type.Integer({ minimum: 1, maximum: 1024 }),
}, { additionalProperties: false });
export type ImageInput = Static<typeof ImageInputSchema>;

export const TextInputSchema = Type.Object({
  kind: Type.Literal('text'),
  name: Name,
  /** The asset holding a Hugging Face tokenizer.json. */
  asset: Name,
  maxLength: Type.Integer({ minimum: 1, maximum: 65_536 }),
  /** Longer texts are cut to maxLength; without it they are refused (400). */
  truncation: Type.Boolean(),
  /** `longest`: pad to the longest text of the batch; `max_length`: always to maxLength. */
  padding: Type.Union([Type.Literal('longest'), Type.Literal('max_length')]),
  inputIds: Name,
  attentionMask: Type.Optional(Name),
  tokenTypeIds: Type.Optional(Name),
  maxBatch: Type.Integer({ minimum: 1, maximum: 1024 }),
}, { additionalProperties: false });
export type TextInput = Static<typeof TextInputSchema>;

/** Where class names come from: a list, the version's `metadata.classes`, or an asset (one per line). */
export const LabelsSchema = Type.Union([
  Type.Array(Type.String(), { minItems: 1 }),
  Type.Literal('metadata'),
  Type.Object({ asset: Name }, { additionalProperties: false }),
]);

const Common = {
  /** The model output read; by default the first one. */
  tensor: Type.Optional(Name),
  /** Apply softmax (or sigmoid for multilabel) first; off when the model already outputs probabilities. */
  activate: Type.Boolean(),
};

export const OutputSchema = Type.Union([
  Type.Object({ kind: Type.Literal('classify'), ...Common, labels: LabelsSchema }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('topk'), ...Common, labels: LabelsSchema, k: Type.Integer({ minimum: 1, maximum: 1000 }) }, { additionalProperties: false }),
  Type.Object({
    kind: Type.Literal('multilabel'), ...Common, labels: LabelsSchema, threshold: Type.Number({ minimum: 0, maximum: 1 }),
  }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('softmax'), ...Common }, { additionalProperties: false }),
  // CTC greedy: best class per step, repeats merged, blank dropped; class i > 0 is line i of the
  // character asset, and `space` adds " " as the last class (as PaddleOCR's use_space_char).
  Type.Object({
    kind: Type.Literal('ctc'), ...Common, characters: Name, blank: Type.Integer({ minimum: 0 }), space: Type.Boolean(),
  }, { additionalProperties: false }),
]);
export type OutputSpec = Static<typeof OutputSchema>;

export const ProcessingSpecSchema = Type.Object({
  /** The preset it started from, for people reading it; every field below is already resolved. */
  preset: Type.Optional(Type.String()),
  input: Type.Optional(Type.Union([ImageInputSchema, TextInputSchema])),
  output: Type.Optional(OutputSchema),
}, { additionalProperties: false });
export type ProcessingSpec = Static<typeof ProcessingSpecSchema>;

/** The asset keys a spec needs before its version can serve. */
export function requiredAssets(spec: ProcessingSpec): string[] {
  const keys: string[] = [];
  if (spec.input?.kind === 'text') keys.push(spec.input.asset);
  const out = spec.output;
  if (out?.kind === 'ctc') keys.push(out.characters);
  if (out && 'labels' in out && typeof out.labels === 'object' && !Array.isArray(out.labels)) keys.push(out.labels.asset);
  return [...new Set(keys)];
}
