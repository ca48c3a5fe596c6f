// Versions with processing as GET /admin/v1/models/NAME describes them, for the component tests.
import type { ModelVersion, VersionProcessing } from '../../../renderer/api/types.js';
import { PRESETS } from '../../../server/processing/presets.js';

export const version = (over: Partial<ModelVersion>): ModelVersion => ({
  name: 'ocr', version: 1, sha256: 'ab'.repeat(32), size: 2048, createdAt: 0, description: '',
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3, 48, -1] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }],
  metadata: {}, tags: [], settings: {}, aliases: [], state: 'READY', stateReason: '', provider: 'cpu',
  circuit: { state: 'closed', consecutiveFailures: 0, threshold: 5, cooldownMs: 30_000, opened: 0, openedAt: null, retryAfterMs: 0, lastFailure: null },
  processing: null,
  ...over,
});

/** The processing part of a version made with `preset`, with these assets attached and these missing. */
export const processing = (preset: string, attached: string[] = [], missing: string[] = []): VersionProcessing => {
  const spec = { preset, ...PRESETS[preset] };
  const text = spec.input?.kind === 'text';
  return {
    spec,
    inputs: [{ name: text ? 'text' : 'image', datatype: 'BYTES', shape: [-1] }],
    outputs: [{ name: spec.output?.kind === 'ctc' ? 'text' : 'label', datatype: 'BYTES', shape: [-1] }, { name: 'score', datatype: 'FP32', shape: [-1] }],
    assets: attached.map((key) => ({ key, sha256: 'cd'.repeat(32), size: 26_000, createdAt: 0 })),
    missingAssets: missing,
  };
};
