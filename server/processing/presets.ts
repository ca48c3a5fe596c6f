import type { ImageInput, ProcessingSpec } from './spec.js';

const PPOCR_IMAGE: Omit<ImageInput, 'resize'> = {
  kind: 'image', name: 'image', color: 'bgr', scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5],
  pad: 0, layout: 'NCHW', maxPixels: 40_000_000, maxBatch: 64,
};

/**
 * Ready-made specs for common models, by the names clients and scripts use. Every field can be
 * overridden by a spec that names the preset (`{"preset": "imagenet", "output": {"k": 3}}`).
 */
export const PRESETS: Record<string, ProcessingSpec> = {
  // PaddleOCR's text-direction classifier: BGR, height 48, width up to 192 padded with 0.
  'ppocr-cls': {
    input: { ...PPOCR_IMAGE, resize: { mode: 'height', height: 48, width: 192, maxWidth: 192 } },
    output: { kind: 'classify', activate: false, labels: ['0', '180'] },
  },
  // PaddleOCR's recognizer: height 48, the batch padded to its widest line (at least 320, as
  // PaddleOCR's rec_image_shape 3,48,320); the character list is the asset `keys`.
  'ppocr-rec': {
    input: { ...PPOCR_IMAGE, resize: { mode: 'height', height: 48, minWidth: 320, maxWidth: 3200 } },
    output: { kind: 'ctc', activate: false, characters: 'keys', blank: 0, space: true },
  },
  imagenet: {
    input: {
      kind: 'image', name: 'image', color: 'rgb', resize: { mode: 'crop', shorter: 256, width: 224, height: 224 },
      scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], pad: 0, layout: 'NCHW',
      maxPixels: 40_000_000, maxBatch: 64,
    },
    output: { kind: 'topk', activate: true, k: 5, labels: { asset: 'labels' } },
  },
  bert: {
    input: {
      kind: 'text', name: 'text', asset: 'tokenizer', maxLength: 128, truncation: true, padding: 'longest',
      inputIds: 'input_ids', attentionMask: 'attention_mask', maxBatch: 64,
    },
    output: { kind: 'classify', activate: true, labels: 'metadata' },
  },
};

export const PRESET_NAMES = Object.keys(PRESETS);
