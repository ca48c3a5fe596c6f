import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, test } from 'vitest';
import type { ModelVersion } from '../../../renderer/api/types.js';
import { VersionItem, type VersionActions } from '../../../renderer/components/VersionItem.js';
import { processing } from './processed-version.js';

const noop = () => undefined;
const actions: VersionActions = { promote: noop, setCanary: noop, clearCanary: noop, load: noop, unload: noop, remove: noop, attachAsset: noop };

const version = (over: Partial<ModelVersion>): ModelVersion => ({
  name: 'iris', version: 3, sha256: 'ab'.repeat(32), size: 2048, createdAt: 0, description: 'retrained',
  inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'label', datatype: 'INT64', shape: [-1] }],
  metadata: { dataset: 'q4', metrics: { acc: 0.97 } }, tags: ['candidate'], settings: { dynamicBatching: true, instances: 1, placement: 'auto' },
  aliases: [], state: 'UNAVAILABLE', stateReason: 'not loaded', provider: null,
  circuit: { state: 'closed', consecutiveFailures: 0, threshold: 5, cooldownMs: 30_000, opened: 0, openedAt: null, retryAfterMs: 0, lastFailure: null },
  ...over,
});

const buttons = (html: string) => [...html.matchAll(/<button[^>]*>([^<]*)<\/button>/g)].map((m) => m[1]);

describe('VersionItem', () => {
  test('an idle version can be promoted, made canary, loaded and deleted', () => {
    const html = renderToStaticMarkup(<VersionItem v={version({})} actions={actions} busy={false} />);
    expect(buttons(html)).toEqual(['Promote to production', 'Set as canary', 'Load', 'Details and lineage (2)', 'Delete version 3']);
    expect(html).toContain('features: FP32 [?, 4]');
    expect(html).toContain('not loaded');
  });

  test('production is not promoted again, has no canary button, cannot be unloaded or deleted', () => {
    const html = renderToStaticMarkup(<VersionItem v={version({ aliases: ['production'], state: 'READY', stateReason: '', provider: 'cpu' })} actions={actions} busy={false} />);
    expect(buttons(html)).toEqual(['Unload', 'Details and lineage (2)']);
    expect(html).toMatch(/<button[^>]*disabled=""[^>]*>Unload/);
    expect(html).toContain('on cpu');
  });

  test('the canary offers to remove the alias; lineage values are shown, objects as JSON', () => {
    const html = renderToStaticMarkup(<VersionItem v={version({ aliases: ['canary'], state: 'READY', stateReason: '' })} actions={actions} busy={false} />);
    expect(buttons(html)).toEqual(['Promote to production', 'Remove canary', 'Unload', 'Details and lineage (2)']);
    expect(html).toContain('<dt>dataset</dt><dd>q4</dd>');
    expect(html).toContain('{&quot;acc&quot;:0.97}');
  });

  test('while an action runs every action button is disabled', () => {
    const html = renderToStaticMarkup(<VersionItem v={version({})} actions={actions} busy />);
    const enabled = [...html.matchAll(/<button(?![^>]*disabled)[^>]*>([^<]*)</g)].map((m) => m[1]);
    expect(enabled).toEqual(['Details and lineage (2)']);
  });

  test('a loaded version says whether it runs inline on the HTTP thread, with its run time and why on hover', () => {
    const ready = version({ aliases: ['production'], state: 'READY', stateReason: '', provider: 'cpu' });
    const inline = renderToStaticMarkup(<VersionItem v={ready} actions={actions} busy={false} runPlace={{ inline: true, runUs: 12 }} />);
    expect(inline).toMatch(/<span class="hint run-place" title="A run of this version took 12 µs[^"]*HTTP thread[^"]*">Runs inline · 12 µs<\/span>/);
    const workers = renderToStaticMarkup(<VersionItem v={ready} actions={actions} busy={false} runPlace={{ inline: false }} />);
    expect(workers).toMatch(/<span class="hint run-place" title="Every request[^"]*">Runs in worker threads<\/span>/);
    expect(workers).not.toContain('Runs inline');
    // The explanation is in the details too, for whoever cannot hover.
    expect(workers).toContain('<p class="hint">Runs in worker threads: Every request to this version runs in a worker thread');
  });

  test('a version that is not serving claims no run place, even with a stale answer', () => {
    for (const state of ['UNAVAILABLE', 'LOADING']) {
      const html = renderToStaticMarkup(<VersionItem v={version({ state })} actions={actions} busy={false} runPlace={{ inline: true, runUs: 12 }} />);
      expect(html).not.toContain('run-place');
      expect(html).not.toContain('Runs inline');
    }
    const unknown = renderToStaticMarkup(<VersionItem v={version({ state: 'READY', stateReason: '' })} actions={actions} busy={false} />);
    expect(unknown).not.toContain('run-place');
  });

  test('a version with processing shows it, with a picker for each missing asset; one without shows none', () => {
    const html = renderToStaticMarkup(<VersionItem v={version({ processing: processing('ppocr-rec', [], ['keys']) })} actions={actions} busy={false} />);
    expect(html).toContain('aria-label="Processing of version 3"');
    expect(html).toContain('aria-label="Attach asset “keys” to version 3"');
    expect(renderToStaticMarkup(<VersionItem v={version({ processing: null })} actions={actions} busy={false} />)).not.toContain('Processing of version');
  });
});
