import { describe, expect, test } from 'vitest';
import {
  formatBytes, formatDuration, formatMs, formatPercent, formatRelative, formatShape, formatTime, groupHex, shortHash,
} from '../../../renderer/lib/format.js';

describe('format', () => {
  test('bytes in powers of 1024 with two significant decimals below 10', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(517)).toBe('517 B');
    expect(formatBytes(1536)).toBe('1.50 KB');
    expect(formatBytes(12.5 * 1024 ** 3)).toBe('12.5 GB');
    expect(formatBytes(250 * 1024 ** 2)).toBe('250 MB');
    expect(formatBytes(null)).toBe('—');
  });

  test('durations as the two largest units, milliseconds under a second', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(0.0034)).toBe('3 ms');
    expect(formatDuration(0.0001)).toBe('1 ms');
    expect(formatDuration(42.4)).toBe('42 s');
    expect(formatDuration(3 * 86_400 + 4 * 3600 + 59)).toBe('3 d 4 h');
    expect(formatDuration(3600 + 5)).toBe('1 h');
    expect(formatDuration(125)).toBe('2 min 5 s');
    expect(formatDuration(-90)).toBe('-1 min 30 s');
  });

  test('availability never rounds up to a met target', () => {
    expect(formatPercent(1)).toBe('100 %');
    expect(formatPercent(0.999)).toBe('99.9 %');
    expect(formatPercent(0.99999)).toBe('99.999 %');
    expect(formatPercent(0.999996)).toBe('99.999 %');
    expect(formatPercent(0.9907730161984827)).toBe('99.077 %');
    expect(formatPercent(0.5)).toBe('50.0 %');
    expect(formatPercent(0.0164, 2)).toBe('1.64 %');
    expect(formatPercent(null)).toBe('—');
  });

  test('latency with precision that fits its size', () => {
    expect(formatMs(0.4237)).toBe('0.42 ms');
    expect(formatMs(12.34)).toBe('12.3 ms');
    expect(formatMs(129.4)).toBe('129 ms');
    expect(formatMs(1250)).toBe('1.25 s');
  });

  test('times are local, sortable and zero-padded', () => {
    const t = new Date(2026, 0, 5, 7, 8, 9).getTime();
    expect(formatTime(t)).toBe('2026-01-05 07:08:09');
    expect(formatRelative(t - 125_000, t)).toBe('2 min ago');
    expect(formatRelative(t + 2 * 86_400_000, t)).toBe('in 2 d');
    expect(formatRelative(t - 1000, t)).toBe('just now');
  });

  test('shapes show dynamic dimensions as "?"; hashes are shortened and grouped', () => {
    expect(formatShape([-1, 4])).toBe('[?, 4]');
    expect(shortHash('4fffa16ee527bf57dc13', 8)).toBe('4fffa16e…');
    expect(shortHash('abc', 8)).toBe('abc');
    expect(groupHex('eb000ec9d7d7f8cc')).toBe('eb00 0ec9 d7d7 f8cc');
  });
});
