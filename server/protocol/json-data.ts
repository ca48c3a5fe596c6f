// Tensor data in JSON: the request's `data` (flat or nested, row-major) to typed storage, and
// storage back to the JSON text of a response's `data`.
import type { Datatype, Tensor, TensorData } from './tensor.js';
import { ProtocolError, quote } from './errors.js';
import { allocate, type FixedData } from './datatypes.js';
import { floatToHalf, halfToFloat } from './fp16.js';
import { formatShape } from './shape.js';

const INT_RANGE: Readonly<Partial<Record<Datatype, readonly [number, number]>>> = {
  UINT8: [0, 0xff],
  UINT16: [0, 0xffff],
  UINT32: [0, 0xffffffff],
  INT8: [-0x80, 0x7f],
  INT16: [-0x8000, 0x7fff],
  INT32: [-0x80000000, 0x7fffffff],
};

const BIG_RANGE: Readonly<Partial<Record<Datatype, readonly [bigint, bigint]>>> = {
  UINT64: [0n, 2n ** 64n - 1n],
  INT64: [-(2n ** 63n), 2n ** 63n - 1n],
};

// JSON has no NaN or infinities; Hearth writes them as these strings and reads them back.
const SPECIAL_FLOATS: ReadonlyMap<unknown, number> = new Map([
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
]);

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** How deep `data` may nest in all; deeper is refused before it costs anything. */
export const MAX_DATA_DEPTH = 100;

/**
 * The leaves of `data` in row-major order. Flat data is returned as is. Nested data must follow
 * `shape` level by level (every level an array of the declared length); below the last level it
 * may nest further, as Triton accepts, up to MAX_DATA_DEPTH levels in all: the caller then checks
 * the element count against the shape.
 */
export function flattenData(inputName: string, data: unknown, shape: readonly number[]): unknown[] {
  const name = quote(inputName);
  if (!Array.isArray(data)) throw new ProtocolError(400, `input ${name}: "data" must be an array`);
  if (data.length === 0 || !Array.isArray(data[0])) return data;
  const leaves: unknown[] = [];
  const deeper = (node: unknown, depth: number): void => {
    if (!Array.isArray(node)) {
      leaves.push(node);
      return;
    }
    if (depth >= MAX_DATA_DEPTH) {
      throw new ProtocolError(400, `input ${name}: "data" is nested more than ${MAX_DATA_DEPTH} levels deep`);
    }
    for (let i = 0; i < node.length; i++) deeper(node[i], depth + 1);
  };
  // Rank 0 or 1 with nested data: nothing to follow, only to flatten.
  const levels = shape.length < 2 ? 0 : shape.length;
  const walk = (node: unknown, depth: number, path: string): void => {
    if (depth === levels) {
      deeper(node, depth);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      const got = Array.isArray(node) ? `${node.length} elements` : show(node);
      throw new ProtocolError(
        400,
        `input ${name}: nested data${path} must be an array of ${shape[depth]} (shape ${formatShape(shape)}) but has ${got}`,
      );
    }
    for (let i = 0; i < node.length; i++) walk(node[i], depth + 1, `${path}[${i}]`);
  };
  walk(data, 0, '');
  return leaves;
}

/**
 * Typed storage of `values` as `datatype`, refusing anything that would not round-trip:
 * non-numbers, fractions or out-of-range values for integers, non-booleans for BOOL, non-strings for BYTES.
 * The caller has checked `values.length` against the shape and the size limit.
 */
