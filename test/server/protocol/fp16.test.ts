import { describe, expect, it } from 'vitest';
import { floatToHalf, halfToFloat } from '../../../server/protocol/fp16.js';

describe('half floats', () => {
  it('round-trips every non-NaN bit pattern exactly', () => {
    const wrong: number[] = [];
    let nans = 0;
    for (let bits = 0; bits < 0x10000; bits++) {
      const isNaN = (bits & 0x7c00) === 0x7c00 && (bits & 0x3ff) !== 0;
      if (isNaN) {
        if (Number.isNaN(halfToFloat(bits))) nans++;
      } else if (floatToHalf(halfToFloat(bits)) !== bits) {
        wrong.push(bits);
      }
    }
    expect(wrong).toEqual([]);
    expect(nans).toBe(2 * 1023);
  });

  it('decodes well-known values', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x0400)).toBe(2 ** -14);
    expect(halfToFloat(0x3555)).toBe(0.333251953125);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
  });

  it('rounds to nearest, ties to even, across normals and subnormals', () => {
    // Walk consecutive pairs of positive finite halfs; the midpoint rounds to the even one, anything off it to the nearer.
    const wrong: string[] = [];
    for (let bits = 0; bits < 0x7bff; bits++) {
      const lo = halfToFloat(bits);
      const hi = halfToFloat(bits + 1);
      const mid = (lo + hi) / 2;
      const even = bits % 2 === 0 ? bits : bits + 1;
      const quarter = (hi - lo) / 4;
      const got = [floatToHalf(mid), floatToHalf(-mid), floatToHalf(mid - quarter), floatToHalf(mid + quarter)];
      const want = [even, even | 0x8000, bits, bits + 1];
      if (got.some((g, i) => g !== want[i])) wrong.push(`${bits}: ${got.join(',')} != ${want.join(',')}`);
    }
    expect(wrong).toEqual([]);
  });

  it('converts specific values as numpy does', () => {
    expect(floatToHalf(0.1)).toBe(0x2e66);
    expect(floatToHalf(1 / 3)).toBe(0x3555);
    expect(floatToHalf(65519.99)).toBe(0x7bff);
    expect(floatToHalf(65520)).toBe(0x7c00);
    expect(floatToHalf(1e10)).toBe(0x7c00);
    expect(floatToHalf(-1e10)).toBe(0xfc00);
    expect(floatToHalf(2 ** -25)).toBe(0); // exactly half the smallest subnormal: ties to even (zero)
    expect(floatToHalf(2 ** -25 * 1.0000001)).toBe(1);
    expect(floatToHalf(1e-30)).toBe(0);
    expect(floatToHalf(-0)).toBe(0x8000);
    expect(floatToHalf(Number.NaN)).toBe(0x7e00);
    expect(floatToHalf(Infinity)).toBe(0x7c00);
    // Just below the smallest normal rounds up into it.
    expect(floatToHalf(2 ** -14 - 2 ** -26)).toBe(0x0400);
    // Mantissa overflow carries into the exponent: 2047.5 lies midway between 2047 and 2048 -> even mantissa (2048).
    expect(floatToHalf(2047.5)).toBe(0x6800);
  });
});
