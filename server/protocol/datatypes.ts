import { endianness } from 'node:os';
import { DATATYPES, type Datatype, type TensorData, type TensorSpec } from './tensor.js';
import { ProtocolError, quote } from './errors.js';

// Binary tensors are little-endian on the wire and are read through typed-array views, which use
// the host's byte order. Every platform Node and onnxruntime-node ship for is little-endian.
if (endianness() !== 'LE') throw new Error('Hearth needs a little-endian host for binary tensor data');

/** Tensor type strings of onnxruntime-node. */
export type OrtType =
  | 'bool' | 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32'
  | 'uint64' | 'int64' | 'float16' | 'float32' | 'float64' | 'string';

/** Datatypes stored in a typed array of fixed-size elements. */
export type FixedDatatype = Exclude<Datatype, 'BYTES'>;
export type FixedData = Exclude<TensorData, string[]>;

interface FixedConstructor {
  new (length: number): FixedData;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): FixedData;
  readonly BYTES_PER_ELEMENT: number;
}

// BF16 has no onnxruntime type, but its storage (raw 16-bit words) is still well defined, so
// encoding and batching stay total; requests with BF16 are refused in decode.
const STORAGE: Readonly<Record<FixedDatatype, FixedConstructor>> = {
  BOOL: Uint8Array,
  UINT8: Uint8Array,
  UINT16: Uint16Array,
  UINT32: Uint32Array,
  UINT64: BigUint64Array,
  INT8: Int8Array,
  INT16: Int16Array,
  INT32: Int32Array,
  INT64: BigInt64Array,
  FP16: Uint16Array,
  FP32: Float32Array,
  FP64: Float64Array,
  BF16: Uint16Array,
};

const TO_ORT: Readonly<Record<Exclude<Datatype, 'BF16'>, OrtType>> = {
  BOOL: 'bool',
  UINT8: 'uint8',
  UINT16: 'uint16',
  UINT32: 'uint32',
  UINT64: 'uint64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP16: 'float16',
  FP32: 'float32',
  FP64: 'float64',
  BYTES: 'string',
};

const FROM_ORT: ReadonlyMap<string, Datatype> = new Map(
  Object.entries(TO_ORT).map(([datatype, ort]) => [ort, datatype as Datatype]),
);

export const BF16_UNSUPPORTED = 'BF16 is not supported by onnxruntime';

export function isDatatype(value: unknown): value is Datatype {
  return typeof value === 'string' && (DATATYPES as readonly string[]).includes(value);
}

export function isFixed(datatype: Datatype): datatype is FixedDatatype {
  return datatype !== 'BYTES';
}

/** Bytes per element on the wire and in memory; undefined for BYTES, whose elements vary in size. */
export function elementSize(datatype: Datatype): number | undefined {
  return isFixed(datatype) ? STORAGE[datatype].BYTES_PER_ELEMENT : undefined;
}

/** The onnxruntime-node type of a datatype; BF16 throws a 400 ProtocolError since onnxruntime-node has none. */
export function toOrtType(datatype: Datatype): OrtType {
  if (datatype === 'BF16') throw new ProtocolError(400, BF16_UNSUPPORTED);
  return TO_ORT[datatype];
}

/** The datatype of an onnxruntime-node type string, or undefined for types the protocol cannot carry (int4, …). */
export function fromOrtType(type: string): Datatype | undefined {
  return FROM_ORT.get(type);
}

/** Zero-filled storage for `count` elements. */
export function allocate(datatype: Datatype, count: number): TensorData {
  if (!isFixed(datatype)) return new Array<string>(count).fill('');
  return new STORAGE[datatype](count);
}

/**
 * Typed-array storage over `byteLength` bytes of `bytes`: a view when the offset is aligned for the
 * element size, otherwise a copy (a Float32Array cannot start at an odd address).
 */
export function fixedFromBytes(datatype: FixedDatatype, bytes: Uint8Array): FixedData {
  const Ctor = STORAGE[datatype];
  const size = Ctor.BYTES_PER_ELEMENT;
  const count = bytes.byteLength / size;
  if (bytes.byteOffset % size === 0) return new Ctor(bytes.buffer, bytes.byteOffset, count);
  const copy = new Ctor(count);
  new Uint8Array(copy.buffer, copy.byteOffset, copy.byteLength).set(bytes);
  return copy;
}

/** The raw bytes of typed-array storage, as a view (no copy). */
export function bytesOf(data: FixedData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** One entry of onnxruntime-node's `session.inputMetadata` / `outputMetadata` (InferenceSession.ValueMetadata). */
export interface OrtValueMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: ReadonlyArray<number | string | null | undefined>;
}

/**
 * A model input or output as the protocol declares it. Symbolic (`'batch'`), unnamed (`''`),
 * negative and missing dimensions all become -1. onnxruntime reports an unknown rank as `[]`,
 * the same as a scalar, so such a value is declared as a scalar.
 * Throws a 400 ProtocolError for values the protocol cannot carry (sequences, maps, int4, …).
 */
export function specFromOrtMetadata(meta: OrtValueMetadata): TensorSpec {
  if (!meta.isTensor || meta.type === undefined) {
    throw new ProtocolError(400, `model value ${quote(meta.name)} is not a tensor (a sequence or map); Hearth serves tensors only`);
  }
  const datatype = fromOrtType(meta.type);
  if (datatype === undefined) {
    throw new ProtocolError(
      400,
      `model value ${quote(meta.name)} has onnxruntime type '${meta.type}', which the Open Inference Protocol cannot carry`,
    );
  }
  const shape = (meta.shape ?? []).map((dim) =>
    typeof dim === 'number' && Number.isSafeInteger(dim) && dim >= 0 ? dim : -1,
  );
  return { name: meta.name, datatype, shape };
}
