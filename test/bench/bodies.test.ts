import { describe, expect, it } from 'vitest';
import { binaryInferRequest, float32Bytes, jsonInferRequest, sampleValues, withApiKey } from '../../bench/bodies.js';
import { parseHeaderLength, splitBinaryBody } from '../../server/protocol/binary.js';
import { decodeInferRequest } from '../../server/protocol/decode.js';
import type { Signature } from '../../server/protocol/tensor.js';

const CLASSIFIER: Signature = {
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3, -1, -1] }],
  outputs: [{ name: 'softmax_0.tmp_0', datatype: 'FP32', shape: [-1, 2] }],
};

describe('sample values', () => {
  it('are deterministic multiples of 1/8 in [-1, 1)', () => {
    const a = sampleValues(1000);
    expect(Array.from(a)).toEqual(Array.from(sampleValues(1000)));
    expect(Array.from(a)).not.toEqual(Array.from(sampleValues(1000, 8)));
    expect(a.every((v) => v >= -1 && v < 1 && Number.isInteger(v * 8))).toBe(true);
    expect(new Set(a).size).toBe(16);
  });
});

describe('float32Bytes', () => {
  it('writes little-endian IEEE 754 singles', () => {
    expect([...float32Bytes(Float32Array.of(1, -2.5))]).toEqual([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0]);
  });
});

describe('binaryInferRequest', () => {
  const values = sampleValues(3 * 48 * 192);
  const req = binaryInferRequest([{ name: 'x', shape: [1, 3, 48, 192], values }], ['softmax_0.tmp_0']);

  it('lays out the JSON header, then the raw tensor, with the header length in a header', () => {
    const headerLength = Number(req.headers['inference-header-content-length']);
    expect(req.headers['content-type']).toBe('application/octet-stream');
    expect(req.body.length).toBe(headerLength + 110_592);
    expect(JSON.parse(req.body.subarray(0, headerLength).toString('utf8'))).toEqual({
      inputs: [{ name: 'x', shape: [1, 3, 48, 192], datatype: 'FP32', parameters: { binary_data_size: 110_592 } }],
      outputs: [{ name: 'softmax_0.tmp_0', parameters: { binary_data: true } }],
    });
    expect(req.body.readFloatLE(headerLength)).toBe(values[0]);
    expect(req.body.readFloatLE(req.body.length - 4)).toBe(values[values.length - 1]);
  });

  it('is read by Hearth\'s own decoder as the same tensor and a binary output request', () => {
    const { json, binary } = splitBinaryBody(req.body, parseHeaderLength(req.headers['inference-header-content-length']) ?? -1);
    const decoded = decodeInferRequest(json, binary, CLASSIFIER);
    expect(decoded.inputs).toHaveLength(1);
    expect(decoded.inputs[0].shape).toEqual([1, 3, 48, 192]);
    expect(Array.from(decoded.inputs[0].data as Float32Array)).toEqual(Array.from(values));
    expect(decoded.outputs).toEqual([{ name: 'softmax_0.tmp_0', parameters: { binary_data: true } }]);
  });
});

describe('jsonInferRequest', () => {
  it('carries the same values as JSON numbers', () => {
    const values = Float32Array.of(5.1, 3.5, 1.4, 0.2);
    const req = jsonInferRequest([{ name: 'features', shape: [1, 4], values }]);
    expect(req.headers).toEqual({ 'content-type': 'application/json' });
    const parsed = JSON.parse(req.body.toString('utf8')) as { inputs: { name: string; shape: number[]; datatype: string; data: number[] }[] };
    expect(parsed.inputs[0].name).toBe('features');
    expect(parsed.inputs[0].datatype).toBe('FP32');
    expect(Float32Array.from(parsed.inputs[0].data)).toEqual(values);
    const decoded = decodeInferRequest(parsed, undefined, {
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'label', datatype: 'INT64', shape: [-1] }],
    });
    expect(Array.from(decoded.inputs[0].data as Float32Array)).toEqual(Array.from(values));
  });

  it('gets an authorization header only when given a key', () => {
    const req = jsonInferRequest([{ name: 'a', shape: [1], values: Float32Array.of(1) }]);
    expect(withApiKey(req, undefined)).toBe(req);
    expect(withApiKey(req, 'hearth_abc').headers).toEqual({ 'content-type': 'application/json', authorization: 'Bearer hearth_abc' });
  });
});
