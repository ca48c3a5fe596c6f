import { describe, expect, it } from 'vitest';
import type { Signature } from '../../../server/protocol/tensor.js';
import { decodeRawBinaryRequest, parseHeaderLength, splitBinaryBody, tensorFromBytes } from '../../../server/protocol/binary.js';
import { decodeInferRequest } from '../../../server/protocol/decode.js';
import { binaryBody, bytesElements, protocolError, sig } from './helpers.js';

const TRITON_EXAMPLE: Signature = {
  inputs: [
    { name: 'input0', datatype: 'UINT32', shape: [2, 2] },
    { name: 'input1', datatype: 'BOOL', shape: [3] },
  ],
  outputs: [{ name: 'output0', datatype: 'FP32', shape: [-1, 2] }],
};

function exampleHeader(size0: unknown = 16, size1: unknown = 3): unknown {
  return {
    inputs: [
      { name: 'input0', shape: [2, 2], datatype: 'UINT32', parameters: { binary_data_size: size0 } },
      { name: 'input1', shape: [3], datatype: 'BOOL', parameters: { binary_data_size: size1 } },
    ],
    outputs: [{ name: 'output0', parameters: { binary_data: true } }],
  };
}

const input0 = Buffer.from(new Uint8Array(Uint32Array.of(1, 2, 3, 0xffffffff).buffer));
const input1 = Buffer.from([1, 0, 1]);

function decodeBody(body: Buffer, headerLength: number, signature = TRITON_EXAMPLE) {
  const { json, binary } = splitBinaryBody(body, headerLength);
  return decodeInferRequest(json, binary, signature);
}

describe('splitBinaryBody', () => {
  it('parses Triton\'s documented example', () => {
    const { body, headerLength } = binaryBody(exampleHeader(), [input0, input1]);
    const req = decodeBody(body, headerLength);
    expect(req.inputs[0]!.data).toEqual(Uint32Array.of(1, 2, 3, 0xffffffff));
    expect(req.inputs[1]!.data).toEqual(Uint8Array.of(1, 0, 1));
    expect(req.outputs).toEqual([{ name: 'output0', parameters: { binary_data: true } }]);
  });

  it('returns the binary part as a view of the body', () => {
    const { body, headerLength } = binaryBody({ a: 1 }, [Buffer.from([9, 8, 7])]);
    const { json, binary } = splitBinaryBody(body, headerLength);
    expect(json).toEqual({ a: 1 });
    expect([...binary]).toEqual([9, 8, 7]);
    expect(binary.buffer).toBe(body.buffer);
  });

  it('rejects a header length past the body, zero, negative or fractional', () => {
    const { body, headerLength } = binaryBody(exampleHeader(), [input0, input1]);
    const past = protocolError(() => splitBinaryBody(body, body.length + 1));
    expect(past.status).toBe(400);
    expect(past.message).toMatch(/Inference-Header-Content-Length is \d+ but the body has only \d+ bytes/);
    expect(protocolError(() => splitBinaryBody(body, -4)).message).toMatch(/positive integer/);
    expect(protocolError(() => splitBinaryBody(body, 2.5)).message).toMatch(/positive integer/);
    expect(protocolError(() => splitBinaryBody(body, 0)).message).toMatch(/raw binary request/);
    expect(protocolError(() => splitBinaryBody(body, headerLength - 1)).message).toMatch(/not valid JSON/);
    expect(protocolError(() => splitBinaryBody(Buffer.from('{"inputs": [}'), 13)).message).toMatch(/not valid JSON/);
  });
});

describe('parseHeaderLength', () => {
  it('reads the header', () => {
    expect(parseHeaderLength(undefined)).toBeUndefined();
    expect(parseHeaderLength('0')).toBe(0);
    expect(parseHeaderLength('123')).toBe(123);
    expect(protocolError(() => parseHeaderLength('-1')).status).toBe(400);
    expect(protocolError(() => parseHeaderLength('1.5')).status).toBe(400);
    expect(protocolError(() => parseHeaderLength('abc')).status).toBe(400);
    expect(protocolError(() => parseHeaderLength(['1', '2'])).status).toBe(400);
  });
});

