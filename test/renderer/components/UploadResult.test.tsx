import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, test } from 'vitest';
import { UploadResult } from '../../../renderer/components/UploadForm.js';
import { processing, version } from './processed-version.js';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#x27;/g, "'").replace(/\s+/g, ' ').trim();

describe('UploadResult', () => {
  test('says what was attached and what the version still waits for', () => {
    const v = version({ name: 'ocr-rec', version: 3, processing: processing('ppocr-rec', [], ['keys']) });
    expect(text(renderToStaticMarkup(<UploadResult version={v} attached={['keys']} failed={[]} />))).toBe('Registered ocr-rec version 3. Attached “keys”.');
    expect(text(renderToStaticMarkup(<UploadResult version={v} attached={[]} failed={[]} />)))
      .toBe('Registered ocr-rec version 3. It answers once “keys” is attached, on the model\'s page.');
  });

  test('a refused asset is an alert with the server\'s words', () => {
    const v = version({ name: 'net', version: 1, processing: processing('imagenet', [], ['labels']) });
    const html = renderToStaticMarkup(<UploadResult version={v} attached={[]} failed={[{ key: 'labels', error: 'The asset "labels" is empty.' }]} />);
    expect(html).toContain('<p class="form-error" role="alert">The asset “labels” was not attached: The asset &quot;labels&quot; is empty.</p>');
  });

  test('bytes already registered say so', () => {
    const v = version({ name: 'ocr', version: 2, existing: true });
    expect(text(renderToStaticMarkup(<UploadResult version={v} attached={[]} failed={[]} />))).toBe('That file is already version 2 of ocr; nothing new was registered.');
  });
});
