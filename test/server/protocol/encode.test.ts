import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../../server/protocol/tensor.js';
import { encodeInferResponse } from '../../../server/protocol/encode.js';
import { bytesElements } from './helpers.js';

const probs: Tensor = { name: 'probabilities', datatype: 'FP32', shape: [2, 2], data: Float32Array.of(0.25, 0.75, 1, 0) };
const label: Tensor = { name: 'label', datatype: 'INT64', shape: [2], data: BigInt64Array.of(1n, 2n ** 62n + 1n) };
const words: Tensor = { name: 'words', datatype: 'BYTES', shape: [2], data: ['hi', '日本'] };

function header(chunks: Buffer[]): unknown {
  return JSON.parse(chunks[0]!.toString('utf8'));
}

describe('encodeInferResponse', () => {
  it('writes JSON with exact 64-bit integers and the request id', () => {
    const res = encodeInferResponse({ modelName: 'iris', modelVersion: '3', id: 'req-7', outputs: [probs, label] });
    expect(res).toEqual({
      kind: 'json',
      body:
        '{"model_name":"iris","model_version":"3","id":"req-7","outputs":[' +
        '{"name":"probabilities","datatype":"FP32","shape":[2,2],"data":[0.25,0.75,1,0]},' +
        '{"name":"label","datatype":"INT64","shape":[2],"data":[1,4611686018427387905]}]}',
    });
  });

  it('sends only the requested outputs, in the requested order', () => {
    const res = encodeInferResponse({
      modelName: 'm',
      outputs: [probs, label, words],
      requested: [{ name: 'words', parameters: {} }, { name: 'probabilities', parameters: {} }],
    });
    if (res.kind !== 'json') throw new Error('expected JSON');
    const parsed = JSON.parse(res.body) as { outputs: { name: string; data: unknown }[] };
    expect(parsed.outputs.map((o) => o.name)).toEqual(['words', 'probabilities']);
    expect(parsed.outputs[0]!.data).toEqual(['hi', '日本']);
  });

  it('puts binary outputs after the header, in order, with binary_data_size', () => {
    const res = encodeInferResponse({
      modelName: 'm',
      outputs: [probs, label, words],
      requested: [
        { name: 'label', parameters: { binary_data: true } },
        { name: 'probabilities', parameters: {} },
        { name: 'words', parameters: { binary_data: true } },
      ],
    });
    if (res.kind !== 'binary') throw new Error('expected binary');
    expect(res.chunks).toHaveLength(3);
    expect(res.headerLength).toBe(res.chunks[0]!.length);
    expect(header(res.chunks)).toEqual({
      model_name: 'm',
      outputs: [
        { name: 'label', datatype: 'INT64', shape: [2], parameters: { binary_data_size: 16 } },
        { name: 'probabilities', datatype: 'FP32', shape: [2, 2], data: [0.25, 0.75, 1, 0] },
        { name: 'words', datatype: 'BYTES', shape: [2], parameters: { binary_data_size: 4 + 2 + 4 + 6 } },
      ],
    });
    expect(res.chunks[1]!.equals(Buffer.from(BigInt64Array.of(1n, 2n ** 62n + 1n).buffer))).toBe(true);
    expect(res.chunks[2]!.equals(bytesElements(['hi', '日本']))).toBe(true);
  });

  it('binary_data_output sends every output in binary unless an output says false', () => {
    const all = encodeInferResponse({ modelName: 'm', outputs: [probs, label], binaryAll: true });
    if (all.kind !== 'binary') throw new Error('expected binary');
    expect(all.chunks).toHaveLength(3);
    const mixed = encodeInferResponse({
      modelName: 'm',
      outputs: [probs, label],
      requested: [{ name: 'probabilities', parameters: { binary_data: false } }, { name: 'label', parameters: {} }],
      binaryAll: true,
    });
    if (mixed.kind !== 'binary') throw new Error('expected binary');
    expect(mixed.chunks).toHaveLength(2);
    const h = header(mixed.chunks) as { outputs: { name: string; data?: unknown; parameters?: unknown }[] };
    expect(h.outputs[0]).toEqual({ name: 'probabilities', datatype: 'FP32', shape: [2, 2], data: [0.25, 0.75, 1, 0] });
    expect(h.outputs[1]!.parameters).toEqual({ binary_data_size: 16 });
  });

  it('sends views of the output storage, not copies', () => {
    const res = encodeInferResponse({ modelName: 'm', outputs: [probs], binaryAll: true });
    if (res.kind !== 'binary') throw new Error('expected binary');
    expect(res.chunks[1]!.buffer).toBe((probs.data as Float32Array).buffer);
  });

  it('writes BOOL as booleans and one byte each, FP16 as numbers', () => {
    const flags: Tensor = { name: 'f', datatype: 'BOOL', shape: [3], data: Uint8Array.of(1, 0, 1) };
    const half: Tensor = { name: 'h', datatype: 'FP16', shape: [2], data: Uint16Array.of(0x3555, 0x7c00) };
    const json = encodeInferResponse({ modelName: 'm', outputs: [flags, half] });
    if (json.kind !== 'json') throw new Error('expected JSON');
    expect(JSON.parse(json.body)).toEqual({
      model_name: 'm',
      outputs: [
        { name: 'f', datatype: 'BOOL', shape: [3], data: [true, false, true] },
        { name: 'h', datatype: 'FP16', shape: [2], data: [0.333251953125, 'Infinity'] },
      ],
    });
    const bin = encodeInferResponse({ modelName: 'm', outputs: [flags], binaryAll: true });
    if (bin.kind !== 'binary') throw new Error('expected binary');
    expect([...bin.chunks[1]!]).toEqual([1, 0, 1]);
  });

  it('escapes names and ids', () => {
    const odd: Tensor = { name: 'a"b\\c', datatype: 'UINT8', shape: [1], data: Uint8Array.of(7) };
    const res = encodeInferResponse({ modelName: 'm"x', id: '\n', outputs: [odd] });
    if (res.kind !== 'json') throw new Error('expected JSON');
    expect(JSON.parse(res.body)).toEqual({
      model_name: 'm"x',
      id: '\n',
      outputs: [{ name: 'a"b\\c', datatype: 'UINT8', shape: [1], data: [7] }],
    });
  });

  it('throws, as a server fault, for a requested output the model did not produce', () => {
    expect(() => encodeInferResponse({ modelName: 'm', outputs: [probs], requested: [{ name: 'nope', parameters: {} }] })).toThrow(
      /no output named "nope"/,
    );
  });
});