describe('binary inputs', () => {
  it('rejects sizes that do not add up to the binary part', () => {
    const extra = binaryBody(exampleHeader(), [input0, input1, Buffer.from([0])]);
    expect(protocolError(() => decodeBody(extra.body, extra.headerLength)).message).toMatch(/1 bytes that no input's binary_data_size/);
    const short = binaryBody(exampleHeader(), [input0, input1.subarray(0, 2)]);
    expect(protocolError(() => decodeBody(short.body, short.headerLength)).message).toMatch(
      /input "input1": binary_data_size 3 runs past the end of the binary data \(2 bytes left\)/,
    );
  });

  it('rejects negative or non-integer sizes', () => {
    const neg = binaryBody(exampleHeader(-16), [input0, input1]);
    expect(protocolError(() => decodeBody(neg.body, neg.headerLength)).message).toMatch(
      /input "input0": binary_data_size must be a non-negative integer, got -16/,
    );
    const frac = binaryBody(exampleHeader(16, 2.5), [input0, input1]);
    expect(protocolError(() => decodeBody(frac.body, frac.headerLength)).message).toMatch(/input "input1": binary_data_size must be/);
    const str = binaryBody(exampleHeader('16'), [input0, input1]);
    expect(protocolError(() => decodeBody(str.body, str.headerLength)).message).toMatch(/input "input0": binary_data_size must be/);
  });

  it('rejects a size that does not match shape x element size', () => {
    // 12 + 7 bytes add up to the binary part, but input0 needs 16.
    const { body, headerLength } = binaryBody(exampleHeader(12, 7), [input0, input1]);
    expect(protocolError(() => decodeBody(body, headerLength)).message).toMatch(
      /input "input0": binary_data_size 12 does not match shape \[2, 2\] of UINT32 \(16 bytes\)/,
    );
    const odd = binaryBody(exampleHeader(15, 4), [input0, input1]);
    expect(protocolError(() => decodeBody(odd.body, odd.headerLength)).message).toMatch(
      /input "input0": 15 bytes is not a whole number of UINT32 elements/,
    );
  });

  it('rejects binary data when no input claims it', () => {
    const { body, headerLength } = binaryBody({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] }, [Buffer.alloc(4)]);
    expect(protocolError(() => decodeBody(body, headerLength, sig('FP32'))).message).toMatch(/4 bytes that no input/);
  });

  it('mixes JSON and binary inputs, binary taken in order', () => {
    const signature: Signature = {
      inputs: [
        { name: 'a', datatype: 'INT16', shape: [-1] },
        { name: 'b', datatype: 'FP64', shape: [-1] },
        { name: 'c', datatype: 'INT16', shape: [-1] },
      ],
      outputs: [],
    };
    const { body, headerLength } = binaryBody(
      {
        inputs: [
          { name: 'c', datatype: 'INT16', shape: [2], parameters: { binary_data_size: 4 } },
          { name: 'b', datatype: 'FP64', shape: [1], data: [2.5] },
          { name: 'a', datatype: 'INT16', shape: [1], parameters: { binary_data_size: 2 } },
        ],
      },
      [Buffer.from(Int16Array.of(-5, 6).buffer), Buffer.from(Int16Array.of(7).buffer)],
    );
    const req = decodeBody(body, headerLength, signature);
    expect(req.inputs.map((t) => [t.name, Array.from(t.data as Int16Array | Float64Array)])).toEqual([
      ['c', [-5, 6]],
      ['b', [2.5]],
      ['a', [7]],
    ]);
  });

  it('huge declared shape with a tiny binary part is rejected before allocation', () => {
    const { body, headerLength } = binaryBody(
      { inputs: [{ name: 'x', datatype: 'FP64', shape: [2 ** 40, 3], parameters: { binary_data_size: 8 } }] },
      [Buffer.alloc(8)],
    );
    const { json, binary } = splitBinaryBody(body, headerLength);
    const err = protocolError(() => decodeInferRequest(json, binary, sig('FP64'), { maxElements: Number.MAX_SAFE_INTEGER }));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/input "x": binary_data_size 8 does not match shape \[1099511627776, 3\] of FP64/);
  });

  it('answers 413 past the element limit', () => {
    const err = protocolError(() => tensorFromBytes('x', 'UINT8', [2, 3], new Uint8Array(6), { maxElements: 5 }));
    expect(err.status).toBe(413);
    expect(err.message).toMatch(/input "x" has 6 elements, more than the limit of 5/);
  });
});

