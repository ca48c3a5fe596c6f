import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, test } from 'vitest';
import { VersionProcessing } from '../../../renderer/components/VersionProcessing.js';
import { processing } from './processed-version.js';

const noop = () => undefined;
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();

describe('VersionProcessing', () => {
  test('shows the preset, what the version takes and answers, and what clients send and get', () => {
    const html = renderToStaticMarkup(<VersionProcessing version={4} processing={processing('ppocr-cls')} onAttach={noop} busy={false} />);
    expect(html).toContain('aria-label="Processing of version 4"');
    const words = text(html);
    expect(words).toContain('Processing ppocr-cls');
    expect(words).toContain('Takes an image (BGR, height 48, padded to width 192, NCHW)');
    expect(words).toContain('Answers label and score; classes from 2 listed classes (0, 180)');
    expect(words).toContain('Clients send image (BYTES)');
    expect(words).toContain('Clients get label (BYTES), score (FP32)');
    // No assets read: no asset list, no warning.
    expect(html).not.toContain('asset-list');
    expect(words).not.toContain('waiting for assets');
  });

  test('a missing asset is flagged, with a file picker to attach it; attached ones show size and hash', () => {
    const html = renderToStaticMarkup(<VersionProcessing version={2} processing={processing('imagenet', [], ['labels'])} onAttach={noop} busy={false} />);
    expect(text(html)).toContain('waiting for assets');
    expect(text(html)).toContain('missing labels the version answers 503 until it is attached');
    expect(html).toMatch(/<input type="file"[^>]*aria-label="Attach asset “labels” to version 2"/);

    const done = renderToStaticMarkup(<VersionProcessing version={2} processing={processing('ppocr-rec', ['keys'])} onAttach={noop} busy={false} />);
    expect(text(done)).toContain('attached keys 25.4 KB, SHA-256 cdcdcdcdcdcd');
    expect(done).not.toContain('type="file"');
    expect(text(done)).not.toContain('waiting for assets');
  });

  test('a custom spec reads as custom; while an action runs the picker is disabled', () => {
    const p = processing('bert', [], ['tokenizer']);
    const html = renderToStaticMarkup(<VersionProcessing version={1} processing={{ ...p, spec: { ...(p.spec as object), preset: undefined } }} onAttach={noop} busy />);
    expect(text(html)).toContain('Processing custom');
    expect(html).toMatch(/<input type="file"[^>]*disabled=""[^>]*aria-label="Attach asset “tokenizer” to version 1"/);
  });
});
