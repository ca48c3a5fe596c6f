import { describe, expect, test } from 'vitest';
import {
  assetKeyError, choose, describeProcessing, emptyProcessing, inputKind, isProcessingChoice, PRESET_CHOICES, processingRequest, type ProcessingDraft,
} from '../../../renderer/lib/processing.js';
import { PRESET_NAMES, PRESETS } from '../../../server/processing/presets.js';
import { requiredAssets } from '../../../server/processing/spec.js';

const file = (name: string, text = 'x') => new File([text], name);
const draft = (over: Partial<ProcessingDraft>): ProcessingDraft => ({ ...emptyProcessing(), ...over });

describe('the processing part of the upload form', () => {
  test('offers exactly the server\'s presets, each with the assets it reads', () => {
    expect(PRESET_CHOICES.map((p) => p.name)).toEqual(PRESET_NAMES);
    for (const p of PRESET_CHOICES) expect(p.assets, p.name).toEqual(requiredAssets(PRESETS[p.name]!));
  });

  test('picking a preset offers its assets; custom one empty row; none clears them', () => {
    const rec = choose(emptyProcessing(), 'ppocr-rec');
    expect(rec).toEqual({ choice: 'ppocr-rec', custom: '', assets: [{ key: 'keys', file: null }] });
    expect(choose(rec, 'custom').assets).toEqual([{ key: '', file: null }]);
    expect(choose(rec, 'none')).toEqual(emptyProcessing());
    expect(isProcessingChoice('bert')).toBe(true);
    expect(isProcessingChoice('resnet')).toBe(false);
  });

  test('none sends no processing; a preset sends preset:NAME with the picked files', () => {
    expect(processingRequest(emptyProcessing())).toEqual({ ok: true, processing: undefined, assets: [] });
    const keys = file('ppocr_keys_v1.txt');
    expect(processingRequest(draft({ choice: 'ppocr-rec', assets: [{ key: 'keys', file: keys }] })))
      .toEqual({ ok: true, processing: 'preset:ppocr-rec', assets: [{ key: 'keys', file: keys }] });
    // A row without a file is left for the model's page.
    expect(processingRequest(draft({ choice: 'imagenet', assets: [{ key: 'labels', file: null }] })))
      .toEqual({ ok: true, processing: 'preset:imagenet', assets: [] });
  });

  test('a custom spec goes as compact JSON; text that is not a JSON object is refused before the upload', () => {
    expect(processingRequest(draft({ choice: 'custom', custom: '{ "preset": "imagenet",\n "output": { "k": 3 } }' })))
      .toMatchObject({ ok: true, processing: '{"preset":"imagenet","output":{"k":3}}' });
    expect(processingRequest(draft({ choice: 'custom', custom: '' }))).toEqual({ ok: false, error: 'The processing spec is not valid JSON: it is empty.' });
    expect(processingRequest(draft({ choice: 'custom', custom: '{preset' }))).toMatchObject({ ok: false, error: expect.stringContaining('not valid JSON') as unknown });
    expect(processingRequest(draft({ choice: 'custom', custom: '["imagenet"]' }))).toMatchObject({ ok: false, error: expect.stringContaining('JSON object') as unknown });
  });

  test('asset keys follow the server\'s rule and are not given twice', () => {
    expect(assetKeyError('labels.v2_x-1')).toBeNull();
    expect(assetKeyError('')).toContain('Name the asset');
    expect(assetKeyError('my labels')).toContain('only letters');
    expect(assetKeyError('k'.repeat(65))).toContain('64');
    const bad = processingRequest(draft({ choice: 'custom', custom: '{}', assets: [{ key: 'a/b', file: file('l.txt') }] }));
    expect(bad).toMatchObject({ ok: false, error: expect.stringContaining('"a/b"') as unknown });
    const twice = processingRequest(draft({ choice: 'custom', custom: '{}', assets: [{ key: ' labels ', file: file('a') }, { key: 'labels', file: file('b') }] }));
    expect(twice).toEqual({ ok: false, error: 'The asset "labels" is listed twice; each key takes one file.' });
  });
});

describe('a stored spec in words', () => {
  test('each preset as the server stores it', () => {
    expect(describeProcessing({ preset: 'ppocr-cls', ...PRESETS['ppocr-cls'] })).toEqual({
      preset: 'ppocr-cls', takes: 'image',
      input: 'an image (BGR, height 48, padded to width 192, NCHW)',
      output: 'label and score; classes from 2 listed classes (0, 180)',
    });
    expect(describeProcessing({ preset: 'ppocr-rec', ...PRESETS['ppocr-rec'] }).output).toBe('text and score; characters from asset "keys"');
    expect(describeProcessing({ preset: 'imagenet', ...PRESETS.imagenet })).toMatchObject({
      input: 'an image (RGB, shorter side 256, centre 224×224, NCHW)', output: 'the top 5 labels and scores; classes from asset "labels"',
    });
    expect(describeProcessing({ preset: 'bert', ...PRESETS.bert })).toEqual({
      preset: 'bert', takes: 'text',
      input: 'a text (tokenizer from asset "tokenizer", up to 128 tokens)',
      output: 'label and score; classes from the classes in the version\'s metadata',
    });
  });

  test('a spec with only an output keeps the model\'s tensors and has no preset', () => {
    const summary = describeProcessing({ output: { kind: 'multilabel', activate: true, labels: ['a', 'b', 'c', 'd', 'e'], threshold: 0.4 } });
    expect(summary).toEqual({
      preset: null, takes: null, input: 'the model\'s own tensors', output: 'every label scoring 0.4 or more; classes from 5 listed classes (a, b, c, d, …)',
    });
    expect(describeProcessing({ input: PRESETS.imagenet!.input }).output).toBe('the model\'s own outputs');
    expect(describeProcessing({ output: { kind: 'softmax', activate: true } }).output).toBe('probabilities');
  });

  test('what the "Try it" box sends to a version', () => {
    expect(inputKind({ spec: PRESETS['ppocr-cls'] })).toBe('image');
    expect(inputKind({ spec: PRESETS.bert })).toBe('text');
    expect(inputKind({ spec: { output: { kind: 'softmax', activate: true } } })).toBeNull();
    expect(inputKind(null)).toBeNull();
    expect(inputKind(undefined)).toBeNull();
  });
});
