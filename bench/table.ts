import type { Spread } from './stats.js';

export type Align = 'left' | 'right';

/** Plain-text columns padded to the widest cell; the first column left-aligned, the rest right unless told. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], align?: readonly Align[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => [...(r[c] ?? '')].length)));
  const line = (r: readonly string[]) => r.map((cell, c) => {
    const a = align?.[c] ?? (c === 0 ? 'left' : 'right');
    const pad = ' '.repeat(widths[c] - [...cell].length);
    return a === 'left' ? cell + pad : pad + cell;
  }).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

const thousands = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Requests per second: whole numbers with thousands separators. */
export function fmtRate(n: number): string {
  return Number.isFinite(n) ? thousands.format(n) : '—';
}

/** Milliseconds: three decimals under 1 ms, two under 10 ms, one above. */
export function fmtMs(n: number): string {
  if (!Number.isFinite(n)) return '—';
  return n.toFixed(n < 1 ? 3 : n < 10 ? 2 : 1);
}

export function fmtRatio(n: number): string {
  return Number.isFinite(n) ? `${n.toFixed(2)}×` : '—';
}

export function fmtPercent(n: number): string {
  return Number.isFinite(n) ? `${n >= 0 ? '+' : ''}${(n * 100).toFixed(1)}%` : '—';
}

/** Cores busy on average over a run: two decimals, so 1.00 is one core all the time. */
export function fmtCores(n: number | undefined): string {
  return n !== undefined && Number.isFinite(n) ? n.toFixed(2) : '—';
}

/** A share of 0 to 1 as a whole percentage, unsigned. */
export function fmtShare(n: number | undefined): string {
  return n !== undefined && Number.isFinite(n) ? `${(n * 100).toFixed(0)}%` : '—';
}

/** "median (min–max)", or the median alone for a single measurement. */
export function fmtSpread(s: Spread, fmt: (n: number) => string): string {
  if (s.n === 0) return '—';
  if (s.n === 1) return fmt(s.median);
  return `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}
