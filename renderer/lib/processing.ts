import type { OutputSpec, ProcessingSpec } from '../api/types.js';

export type PresetName = 'ppocr-cls' | 'ppocr-rec' | 'imagenet' | 'bert';

export interface PresetChoice {
  name: PresetName;
  title: string;
  /** The asset keys the preset reads; the version answers 503 until they are attached. */
  assets: readonly string[];
}

/** The server's presets (their names are part of the contract, DESIGN.md "Processing"). */
export const PRESET_CHOICES: readonly PresetChoice[] = [
  { name: 'ppocr-cls', title: 'PP-OCR text direction: a text line image in, "0" or "180" out', assets: [] },
  { name: 'ppocr-rec', title: 'PP-OCR text recognition: a text line image in, its text out', assets: ['keys'] },
  { name: 'imagenet', title: 'ImageNet classifier: an image in, the top 5 classes out', assets: ['labels'] },
  { name: 'bert', title: 'BERT text classifier: a text in, a class out', assets: ['tokenizer'] },
];

export type ProcessingChoice = 'none' | 'custom' | PresetName;

export interface AssetDraft {
  key: string;
  file: File | null;
}

export interface ProcessingDraft {
  choice: ProcessingChoice;
  /** The spec as JSON text, for `custom`. */
  custom: string;
  assets: AssetDraft[];
}

export const emptyProcessing = (): ProcessingDraft => ({ choice: 'none', custom: '', assets: [] });

export const isProcessingChoice = (value: string): value is ProcessingChoice =>
  value === 'none' || value === 'custom' || PRESET_CHOICES.some((p) => p.name === value);

/** The draft after picking another choice: a preset offers the assets it reads, a custom spec one empty row. */
export function choose(draft: ProcessingDraft, choice: ProcessingChoice): ProcessingDraft {
  const preset = PRESET_CHOICES.find((p) => p.name === choice);
  const assets = preset ? preset.assets.map((key) => ({ key, file: null })) : choice === 'custom' ? [{ key: '', file: null }] : [];
  return { ...draft, choice, assets };
}

const KEY_RE = /^[A-Za-z0-9._-]{1,64}$/;

/** The same rule the server applies to asset keys. */
export function assetKeyError(key: string): string | null {
  if (key === '') return 'Name the asset (the key the processing reads, e.g. "labels").';
  return KEY_RE.test(key) ? null : `The asset key "${key}" may hold only letters, digits, ".", "_" and "-" (up to 64).`;
}

export interface AssetUpload {
  key: string;
  file: File;
}

/**
 * The `processing` query value of an upload (undefined for none) and the assets to attach after
 * it, or what to fix first. Rows without a file are left for later; the server checks the spec itself.
 */
export function processingRequest(draft: ProcessingDraft): { ok: true; processing: string | undefined; assets: AssetUpload[] } | { ok: false; error: string } {
  let processing: string | undefined;
  if (draft.choice === 'none') return { ok: true, processing: undefined, assets: [] };
  if (draft.choice === 'custom') {
    let value: unknown;
    try {
      value = JSON.parse(draft.custom);
    } catch (err) {
      const detail = draft.custom.trim() === '' ? 'it is empty' : err instanceof Error ? err.message : String(err);
      return { ok: false, error: `The processing spec is not valid JSON: ${detail}.` };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { ok: false, error: 'The processing spec must be a JSON object, e.g. {"preset": "imagenet", "output": {"k": 3}}.' };
    }
    processing = JSON.stringify(value);
  } else {
    processing = `preset:${draft.choice}`;
  }
  const assets: AssetUpload[] = [];
  for (const row of draft.assets) {
    const key = row.key.trim();
    if (row.file === null) continue;
    const error = assetKeyError(key);
    if (error) return { ok: false, error };
    if (assets.some((a) => a.key === key)) return { ok: false, error: `The asset "${key}" is listed twice; each key takes one file.` };
    assets.push({ key, file: row.file });
  }
  return { ok: true, processing, assets };
}

export interface ProcessingSummary {
  /** The preset it started from; null for a spec written out in full. */
  preset: string | null;
  /** What a client sends: an image file, a text, or null when the model's own tensors stay. */
  takes: 'image' | 'text' | null;
  input: string;
  output: string;
}

function resizeText(r: Extract<ProcessingSpec['input'], { kind: 'image' }>['resize']): string {
  switch (r.mode) {
    case 'exact': return `scaled to ${r.width}×${r.height}`;
    case 'pad': return `fitted into ${r.width}×${r.height}, padded`;
    case 'crop': return `shorter side ${r.shorter}, centre ${r.width}×${r.height}`;
    case 'height': return `height ${r.height}${r.width !== undefined ? `, padded to width ${r.width}` : ''}`;
  }
}

function labelsText(labels: Extract<OutputSpec, { labels: unknown }>['labels']): string {
  if (Array.isArray(labels)) return `${labels.length} listed classes (${labels.slice(0, 4).join(', ')}${labels.length > 4 ? ', …' : ''})`;
  if (labels === 'metadata') return 'the classes in the version\'s metadata';
  return `asset "${labels.asset}"`;
}

function outputText(o: OutputSpec): string {
  switch (o.kind) {
    case 'classify': return `label and score; classes from ${labelsText(o.labels)}`;
    case 'topk': return `the top ${o.k} labels and scores; classes from ${labelsText(o.labels)}`;
    case 'multilabel': return `every label scoring ${o.threshold} or more; classes from ${labelsText(o.labels)}`;
    case 'softmax': return 'probabilities';
    case 'ctc': return `text and score; characters from asset "${o.characters}"`;
  }
}

/** A stored spec in words, for the version's page. */
export function describeProcessing(spec: ProcessingSpec): ProcessingSummary {
  const input = spec.input;
  let inputText = 'the model\'s own tensors';
  if (input?.kind === 'image') inputText = `an image (${input.color.toUpperCase()}, ${resizeText(input.resize)}, ${input.layout})`;
  if (input?.kind === 'text') inputText = `a text (tokenizer from asset "${input.asset}", up to ${input.maxLength} tokens)`;
  return {
    preset: spec.preset ?? null,
    takes: input?.kind ?? null,
    input: inputText,
    output: spec.output ? outputText(spec.output) : 'the model\'s own outputs',
  };
}

/** What a version takes in the "Try it" box: an image, a text, or null when clients send its tensors. */
export function inputKind(processing: { spec: unknown } | null | undefined): 'image' | 'text' | null {
  // The server stores only specs checked against ProcessingSpecSchema; the route types it as unknown.
  const spec = processing?.spec as ProcessingSpec | undefined;
  return spec?.input?.kind ?? null;
}
