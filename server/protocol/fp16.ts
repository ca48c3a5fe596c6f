// IEEE 754 binary16 <-> binary64. Node 20 has no Math.f16round or Float16Array, and onnxruntime-node
// carries FP16 tensors as Uint16Array of raw bits, so the conversion is done here by hand.

const TWO_POW_24 = 2 ** 24;
const MIN_NORMAL = 2 ** -14;
// Halfway between the largest finite half (65504) and the next step (65536): at or above rounds to infinity.
const OVERFLOW = 65520;

/** Round to the nearest integer, ties to even: the IEEE default rounding mode. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const rest = x - floor;
  if (rest > 0.5 || (rest === 0.5 && floor % 2 === 1)) return floor + 1;
  return floor;
}

/** The half-float bits nearest to `value` (round to nearest, ties to even); NaN becomes the quiet NaN 0x7e00. */
export function floatToHalf(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const abs = Math.abs(value);
  if (abs >= OVERFLOW) return sign | 0x7c00;
  if (abs < MIN_NORMAL) {
    // Subnormal: units of 2^-24. Scaling by a power of two is exact, so only the rounding loses bits.
    // A result of 1024 is 0x0400, the smallest normal, which is also the right bit pattern.
    return sign | roundHalfEven(abs * TWO_POW_24);
  }
  let exponent = Math.floor(Math.log2(abs));
  // Math.log2 may be off by one right next to a power of two.
  if (2 ** exponent > abs) exponent -= 1;
  else if (2 ** (exponent + 1) <= abs) exponent += 1;
  let mantissa = roundHalfEven((abs / 2 ** exponent - 1) * 1024);
  if (mantissa === 1024) {
    mantissa = 0;
    exponent += 1;
  }
  if (exponent > 15) return sign | 0x7c00;
  return sign | ((exponent + 15) << 10) | mantissa;
}

/** The exact value of half-float bits. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}
