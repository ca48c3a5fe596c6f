import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { writeDemoModels } from '../../scripts/make-models.js';

const bundled = fileURLToPath(new URL('../../resources/models/', import.meta.url));
const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('writeDemoModels', () => {
  it('writes the two demo versions, byte for byte the files bundled in resources/models', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-models-'));
    temps.push(dir);
    const paths = writeDemoModels(dir);
    expect(paths.map((p) => basename(p))).toEqual(['demo-v1.onnx', 'demo-v2.onnx']);
    // If this fails, the builder changed: run `npm run build && npm run models` and commit the new files.
    for (const path of paths) expect(readFileSync(path).equals(readFileSync(join(bundled, basename(path))))).toBe(true);
  });

  it('bundles files onnxruntime loads with the documented signature', async () => {
    for (const file of ['demo-v1.onnx', 'demo-v2.onnx']) {
      const session = await ort.InferenceSession.create(readFileSync(join(bundled, file)));
      expect(session.inputNames).toEqual(['features']);
      expect(session.outputNames).toEqual(['probabilities', 'label']);
    }
  });
});
