import { describe, expect, test } from 'vitest';
import { formatScore, parseAnswer, tryRequest } from '../../../renderer/lib/answer.js';

const out = (name: string, data: unknown[]) => ({ name, datatype: typeof data[0] === 'string' ? 'BYTES' : 'FP32', shape: [data.length], data });

describe('the "Try it" request', () => {
  test('a text goes as text/plain to the version\'s infer URL', () => {
    expect(tryRequest('sentiment/x', 2, { kind: 'text', text: 'good film' })).toEqual({
      ok: true, path: '/v2/models/sentiment%2Fx/versions/2/infer', body: 'good film', contentType: 'text/plain; charset=utf-8',
    });
    expect(tryRequest('s', 1, { kind: 'text', text: '  \n' })).toEqual({ ok: false, error: 'Type a text to send.' });
  });

  test('an image goes with its own type, or the type its name says', () => {
    const png = new File([new Uint8Array([137, 80])], 'line.png', { type: 'image/png' });
    expect(tryRequest('ocr', 1, { kind: 'image', file: png })).toMatchObject({ ok: true, contentType: 'image/png', body: png });
    const untyped = new File([new Uint8Array([1])], 'Photo.JPG');
    expect(tryRequest('ocr', 1, { kind: 'image', file: untyped })).toMatchObject({ ok: true, contentType: 'image/jpeg' });
    expect(tryRequest('ocr', 1, { kind: 'image', file: new File([new Uint8Array([1])], 'scan.tif') })).toMatchObject({ ok: true, contentType: 'image/tiff' });
  });

  test('a file Hearth cannot read as an image is refused before it is sent', () => {
    const gif = new File([new Uint8Array([1])], 'cat.gif', { type: 'image/gif' });
    expect(tryRequest('ocr', 1, { kind: 'image', file: gif })).toEqual({ ok: false, error: 'Hearth reads PNG, JPEG, WebP and TIFF images; "cat.gif" is none of them.' });
    const svg = new File(['<svg/>'], 'logo.svg', { type: 'image/svg+xml' });
    expect(tryRequest('ocr', 1, { kind: 'image', file: svg })).toMatchObject({ ok: false });
    expect(tryRequest('ocr', 1, { kind: 'image', file: new File([], 'empty.png', { type: 'image/png' }) })).toEqual({ ok: false, error: 'The file is empty.' });
  });
});

describe('reading the answer', () => {
  test('a classifier: label and score', () => {
    expect(parseAnswer({ model_name: 'ocr-cls', outputs: [out('label', ['180']), out('score', [0.93])] })).toEqual({ kind: 'label', label: '180', score: 0.93 });
    expect(parseAnswer({ outputs: [out('label', ['0'])] })).toEqual({ kind: 'label', label: '0', score: null });
  });

  test('text recognition: text and score', () => {
    expect(parseAnswer({ outputs: [out('score', [0.99]), out('text', ['HEARTH 2026'])] })).toEqual({ kind: 'text', text: 'HEARTH 2026', score: 0.99 });
  });

  test('top k and multilabel: ranked rows, padding dropped', () => {
    expect(parseAnswer({ outputs: [out('labels', ['tabby', 'tiger cat']), out('scores', [0.7, 0.2])] })).toEqual({
      kind: 'ranked', rows: [{ label: 'tabby', score: 0.7 }, { label: 'tiger cat', score: 0.2 }],
    });
    expect(parseAnswer({ outputs: [out('labels', ['spam', '', '']), out('scores', [0.8, 0, 0])] })).toEqual({ kind: 'ranked', rows: [{ label: 'spam', score: 0.8 }] });
  });

  test('probabilities: classes by index, highest first', () => {
    expect(parseAnswer({ outputs: [out('probabilities', [0.1, 0.7, 0.2])] })).toEqual({
      kind: 'ranked', rows: [{ label: '1', score: 0.7 }, { label: '2', score: 0.2 }, { label: '0', score: 0.1 }],
    });
  });

  test('anything else is shown as it came', () => {
    const outputs = [out('logits', [1, 2])];
    expect(parseAnswer({ outputs })).toEqual({ kind: 'outputs', outputs });
    expect(parseAnswer('odd')).toEqual({ kind: 'outputs', outputs: 'odd' });
  });

  test('scores read with three decimals', () => {
    expect(formatScore(0.98765)).toBe('0.988');
    expect(formatScore(null)).toBe('—');
    expect(formatScore(Number.NaN)).toBe('—');
  });
});
