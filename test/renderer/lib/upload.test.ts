import { describe, expect, test } from 'vitest';
import { looksLikeOnnx, modelNameError, parseTags, uploadRequest } from '../../../renderer/lib/upload.js';

describe('upload form', () => {
  test('model names follow the registry rule', () => {
    expect(modelNameError('fraud-scorer_v2.1')).toBeNull();
    expect(modelNameError('')).toBe('Name the model.');
    expect(modelNameError('has space')).toContain('only letters');
    expect(modelNameError('a/b')).toContain('only letters');
    expect(modelNameError('..')).toContain('only letters');
    expect(modelNameError('x'.repeat(129))).toContain('128');
  });

  test('tags are trimmed, deduplicated and empty ones dropped', () => {
    expect(parseTags(' a, b,,a , c ')).toEqual(['a', 'b', 'c']);
    expect(parseTags('')).toEqual([]);
  });

  test('builds the path and query; metadata is sent as compact JSON', () => {
    expect(uploadRequest({ model: 'iris', description: ' better ', tags: 'x, y', metadata: '{ "dataset": "q4",\n "acc": 0.9 }' })).toEqual({
      ok: true,
      path: '/admin/v1/models/iris/versions',
      query: { description: 'better', tags: ['x', 'y'], metadata: '{"dataset":"q4","acc":0.9}' },
    });
    expect(uploadRequest({ model: 'iris', description: '', tags: '', metadata: '  ' })).toMatchObject({ ok: true, query: { metadata: undefined } });
  });

  test('refuses metadata that is not a JSON object', () => {
    expect(uploadRequest({ model: 'iris', description: '', tags: '', metadata: '{oops' })).toMatchObject({ ok: false, error: expect.stringContaining('not valid JSON') as unknown });
    expect(uploadRequest({ model: 'iris', description: '', tags: '', metadata: '[1, 2]' })).toMatchObject({ ok: false, error: expect.stringContaining('JSON object') as unknown });
    expect(uploadRequest({ model: 'bad name', description: '', tags: '', metadata: '' })).toMatchObject({ ok: false });
  });

  test('recognizes .onnx files by name', () => {
    expect(looksLikeOnnx('Model.ONNX')).toBe(true);
    expect(looksLikeOnnx('model.onnx.zip')).toBe(false);
  });
});
