import { describe, expect, it } from 'vitest';
import type { Datatype, Tensor } from '../../../server/protocol/tensor.js';
import { decodeInferRequest } from '../../../server/protocol/decode.js';
import { encodeInferResponse } from '../../../server/protocol/encode.js';
import { splitBinaryBody } from '../../../server/protocol/binary.js';
import { bytesOf } from '../../../server/protocol/datatypes.js';
import { binaryBody, bytesElements, hasStorageOf, sig } from './helpers.js';

interface Case {
  /** The request's JSON data for shape [2, 3]. */
  send: unknown[];
  /** The response's JSON data text the encoder must write for it. */
  text: string;
  /** The same tensor's little-endian binary form. */
  bytes: () => Uint8Array;
}

const le = (ta: ArrayBufferView): Uint8Array => new Uint8Array(ta.buffer, ta.byteOffset, ta.byteLength);

const CASES: Record<Exclude<Datatype, 'BF16'>, Case> = {
  BOOL: {
    send: [true, false, true, 1, 0, false],
    text: '[true,false,true,true,false,false]',
    bytes: () => Uint8Array.of(1, 0, 1, 1, 0, 0),
  },
  UINT8: { send: [0, 1, 127, 128, 254, 255], text: '[0,1,127,128,254,255]', bytes: () => Uint8Array.of(0, 1, 127, 128, 254, 255) },
  UINT16: {
    send: [0, 1, 255, 256, 32768, 65535],
    text: '[0,1,255,256,32768,65535]',
    bytes: () => le(Uint16Array.of(0, 1, 255, 256, 32768, 65535)),
  },
  UINT32: {
    send: [0, 1, 65536, 2147483648, 4294967294, 4294967295],
    text: '[0,1,65536,2147483648,4294967294,4294967295]',
    bytes: () => le(Uint32Array.of(0, 1, 65536, 2147483648, 4294967294, 4294967295)),
  },
  UINT64: {
    send: [0, 9007199254740991, '9007199254740993', '18446744073709551615', 42, '7'],
    text: '[0,9007199254740991,9007199254740993,18446744073709551615,42,7]',
    bytes: () => le(BigUint64Array.of(0n, 9007199254740991n, 9007199254740993n, 18446744073709551615n, 42n, 7n)),
  },
  INT8: { send: [-128, -1, 0, 1, 100, 127], text: '[-128,-1,0,1,100,127]', bytes: () => le(Int8Array.of(-128, -1, 0, 1, 100, 127)) },
  INT16: {
    send: [-32768, -1, 0, 1, 1000, 32767],
    text: '[-32768,-1,0,1,1000,32767]',
    bytes: () => le(Int16Array.of(-32768, -1, 0, 1, 1000, 32767)),
  },
  INT32: {
    send: [-2147483648, -1, 0, 1, 65536, 2147483647],
    text: '[-2147483648,-1,0,1,65536,2147483647]',
    bytes: () => le(Int32Array.of(-2147483648, -1, 0, 1, 65536, 2147483647)),
  },
  INT64: {
    send: ['-9223372036854775808', -9007199254740991, -1, 0, '9007199254740993', '9223372036854775807'],
    text: '[-9223372036854775808,-9007199254740991,-1,0,9007199254740993,9223372036854775807]',
    bytes: () =>
      le(BigInt64Array.of(-9223372036854775808n, -9007199254740991n, -1n, 0n, 9007199254740993n, 9223372036854775807n)),
  },
  FP16: {
    send: [1, -2, 65504, 2 ** -24, 'NaN', '-Infinity'],
    text: '[1,-2,65504,5.960464477539063e-8,"NaN","-Infinity"]',
    bytes: () => le(Uint16Array.of(0x3c00, 0xc000, 0x7bff, 0x0001, 0x7e00, 0xfc00)),
  },
  FP32: {
    send: [1.5, -0.25, 3.4028234663852886e38, 1.401298464324817e-45, 'Infinity', -0],
    text: '[1.5,-0.25,3.4028234663852886e+38,1.401298464324817e-45,"Infinity",-0]',
    bytes: () => le(Float32Array.of(1.5, -0.25, 3.4028234663852886e38, 1.401298464324817e-45, Infinity, -0)),
  },
  FP64: {
    send: [Math.PI, -0, 1e308, 5e-324, 'NaN', 0.1],
    text: '[3.141592653589793,-0,1e+308,5e-324,"NaN",0.1]',
    bytes: () => le(Float64Array.of(Math.PI, -0, 1e308, 5e-324, Number.NaN, 0.1)),
  },
  BYTES: {
    send: ['', 'hello', 'héllo ✓', 'rocket 🚀', '\u0000nul', 'a "quote"'],
    text: '["","hello","héllo ✓","rocket 🚀","\\u0000nul","a \\"quote\\""]',
    bytes: () => bytesElements(['', 'hello', 'héllo ✓', 'rocket 🚀', '\u0000nul', 'a "quote"']),
  },
};