export function dataFromJson(inputName: string, datatype: Datatype, values: readonly unknown[]): TensorData {
  const bad = (index: number, why: string): ProtocolError =>
    new ProtocolError(400, `input ${quote(inputName)}: element ${index} (${show(values[index])}) ${why}`);
  if (datatype === 'BF16') throw new ProtocolError(400, `input ${quote(inputName)}: BF16 is not supported by onnxruntime`);
  const out = allocate(datatype, values.length);

  if (Array.isArray(out)) {
    values.forEach((v, i) => {
      if (typeof v !== 'string') throw bad(i, 'is not a string; BYTES data must be strings');
      out[i] = v;
    });
    return out;
  }
  const typed: FixedData = out;

  const intRange = INT_RANGE[datatype];
  if (intRange) {
    const [min, max] = intRange;
    const target = typed as Exclude<FixedData, BigInt64Array | BigUint64Array>;
    values.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isInteger(v)) throw bad(i, `is not an integer; ${datatype} data must be integers`);
      if (v < min || v > max) throw bad(i, `is out of range for ${datatype} (${min} to ${max})`);
      target[i] = v;
    });
    return typed;
  }

  const bigRange = BIG_RANGE[datatype];
  if (bigRange) {
    const [min, max] = bigRange;
    const target = typed as BigInt64Array | BigUint64Array;
    values.forEach((v, i) => {
      let big: bigint;
      if (typeof v === 'number') {
        if (!Number.isInteger(v)) throw bad(i, `is not an integer; ${datatype} data must be integers`);
        // Beyond 2^53 the JSON parser has already rounded the number, so its exact value is lost.
        if (!Number.isSafeInteger(v)) throw bad(i, 'is beyond ±(2^53 - 1); send larger 64-bit values as decimal strings');
        big = BigInt(v);
      } else if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) {
        big = BigInt(v);
      } else {
        throw bad(i, `is not an integer; ${datatype} data must be integers or decimal strings`);
      }
      if (big < min || big > max) throw bad(i, `is out of range for ${datatype} (${min} to ${max})`);
      target[i] = big;
    });
    return typed;
  }

  if (datatype === 'BOOL') {
    const target = typed as Uint8Array;
    values.forEach((v, i) => {
      if (v === true || v === 1) target[i] = 1;
      else if (v === false || v === 0) target[i] = 0;
      else throw bad(i, 'is not a boolean; BOOL data must be true, false, 1 or 0');
    });
    return typed;
  }

  // FP16, FP32, FP64.
  const toFloat = (v: unknown, i: number): number => {
    if (typeof v === 'number') return v;
    const special = SPECIAL_FLOATS.get(v);
    if (special !== undefined) return special;
    throw bad(i, `is not a number; ${datatype} data must be numbers (or "NaN", "Infinity", "-Infinity")`);
  };
  if (datatype === 'FP16') {
    const target = typed as Uint16Array;
    values.forEach((v, i) => {
      target[i] = floatToHalf(toFloat(v, i));
    });
    return typed;
  }
  const target = typed as Float32Array | Float64Array;
  values.forEach((v, i) => {
    target[i] = toFloat(v, i);
  });
  return typed;
}

function floatText(v: number): string {
  if (Number.isNaN(v)) return '"NaN"';
  if (v === Number.POSITIVE_INFINITY) return '"Infinity"';
  if (v === Number.NEGATIVE_INFINITY) return '"-Infinity"';
  // JSON.stringify writes -0 as 0; keep the sign so FP data round-trips bit for bit.
  if (v === 0 && 1 / v < 0) return '-0';
  return String(v);
}

/** True when every value prints the same through join() as through floatText(). */
function plainFloats(data: Float32Array | Float64Array): boolean {
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (!Number.isFinite(v) || (v === 0 && 1 / v < 0)) return false;
  }
  return true;
}

/**
 * The JSON text of a tensor's `data`, flat and row-major. 64-bit integers are written as exact
 * JSON numbers (as Triton does), even beyond 2^53, which JSON.stringify cannot do for BigInt.
 * FP16 is written as the numbers its bits stand for; NaN and infinities as strings.
 */
export function dataToJsonText(tensor: Tensor): string {
  const { data, datatype } = tensor;
  if (Array.isArray(data)) return JSON.stringify(data);
  switch (datatype) {
    case 'BOOL': {
      const parts = new Array<string>(data.length);
      for (let i = 0; i < data.length; i++) parts[i] = data[i] ? 'true' : 'false';
      return `[${parts.join(',')}]`;
    }
    case 'FP16':
    case 'BF16': {
      const parts = new Array<string>(data.length);
      for (let i = 0; i < data.length; i++) {
        const bits = data[i] as number;
        parts[i] = floatText(datatype === 'FP16' ? halfToFloat(bits) : bf16ToFloat(bits));
      }
      return `[${parts.join(',')}]`;
    }
    case 'FP32':
    case 'FP64': {
      const floats = data as Float32Array | Float64Array;
      if (plainFloats(floats)) return `[${floats.join(',')}]`;
      return `[${Array.from(floats, floatText).join(',')}]`;
    }
    default:
      // Integers, including BigInt arrays: join() prints exact decimal digits.
      return `[${data.join(',')}]`;
  }
}

function bf16ToFloat(bits: number): number {
  const f = new Float32Array(1);
  new Uint32Array(f.buffer)[0] = bits << 16;
  return f[0] as number;
}
