import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, test } from 'vitest';
import { ProcessingFields } from '../../../renderer/components/ProcessingFields.js';
import { choose, emptyProcessing } from '../../../renderer/lib/processing.js';

const noop = () => undefined;
const options = (html: string) => [...html.matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]);

describe('ProcessingFields', () => {
  test('offers none, the four presets and a custom spec; with none there is nothing more to fill', () => {
    const html = renderToStaticMarkup(<ProcessingFields draft={emptyProcessing()} onChange={noop} />);
    expect(options(html)).toEqual(['none', 'ppocr-cls', 'ppocr-rec', 'imagenet', 'bert', 'custom']);
    expect(html).not.toContain('Assets (optional)');
    expect(html).not.toContain('<textarea');
  });

  test('a preset that reads an asset offers a file for it under its key', () => {
    const html = renderToStaticMarkup(<ProcessingFields draft={choose(emptyProcessing(), 'ppocr-rec')} onChange={noop} />);
    expect(html).toContain('Assets (optional)');
    expect(html).toMatch(/aria-label="Key of asset 1"[^>]*value="keys"/);
    expect(html).toContain('aria-label="File for asset “keys”"');
    expect(html).not.toContain('<textarea');
  });

  test('a custom spec has its JSON field and an unnamed asset row; disabled while uploading', () => {
    const html = renderToStaticMarkup(<ProcessingFields draft={choose(emptyProcessing(), 'custom')} onChange={noop} disabled />);
    expect(html).toContain('Processing spec (JSON)');
    expect(html).toContain('aria-label="File for asset 1"');
    expect(html).toMatch(/<select[^>]*disabled=""/);
    expect([...html.matchAll(/<button[^>]*>/g)].every((m) => m[0].includes('disabled=""'))).toBe(true);
  });
});
