import type { TensorSpec } from './tensor.js';
import { ProtocolError, quote } from './errors.js';

/** Default cap on the elements of one input: 2^27 (512 MiB of FP32). */
export const DEFAULT_MAX_ELEMENTS = 2 ** 27;

export interface DecodeLimits {
  /** The most elements one input may hold. */
  maxElements?: number;
}

export function formatShape(shape: readonly unknown[]): string {
  return `[${shape.map((d) => String(d)).join(', ')}]`;
}

/**
 * The request's shape of an input, checked to be non-negative integers that fit the model's
 * declared shape (same rank, same size wherever the model fixes one).
 */
export function checkShape(raw: unknown, spec: TensorSpec): number[] {
  // Quoted in errors only: the success path builds no text.
  const name = (): string => quote(spec.name);
  if (!Array.isArray(raw)) throw new ProtocolError(400, `input ${name()}: "shape" must be an array of non-negative integers`);
  for (const dim of raw) {
    if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 0) {
      throw new ProtocolError(
        400,
        `input ${name()}: shape ${formatShape(raw)} has ${JSON.stringify(dim) ?? String(dim)}; every dimension must be a non-negative integer`,
      );
    }
  }
  const shape = raw as number[];
  const fits = shape.length === spec.shape.length && spec.shape.every((d, i) => d < 0 || d === shape[i]);
  if (!fits) {
    throw new ProtocolError(
      400,
      `input ${name()}: shape ${formatShape(shape)} does not fit the model's ${formatShape(spec.shape)} (-1 is any size)`,
    );
  }
  return shape;
}

/**
 * The number of elements of `shape`, or Infinity when it exceeds 2^53 - 1, so a declared
 * shape like [2^40, 2^40] can never wrap around into a small, plausible count.
 */
export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) {
    if (dim === 0) return 0;
    count *= dim;
  }
  return Number.isSafeInteger(count) ? count : Number.POSITIVE_INFINITY;
}

/**
 * Checks the data actually sent against the declared shape (400 when they differ), then the
 * size limit (413). The actual count is bounded by the body's size, so nothing is allocated
 * from the declared shape before both checks pass.
 */
export function checkCount(
  inputName: string,
  shape: readonly number[],
  actual: number,
  { maxElements = DEFAULT_MAX_ELEMENTS }: DecodeLimits = {},
): void {
  const declared = elementCount(shape);
  if (declared !== actual) {
    const what = Number.isFinite(declared) ? `${declared} elements` : 'more than 2^53 elements';
    throw new ProtocolError(
      400,
      `input ${quote(inputName)}: shape ${formatShape(shape)} holds ${what} but the data has ${actual}`,
    );
  }
  if (actual > maxElements) {
    throw new ProtocolError(
      413,
      `input ${quote(inputName)} has ${actual} elements, more than the limit of ${maxElements}; send smaller batches`,
    );
  }
}