describe('tensorFromBytes', () => {
  it('views aligned bytes and copies unaligned ones', () => {
    const host = new Uint8Array(32);
    new Float32Array(host.buffer, 4, 2).set([1.5, -2]);
    const aligned = tensorFromBytes('x', 'FP32', [2], host.subarray(4, 12));
    expect(aligned.data).toEqual(Float32Array.of(1.5, -2));
    expect(aligned.data).toBeInstanceOf(Float32Array);
    expect((aligned.data as Float32Array).buffer).toBe(host.buffer);

    host.copyWithin(5, 4, 12);
    const unaligned = tensorFromBytes('x', 'FP32', [2], host.subarray(5, 13));
    expect(unaligned.data).toEqual(Float32Array.of(1.5, -2));
    expect((unaligned.data as Float32Array).buffer).not.toBe(host.buffer);

    const big = new Uint8Array(24);
    new BigInt64Array(big.buffer, 8, 1)[0] = -3n;
    expect(tensorFromBytes('x', 'INT64', [1], big.subarray(8, 16)).data).toEqual(BigInt64Array.of(-3n));
    big.copyWithin(12, 8, 16);
    expect(tensorFromBytes('x', 'INT64', [1], big.subarray(12, 20)).data).toEqual(BigInt64Array.of(-3n));
  });

  it('parses BYTES elements and checks their count', () => {
    const bytes = bytesElements(['ab', '', 'ü']);
    expect(tensorFromBytes('s', 'BYTES', [3], bytes).data).toEqual(['ab', '', 'ü']);
    expect(protocolError(() => tensorFromBytes('s', 'BYTES', [2], bytes)).message).toMatch(
      /input "s": shape \[2\] holds 2 elements but the data has 3/,
    );
    expect(protocolError(() => tensorFromBytes('s', 'BYTES', [3], bytes.subarray(0, bytes.length - 1))).message).toMatch(
      /input "s": BYTES element 2 declares 2 bytes but only 1 remain/,
    );
    expect(protocolError(() => tensorFromBytes('s', 'BYTES', [1], Buffer.from([1, 0]))).message).toMatch(
      /input "s": BYTES element 0 is cut off inside its 4-byte length/,
    );
    const huge = Buffer.alloc(4);
    huge.writeUInt32LE(0xffffffff);
    expect(protocolError(() => tensorFromBytes('s', 'BYTES', [1], huge)).message).toMatch(/declares 4294967295 bytes/);
    expect(protocolError(() => tensorFromBytes('s', 'BYTES', [1], Buffer.from([1, 0, 0, 0, 0xff]))).message).toMatch(
      /input "s": BYTES element 0 is not valid UTF-8/,
    );
  });

  it('keeps a leading byte-order mark as data', () => {
    const bytes = bytesElements(['\ufeffx']);
    expect(tensorFromBytes('s', 'BYTES', [1], bytes).data).toEqual(['\ufeffx']);
  });
});

