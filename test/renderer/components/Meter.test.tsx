import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, test } from 'vitest';
import { Meter } from '../../../renderer/components/Meter.js';

describe('Meter', () => {
  test('exposes its value to assistive technology and colours by level', () => {
    const html = renderToStaticMarkup(<Meter label="Memory" value={0.8} text="8 GB of 10 GB" />);
    expect(html).toContain('role="meter"');
    expect(html).toContain('aria-label="Memory"');
    expect(html).toContain('aria-valuenow="80"');
    expect(html).toContain('aria-valuetext="8 GB of 10 GB"');
    expect(html).toContain('meter meter-warn');
    expect(html).toContain('width:80%');
    expect(renderToStaticMarkup(<Meter label="x" value={0.95} text="" />)).toContain('meter-bad');
    expect(renderToStaticMarkup(<Meter label="x" value={0.2} text="" />)).toContain('meter-ok');
  });

  test('an unknown value has no number and an empty bar; out-of-range values are clamped', () => {
    const unknown = renderToStaticMarkup(<Meter label="GPU" value={null} text="unknown" />);
    expect(unknown).not.toContain('aria-valuenow');
    expect(unknown).toContain('meter-muted');
    expect(renderToStaticMarkup(<Meter label="x" value={1.7} text="" />)).toContain('aria-valuenow="100"');
  });
});

describe('Meter without levels', () => {
  test('stays neutral when high is fine', () => {
    expect(renderToStaticMarkup(<Meter label="Utilization" value={0.97} text="97 %" levels={false} />)).toContain('meter meter-info');
  });
});
