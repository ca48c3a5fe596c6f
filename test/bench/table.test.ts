import { describe, expect, it } from 'vitest';
import { fmtCores, fmtMs, fmtPercent, fmtRate, fmtRatio, fmtShare, fmtSpread, formatTable } from '../../bench/table.js';

describe('formatTable', () => {
  it('pads columns to the widest cell, text left and numbers right', () => {
    const text = formatTable(['', 'req/s', 'p99 ms'], [['Hearth', '12,345', '0.812'], ['naive server', '950', '12.5']]);
    expect(text.split('\n')).toEqual([
      '               req/s  p99 ms',
      '------------  ------  ------',
      'Hearth        12,345   0.812',
      'naive server     950    12.5',
    ]);
  });

  it('counts a multi-byte character as one column', () => {
    const text = formatTable(['a', 'b'], [['≥ 2×', 'x']], ['left', 'left']);
    expect(text.split('\n')[2]).toBe('≥ 2×  x');
  });
});

describe('number formats', () => {
  it('formats rates, milliseconds, ratios and percentages', () => {
    expect(fmtRate(12345.6)).toBe('12,346');
    expect(fmtMs(0.81234)).toBe('0.812');
    expect(fmtMs(7.056)).toBe('7.06');
    expect(fmtMs(33.72)).toBe('33.7');
    expect(fmtRatio(2.345)).toBe('2.35×');
    expect(fmtPercent(0.034)).toBe('+3.4%');
    expect(fmtPercent(-0.1)).toBe('-10.0%');
    expect(fmtRate(Number.NaN)).toBe('—');
  });

  it('formats cores and shares, a missing figure as a dash', () => {
    expect(fmtCores(1.987)).toBe('1.99');
    expect(fmtCores(undefined)).toBe('—');
    expect(fmtShare(0.034)).toBe('3%');
    expect(fmtShare(Number.NaN)).toBe('—');
  });

  it('shows a spread as median (min–max), and one measurement alone', () => {
    expect(fmtSpread({ median: 2, min: 1.5, max: 2.5, n: 3 }, fmtRatio)).toBe('2.00× (1.50×–2.50×)');
    expect(fmtSpread({ median: 1000, min: 1000, max: 1000, n: 1 }, fmtRate)).toBe('1,000');
    expect(fmtSpread({ median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 }, fmtRate)).toBe('—');
  });
});