function dataBytes(t: Tensor): Buffer {
  return Array.isArray(t.data) ? bytesElements(t.data) : Buffer.from(bytesOf(t.data));
}

describe.each(Object.entries(CASES) as [Exclude<Datatype, 'BF16'>, Case][])('%s', (datatype, c) => {
  const signature = sig(datatype);

  function fromJson(): Tensor {
    const req = decodeInferRequest({ inputs: [{ name: 'x', datatype, shape: [2, 3], data: c.send }] }, undefined, signature);
    return req.inputs[0]!;
  }

  function fromBinary(offset = 0): Tensor {
    const bytes = c.bytes();
    const { body, headerLength } = binaryBody(
      { inputs: [{ name: 'x', datatype, shape: [2, 3], parameters: { binary_data_size: bytes.length } }] },
      [bytes],
    );
    // Shift the body inside a larger buffer to test both aligned and unaligned starts.
    const host = Buffer.alloc(body.length + offset);
    body.copy(host, offset);
    const { json, binary } = splitBinaryBody(host.subarray(offset), headerLength);
    return decodeInferRequest(json, binary, signature).inputs[0]!;
  }

  it('round-trips JSON -> tensor -> JSON', () => {
    const tensor = fromJson();
    expect(tensor.shape).toEqual([2, 3]);
    expect(hasStorageOf(datatype, tensor.data)).toBe(true);
    const res = encodeInferResponse({ modelName: 'm', outputs: [{ ...tensor, name: 'y' }] });
    expect(res.kind).toBe('json');
    if (res.kind !== 'json') return;
    expect(res.body).toBe(`{"model_name":"m","outputs":[{"name":"y","datatype":"${datatype}","shape":[2,3],"data":${c.text}}]}`);
  });

  it('decodes JSON and binary into identical tensors', () => {
    const a = fromJson();
    for (const offset of [0, 1, 3]) {
      const b = fromBinary(offset);
      expect(b.shape).toEqual(a.shape);
      expect(b.datatype).toBe(a.datatype);
      expect(b.data.constructor).toBe(a.data.constructor);
      expect(dataBytes(b).equals(dataBytes(a))).toBe(true);
      expect(dataBytes(a).equals(Buffer.from(c.bytes()))).toBe(true);
    }
  });

  it('round-trips binary -> tensor -> binary byte for byte', () => {
    for (const offset of [0, 5]) {
      const tensor = fromBinary(offset);
      const res = encodeInferResponse({
        modelName: 'm',
        modelVersion: '2',
        outputs: [{ ...tensor, name: 'y' }],
        requested: [{ name: 'y', parameters: { binary_data: true } }],
      });
      expect(res.kind).toBe('binary');
      if (res.kind !== 'binary') return;
      const expected = Buffer.from(c.bytes());
      expect(res.chunks).toHaveLength(2);
      expect(res.chunks[1]!.equals(expected)).toBe(true);
      expect(res.chunks[0]!.length).toBe(res.headerLength);
      expect(JSON.parse(res.chunks[0]!.toString('utf8'))).toEqual({
        model_name: 'm',
        model_version: '2',
        outputs: [{ name: 'y', datatype, shape: [2, 3], parameters: { binary_data_size: expected.length } }],
      });
    }
  });
});

describe('nested data', () => {
  it('gives the same tensor as flat data', () => {
    const signature = sig('INT32', [-1, 2, 2]);
    const flat = decodeInferRequest(
      { inputs: [{ name: 'x', datatype: 'INT32', shape: [2, 2, 2], data: [1, 2, 3, 4, 5, 6, 7, 8] }] },
      undefined,
      signature,
    );
    const nested = decodeInferRequest(
      { inputs: [{ name: 'x', datatype: 'INT32', shape: [2, 2, 2], data: [[[1, 2], [3, 4]], [[5, 6], [7, 8]]] }] },
      undefined,
      signature,
    );
    expect(Array.from(nested.inputs[0]!.data as Int32Array)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(nested.inputs[0]).toEqual(flat.inputs[0]);
  });

  it('handles nested BYTES and empty tensors', () => {
    const nested = decodeInferRequest(
      { inputs: [{ name: 'x', datatype: 'BYTES', shape: [2, 1], data: [['a'], ['b']] }] },
      undefined,
      sig('BYTES', [-1, 1]),
    );
    expect(nested.inputs[0]!.data).toEqual(['a', 'b']);
    const empty = decodeInferRequest(
      { inputs: [{ name: 'x', datatype: 'FP32', shape: [0, 3], data: [] }] },
      undefined,
      sig('FP32'),
    );
    expect(empty.inputs[0]!.shape).toEqual([0, 3]);
    expect(empty.inputs[0]!.data).toEqual(new Float32Array(0));
  });
});
