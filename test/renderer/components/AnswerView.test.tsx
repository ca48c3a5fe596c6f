import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, test } from 'vitest';
import { AnswerView } from '../../../renderer/components/AnswerView.js';

describe('AnswerView', () => {
  test('a label or a text stands out, with its score', () => {
    expect(renderToStaticMarkup(<AnswerView answer={{ kind: 'label', label: '180', score: 0.9321 }} />))
      .toContain('<dt>Label</dt><dd><strong class="answer-value">180</strong></dd></div><div><dt>Score</dt><dd>0.932</dd>');
    expect(renderToStaticMarkup(<AnswerView answer={{ kind: 'text', text: 'HEARTH 2026', score: null }} />))
      .toContain('<dt>Text</dt><dd><strong class="answer-value">HEARTH 2026</strong></dd></div><div><dt>Score</dt><dd>—</dd>');
  });

  test('top k as a table, best first; none above the threshold says so', () => {
    const html = renderToStaticMarkup(<AnswerView answer={{ kind: 'ranked', rows: [{ label: 'tabby', score: 0.7 }, { label: 'lynx', score: 0.25 }] }} />);
    const rows = [...html.matchAll(/<tr><th scope="row"[^>]*>([^<]*)<\/th><td class="num">([^<]*)<\/td><\/tr>/g)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual([['tabby', '0.700'], ['lynx', '0.250']]);
    expect(renderToStaticMarkup(<AnswerView answer={{ kind: 'ranked', rows: [] }} />)).toContain('No label scored high enough.');
  });

  test('other outputs show as JSON', () => {
    expect(renderToStaticMarkup(<AnswerView answer={{ kind: 'outputs', outputs: [{ name: 'logits', data: [1] }] }} />)).toContain('&quot;logits&quot;');
  });
});
