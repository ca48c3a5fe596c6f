import type { ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { describe, expect, test } from 'vitest';
import type { ModelVersion } from '../../../renderer/api/types.js';
import { SessionProvider } from '../../../renderer/auth/session.js';
import { TryIt } from '../../../renderer/components/TryIt.js';
import { processing, version } from './processed-version.js';

const store = { get: () => 'token', set: () => undefined, clear: () => undefined };
const render = (node: ReactNode) => renderToStaticMarkup(
  <QueryClientProvider client={new QueryClient()}><SessionProvider store={store}>{node}</SessionProvider></QueryClientProvider>,
);
const selected = (html: string) => /<option value="(\d+)" selected="">/.exec(html)?.[1];

describe('TryIt', () => {
  test('an image version: a drop zone for the image and no Send until one is picked', () => {
    const html = render(<TryIt model="ocr" versions={[version({ processing: processing('ppocr-cls') })]} />);
    expect(html).toContain('aria-label="Image to try"');
    expect(html).toContain('accept="image/png,image/jpeg,image/webp,image/tiff"');
    expect(html).toMatch(/<button type="submit"[^>]*disabled=""[^>]*>Send<\/button>/);
    expect(html).toContain('Version 1, through its processing');
    expect(html).not.toContain('<textarea');
  });

  test('a text version: a text field, and a warning while its tokenizer is missing', () => {
    const html = render(<TryIt model="sentiment" versions={[version({ processing: processing('bert', [], ['tokenizer']) })]} />);
    expect(html).toContain('Text to try');
    expect(html).toMatch(/<button type="submit"(?![^>]*disabled)[^>]*>Send<\/button>/);
    expect(html).toContain('Version 1 answers once “tokenizer” is attached (above).');
  });

  test('only versions that take files or texts are offered; production first', () => {
    const versions: ModelVersion[] = [
      version({ version: 3, processing: processing('ppocr-cls') }),
      version({ version: 2, processing: processing('ppocr-cls'), aliases: ['production'] }),
      version({ version: 1, processing: { ...processing('ppocr-cls'), spec: { output: { kind: 'softmax', activate: true } } } }),
      version({ version: 0, processing: null }),
    ];
    const html = render(<TryIt model="ocr" versions={versions} preferred={2} />);
    expect([...html.matchAll(/<option value="(\d+)"/g)].map((m) => m[1])).toEqual(['3', '2']);
    expect(html).toContain('>2 (production)</option>');
    expect(selected(html)).toBe('2');
    expect(selected(render(<TryIt model="ocr" versions={versions} />))).toBe('3');
  });

  test('nothing to try on a model whose versions keep their tensors', () => {
    expect(render(<TryIt model="iris" versions={[version({ processing: null })]} />)).toBe('');
  });
});
