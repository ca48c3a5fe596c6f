import type { Datatype, Signature } from '../../../server/protocol/tensor.js';
import { ProtocolError } from '../../../server/protocol/errors.js';
import { allocate } from '../../../server/protocol/datatypes.js';

/** A one-input, one-output signature. */
export function sig(datatype: Datatype, shape: number[] = [-1, 3], outShape: number[] = shape): Signature {
  return {
    inputs: [{ name: 'x', datatype, shape }],
    outputs: [{ name: 'y', datatype, shape: outShape }],
  };
}

/** A Triton binary body: the JSON header, then each chunk in order. */
export function binaryBody(header: unknown, chunks: Uint8Array[] = []): { body: Buffer; headerLength: number } {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  return { body: Buffer.concat([json, ...chunks]), headerLength: json.length };
}

/** The ProtocolError `fn` throws (fails the test if it throws anything else or nothing). */
export function protocolError(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProtocolError) return err;
    throw new Error(`expected a ProtocolError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected a ProtocolError, nothing was thrown');
}

/** BYTES elements in the binary form: 4-byte little-endian length, then UTF-8. */
export function bytesElements(values: string[]): Buffer {
  return Buffer.concat(
    values.flatMap((v) => {
      const b = Buffer.from(v, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32LE(b.length);
      return [len, b];
    }),
  );
}

/** Does `data` have the storage Hearth allocates for `datatype` (its typed array, or an array for BYTES)? */
export function hasStorageOf(datatype: Datatype, data: unknown): boolean {
  const expected = allocate(datatype, 0);
  if (Array.isArray(expected)) return Array.isArray(data);
  return data instanceof (expected.constructor as new (length: number) => object);
}