describe('decodeRawBinaryRequest', () => {
  it('takes the body as batch 1 of the only input and asks for every output in binary', () => {
    const body = Buffer.from(Float32Array.of(1, 2, 3, 4).buffer);
    const req = decodeRawBinaryRequest(body, {
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [
        { name: 'p', datatype: 'FP32', shape: [-1, 3] },
        { name: 'l', datatype: 'INT64', shape: [-1] },
      ],
    });
    expect(req.inputs).toHaveLength(1);
    expect(req.inputs[0]!.shape).toEqual([1, 4]);
    expect(req.inputs[0]!.data).toEqual(Float32Array.of(1, 2, 3, 4));
    expect(req.parameters).toEqual({ binary_data_output: true });
    expect(req.outputs.map((o) => o.name)).toEqual(['p', 'l']);
  });

  it('infers the one dynamic dimension besides the batch', () => {
    const body = Buffer.from(Int32Array.of(1, 2, 3, 4, 5, 6).buffer);
    const req = decodeRawBinaryRequest(body, sig('INT32', [-1, -1, 2]));
    expect(req.inputs[0]!.shape).toEqual([1, 3, 2]);
    expect(req.inputs[0]!.data).toEqual(Int32Array.of(1, 2, 3, 4, 5, 6));
    expect(decodeRawBinaryRequest(Buffer.alloc(12), sig('UINT8', [3, -1])).inputs[0]!.shape).toEqual([3, 4]);
    expect(decodeRawBinaryRequest(Buffer.alloc(6), sig('UINT8', [2, 3])).inputs[0]!.shape).toEqual([2, 3]);
  });

  it('takes the whole body as the element of a one-element BYTES input, without a length prefix (as Triton does)', () => {
    const req = decodeRawBinaryRequest(Buffer.from('427'), sig('BYTES', [-1]));
    expect(req.inputs[0]!.shape).toEqual([1]);
    expect(req.inputs[0]!.data).toEqual(['427']);
    // Four bytes that would read as a length prefix are still the element itself.
    expect(decodeRawBinaryRequest(bytesElements(['hello']), sig('BYTES', [1])).inputs[0]!.data).toEqual(['\u0005\u0000\u0000\u0000hello']);
    expect(decodeRawBinaryRequest(Buffer.alloc(0), sig('BYTES', [1, 1])).inputs[0]!.data).toEqual(['']);
    expect(protocolError(() => decodeRawBinaryRequest(Buffer.from([0xff, 0xfe]), sig('BYTES', [-1]))).message).toMatch(
      /input "x": the raw body is not valid UTF-8 text/,
    );
  });

  it('takes length-prefixed BYTES elements for a BYTES input of more than one element, counting them for the shape', () => {
    const req = decodeRawBinaryRequest(bytesElements(['a', 'b', 'c']), sig('BYTES', [-1, -1]));
    expect(req.inputs[0]!.shape).toEqual([1, 3]);
    expect(req.inputs[0]!.data).toEqual(['a', 'b', 'c']);
    expect(protocolError(() => decodeRawBinaryRequest(bytesElements(['a', 'b']), sig('BYTES', [1, 3]))).message).toMatch(
      /input "x".*shape \[1, 3\] holds 3 elements but the data has 2/,
    );
  });

  it('rejects models with more than one input', () => {
    const err = protocolError(() =>
      decodeRawBinaryRequest(Buffer.alloc(16), {
        inputs: [
          { name: 'a', datatype: 'FP32', shape: [-1, 2] },
          { name: 'b', datatype: 'FP32', shape: [-1, 2] },
        ],
        outputs: [],
      }),
    );
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/exactly one input; this one has 2 \(a, b\)/);
  });

  it('rejects shapes it cannot infer and bodies that do not fit', () => {
    expect(protocolError(() => decodeRawBinaryRequest(Buffer.alloc(16), sig('FP32', [-1, -1, -1]))).message).toMatch(
      /input "x".*more than one dynamic dimension/,
    );
    expect(protocolError(() => decodeRawBinaryRequest(Buffer.alloc(20), sig('FP32', [-1, 4]))).message).toMatch(
      /input "x": binary_data_size 20 does not match shape \[1, 4\] of FP32 \(16 bytes\)/,
    );
    expect(protocolError(() => decodeRawBinaryRequest(Buffer.alloc(10), sig('FP32', [-1, 4]))).message).toMatch(
      /input "x": 10 bytes is not a whole number of FP32 elements/,
    );
    expect(protocolError(() => decodeRawBinaryRequest(Buffer.alloc(12), sig('FP32', [-1, -1, 2]))).message).toMatch(
      /input "x": a raw body of 3 elements does not fill shape \[1, -1, 2\]/,
    );
  });
});
