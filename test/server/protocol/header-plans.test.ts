import { describe, expect, it } from 'vitest';
import { splitBinaryBody } from '../../../server/protocol/binary.js';
import { decodeInferRequest } from '../../../server/protocol/decode.js';
import { decodeBinaryRequest, headerPlanCount, MAX_HEADER_PLANS } from '../../../server/protocol/header-plans.js';
import type { Signature } from '../../../server/protocol/tensor.js';
import { binaryBody, bytesElements, protocolError, sig } from './helpers.js';

const LIMITS = { maxElements: 1 << 20 };
const floats = (...values: number[]): Buffer => Buffer.from(new Float32Array(values).buffer);
const header = (size = 12, extra: Record<string, unknown> = {}) => ({
  inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3], parameters: { binary_data_size: size } }],
  outputs: [{ name: 'y', parameters: { binary_data: true } }],
  ...extra,
});
/** The decoding without the cache, to compare with. */
const plain = (body: Buffer, headerLength: number, signature: Signature) => {
  const { json, binary } = splitBinaryBody(body, headerLength);
  return decodeInferRequest(json, binary, signature, LIMITS);
};

describe('decodeBinaryRequest', () => {
  it('decodes each request with the same header to its own tensor bytes', () => {
    const signature = sig('FP32');
    const first = binaryBody(header(12, { id: 'a' }), [floats(1, 2, 3)]);
    const second = binaryBody(header(12, { id: 'a' }), [floats(4, 5, 6)]);
    const a = decodeBinaryRequest(first.body, first.headerLength, signature, LIMITS);
    expect(headerPlanCount(signature)).toBe(1);
    const b = decodeBinaryRequest(second.body, second.headerLength, signature, LIMITS);
    expect(Array.from(a.inputs[0]!.data as Float32Array)).toEqual([1, 2, 3]);
    expect(Array.from(b.inputs[0]!.data as Float32Array)).toEqual([4, 5, 6]);
    expect(b).toEqual(plain(second.body, second.headerLength, signature));
    // Each request gets a shape of its own: the runtime may not change another request's.
    expect(b.inputs[0]!.shape).not.toBe(a.inputs[0]!.shape);
  });

  it('shares nothing a request could change: the kept parts are frozen', () => {
    const signature = sig('FP32');
    const { body, headerLength } = binaryBody(header(12, { parameters: { binary_data_output: true } }), [floats(1, 2, 3)]);
    decodeBinaryRequest(body, headerLength, signature, LIMITS);
    const again = decodeBinaryRequest(body, headerLength, signature, LIMITS);
    expect(again.parameters).toEqual({ binary_data_output: true });
    expect(Object.isFrozen(again.parameters)).toBe(true);
    expect(Object.isFrozen(again.outputs[0]!.parameters)).toBe(true);
  });

  it('refuses a known header with a binary part of another length as the uncached decoder does', () => {
    const signature = sig('FP32');
    const good = binaryBody(header(), [floats(1, 2, 3)]);
    decodeBinaryRequest(good.body, good.headerLength, signature, LIMITS);
    for (const chunks of [[floats(1, 2)], [floats(1, 2, 3, 4)], []]) {
      const bad = binaryBody(header(), chunks);
      const cached = protocolError(() => decodeBinaryRequest(bad.body, bad.headerLength, signature, LIMITS));
      const uncached = protocolError(() => plain(bad.body, bad.headerLength, signature));
      expect([cached.status, cached.message]).toEqual([uncached.status, uncached.message]);
    }
  });

  it('keeps no header that was refused, nor one with JSON data in it', () => {
    const signature = sig('FP32');
    const wrong = binaryBody(header(8), [floats(1, 2)]);
    expect(protocolError(() => decodeBinaryRequest(wrong.body, wrong.headerLength, signature, LIMITS)).message).toMatch(/binary_data_size/);
    const json = binaryBody({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] });
    expect(decodeBinaryRequest(json.body, json.headerLength, signature, LIMITS).inputs[0]!.data).toEqual(new Float32Array([1, 2, 3]));
    expect(headerPlanCount(signature)).toBe(0);
  });

  it('reads BYTES elements afresh for each request', () => {
    const signature = sig('BYTES', [-1, 2]);
    const h = (n: number) => ({ inputs: [{ name: 'x', datatype: 'BYTES', shape: [1, 2], parameters: { binary_data_size: n } }] });
    const one = bytesElements(['ab', 'c']);
    const two = bytesElements(['xy', 'z']);
    const a = binaryBody(h(one.length), [one]);
    const b = binaryBody(h(two.length), [two]);
    expect(decodeBinaryRequest(a.body, a.headerLength, signature, LIMITS).inputs[0]!.data).toEqual(['ab', 'c']);
    expect(decodeBinaryRequest(b.body, b.headerLength, signature, LIMITS).inputs[0]!.data).toEqual(['xy', 'z']);
    const broken = binaryBody(h(one.length), [Buffer.from([9, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7])]);
    expect(protocolError(() => decodeBinaryRequest(broken.body, broken.headerLength, signature, LIMITS)).message).toMatch(/declares 9 bytes but only 7 remain/);
  });

  it('keeps at most MAX_HEADER_PLANS headers per signature', () => {
    const signature = sig('FP32');
    for (let i = 0; i < MAX_HEADER_PLANS * 2; i++) {
      const { body, headerLength } = binaryBody(header(12, { id: `request ${i}` }), [floats(i, i, i)]);
      expect(decodeBinaryRequest(body, headerLength, signature, LIMITS).id).toBe(`request ${i}`);
    }
    expect(headerPlanCount(signature)).toBe(MAX_HEADER_PLANS);
  });
});
