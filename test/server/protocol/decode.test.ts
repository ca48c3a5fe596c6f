import { describe, expect, it } from 'vitest';
import type { Signature } from '../../../server/protocol/tensor.js';
import { decodeInferRequest } from '../../../server/protocol/decode.js';
import { protocolError, sig } from './helpers.js';

const TWO: Signature = {
  inputs: [
    { name: 'features', datatype: 'FP32', shape: [-1, 4] },
    { name: 'mask', datatype: 'BOOL', shape: [-1] },
  ],
  outputs: [
    { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
    { name: 'label', datatype: 'INT64', shape: [-1] },
  ],
};

const features = { name: 'features', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] };
const mask = { name: 'mask', datatype: 'BOOL', shape: [1], data: [true] };

function fails(body: unknown, signature: Signature = TWO, status = 400): string {
  const err = protocolError(() => decodeInferRequest(body, undefined, signature));
  expect(err.status).toBe(status);
  return err.message;
}

function failsOne(input: Record<string, unknown>, datatype = 'FP32' as const): string {
  return fails({ inputs: [{ name: 'x', ...input }] }, sig(datatype));
}

describe('decodeInferRequest', () => {
  it('decodes a valid request with id, parameters and all outputs by default', () => {
    const req = decodeInferRequest(
      { id: 'r1', parameters: { priority: 1 }, inputs: [mask, features] },
      undefined,
      TWO,
    );
    expect(req.id).toBe('r1');
    expect(req.parameters).toEqual({ priority: 1 });
    expect(req.inputs.map((t) => t.name)).toEqual(['mask', 'features']);
    expect(req.inputs[1]!.data).toEqual(Float32Array.of(1, 2, 3, 4));
    expect(req.inputs[0]!.data).toEqual(Uint8Array.of(1));
    expect(req.outputs).toEqual([
      { name: 'probabilities', parameters: {} },
      { name: 'label', parameters: {} },
    ]);
  });

  it('keeps requested outputs and their parameters in order', () => {
    const req = decodeInferRequest(
      { inputs: [features, mask], outputs: [{ name: 'label', parameters: { binary_data: true } }, { name: 'probabilities' }] },
      undefined,
      TWO,
    );
    expect(req.outputs).toEqual([
      { name: 'label', parameters: { binary_data: true } },
      { name: 'probabilities', parameters: {} },
    ]);
    expect('id' in req).toBe(false);
  });

  it('treats an empty outputs list as all outputs', () => {
    const req = decodeInferRequest({ inputs: [features, mask], outputs: [] }, undefined, TWO);
    expect(req.outputs.map((o) => o.name)).toEqual(['probabilities', 'label']);
  });

  it('rejects bodies that are not inference requests', () => {
    expect(fails(null)).toMatch(/JSON object/);
    expect(fails([features])).toMatch(/JSON object/);
    expect(fails({})).toMatch(/"inputs" array/);
    expect(fails({ inputs: [features, mask], id: 5 })).toMatch(/"id" must be a string/);
    expect(fails({ inputs: [features, mask], parameters: [] })).toMatch(/parameters/);
    expect(fails({ inputs: [features, mask], parameters: { binary_data_output: 'yes' } })).toMatch(/binary_data_output/);
    expect(fails({ inputs: [42] })).toMatch(/inputs\[0\]/);
  });

  it('names a missing input', () => {
    const msg = fails({ inputs: [features] });
    expect(msg).toMatch(/missing input "mask"/);
  });

  it('names an unknown input and lists the real ones', () => {
    const msg = fails({ inputs: [features, mask, { ...mask, name: 'extra' }] });
    expect(msg).toMatch(/unknown input "extra"/);
    expect(msg).toMatch(/"features", "mask"/);
  });

  it('names a duplicated input', () => {
    expect(fails({ inputs: [features, mask, features] })).toMatch(/input "features" is given twice/);
  });

  it('names an input whose datatype is not the model\'s', () => {
    expect(fails({ inputs: [{ ...features, datatype: 'FP64' }, mask] })).toMatch(/input "features" has datatype FP64 but the model expects FP32/);
    expect(fails({ inputs: [{ ...features, datatype: 'FLOAT' }, mask] })).toMatch(/input "features".*not an Open Inference Protocol datatype/);
  });

  it('refuses BF16 with a clear message', () => {
    expect(fails({ inputs: [{ ...features, datatype: 'BF16' }, mask] })).toMatch(/input "features": BF16 is not supported by onnxruntime/);
  });

  it('names an input whose shape does not fit the signature', () => {
    expect(fails({ inputs: [{ ...features, shape: [4] }, mask] })).toMatch(/input "features": shape \[4\] does not fit the model's \[-1, 4\]/);
    expect(fails({ inputs: [{ ...features, shape: [2, 2] }, mask] })).toMatch(/input "features".*does not fit/);
    expect(fails({ inputs: [{ ...features, shape: [1, 4, 1] }, mask] })).toMatch(/input "features".*does not fit/);
  });

  it('names an input with negative, fractional or non-numeric dims', () => {
    expect(failsOne({ datatype: 'FP32', shape: [-1, 3], data: [] })).toMatch(/input "x".*-1.*non-negative integer/);
    expect(failsOne({ datatype: 'FP32', shape: [1.5, 3], data: [] })).toMatch(/input "x".*1\.5/);
    expect(failsOne({ datatype: 'FP32', shape: ['2', 3], data: [] })).toMatch(/input "x".*"2"/);
    expect(failsOne({ datatype: 'FP32', shape: 6, data: [] })).toMatch(/input "x": "shape" must be an array/);
  });

  it('names an input whose element count does not match its data', () => {
    expect(failsOne({ datatype: 'FP32', shape: [2, 3], data: [1, 2, 3, 4, 5] })).toMatch(
      /input "x": shape \[2, 3\] holds 6 elements but the data has 5/,
    );
    expect(failsOne({ datatype: 'FP32', shape: [1, 3], data: [1, 2, 3, 4] })).toMatch(/input "x".*3 elements but the data has 4/);
  });

  it('rejects huge declared shapes with tiny data without allocating them', () => {
    // 2^40 FP32 elements would be 4 TiB: allocating first would throw a RangeError, not a ProtocolError.
    const unlimited = { maxElements: Number.MAX_SAFE_INTEGER };
    const big = protocolError(() =>
      decodeInferRequest({ inputs: [{ name: 'x', datatype: 'FP32', shape: [2 ** 40, 3], data: [1, 2, 3] }] }, undefined, sig('FP32'), unlimited),
    );
    expect(big.status).toBe(400);
    expect(big.message).toMatch(/input "x".*3298534883328 elements but the data has 3/);
    // A product past 2^53 must not wrap around into something plausible.
    const wrap = protocolError(() =>
      decodeInferRequest(
        { inputs: [{ name: 'x', datatype: 'FP32', shape: [2 ** 50, 2 ** 50, 2 ** 50], data: [1] }] },
        undefined,
        sig('FP32', [-1, -1, -1]),
        unlimited,
      ),
    );
    expect(wrap.message).toMatch(/input "x".*more than 2\^53 elements but the data has 1/);
    const nested = protocolError(() =>
      decodeInferRequest({ inputs: [{ name: 'x', datatype: 'FP32', shape: [2 ** 40, 3], data: [[1, 2, 3]] }] }, undefined, sig('FP32')),
    );
    expect(nested.message).toMatch(/input "x": nested data must be an array of 1099511627776/);
  });

  it('answers 413 when the data really is past the element limit', () => {
    const data = new Array(12).fill(0);
    const err = protocolError(() =>
      decodeInferRequest({ inputs: [{ name: 'x', datatype: 'FP32', shape: [4, 3], data }] }, undefined, sig('FP32'), { maxElements: 10 }),
    );
    expect(err.status).toBe(413);
    expect(err.message).toMatch(/input "x" has 12 elements, more than the limit of 10/);
    const ok = decodeInferRequest({ inputs: [{ name: 'x', datatype: 'FP32', shape: [3, 3], data: data.slice(3) }] }, undefined, sig('FP32'), {
      maxElements: 10,
    });
    expect(ok.inputs[0]!.shape).toEqual([3, 3]);
  });

  it('rejects non-numeric data for numeric types, naming input and element', () => {
    expect(failsOne({ datatype: 'FP32', shape: [1, 3], data: [1, '2', 3] })).toMatch(/input "x": element 1 \("2"\) is not a number/);
    expect(failsOne({ datatype: 'FP32', shape: [1, 3], data: [1, null, 3] })).toMatch(/input "x": element 1 \(null\)/);
    expect(failsOne({ datatype: 'FP32', shape: [1, 3], data: [1, true, 3] })).toMatch(/input "x": element 1 \(true\)/);
    expect(fails({ inputs: [{ name: 'x', datatype: 'INT32', shape: [1, 3], data: [1, 'a', 3] }] }, sig('INT32'))).toMatch(
      /input "x": element 1 \("a"\) is not an integer/,
    );
    expect(fails({ inputs: [{ name: 'x', datatype: 'FP16', shape: [1, 1], data: [{}] }] }, sig('FP16', [-1, 1]))).toMatch(
      /input "x": element 0/,
    );
  });

  it('rejects integers out of range or fractional', () => {
    const one = (datatype: 'UINT8' | 'INT8' | 'UINT16' | 'INT16' | 'UINT32' | 'INT32' | 'INT64' | 'UINT64', value: unknown): string =>
      fails({ inputs: [{ name: 'x', datatype, shape: [1], data: [value] }] }, sig(datatype, [-1]));
    expect(one('UINT8', 300)).toMatch(/input "x": element 0 \(300\) is out of range for UINT8 \(0 to 255\)/);
    expect(one('UINT8', -1)).toMatch(/out of range for UINT8/);
    expect(one('INT8', 128)).toMatch(/out of range for INT8 \(-128 to 127\)/);
    expect(one('UINT16', 65536)).toMatch(/out of range for UINT16/);
    expect(one('INT16', -32769)).toMatch(/out of range for INT16/);
    expect(one('UINT32', 2 ** 32)).toMatch(/out of range for UINT32/);
    expect(one('INT32', 2 ** 31)).toMatch(/out of range for INT32/);
    expect(one('INT32', 1.5)).toMatch(/input "x": element 0 \(1\.5\) is not an integer/);
    expect(one('INT64', 2.5)).toMatch(/is not an integer/);
    expect(one('INT64', 2 ** 60)).toMatch(/beyond ±\(2\^53 - 1\); send larger 64-bit values as decimal strings/);
    expect(one('INT64', '9223372036854775808')).toMatch(/out of range for INT64/);
    expect(one('INT64', '12a')).toMatch(/is not an integer/);
    expect(one('INT64', '1e5')).toMatch(/is not an integer/);
    expect(one('UINT64', -1)).toMatch(/out of range for UINT64/);
    expect(one('UINT64', '18446744073709551616')).toMatch(/out of range for UINT64/);
  });

  it('accepts BOOL as booleans or 0/1 only', () => {
    const req = decodeInferRequest({ inputs: [{ name: 'x', datatype: 'BOOL', shape: [4], data: [true, false, 1, 0] }] }, undefined, sig('BOOL', [-1]));
    expect(req.inputs[0]!.data).toEqual(Uint8Array.of(1, 0, 1, 0));
    expect(fails({ inputs: [{ name: 'x', datatype: 'BOOL', shape: [1], data: [2] }] }, sig('BOOL', [-1]))).toMatch(
      /input "x": element 0 \(2\) is not a boolean/,
    );
    expect(fails({ inputs: [{ name: 'x', datatype: 'BOOL', shape: [1], data: ['true'] }] }, sig('BOOL', [-1]))).toMatch(/not a boolean/);
  });

  it('accepts BYTES as strings only', () => {
    expect(fails({ inputs: [{ name: 'x', datatype: 'BYTES', shape: [2], data: ['a', 5] }] }, sig('BYTES', [-1]))).toMatch(
      /input "x": element 1 \(5\) is not a string/,
    );
  });

  it('converts FP16 numbers to correctly rounded half bits', () => {
    const req = decodeInferRequest(
      { inputs: [{ name: 'x', datatype: 'FP16', shape: [1, 4], data: [0.1, 1 / 3, 70000, -0] }] },
      undefined,
      sig('FP16', [-1, 4]),
    );
    expect(req.inputs[0]!.data).toEqual(Uint16Array.of(0x2e66, 0x3555, 0x7c00, 0x8000));
  });

  it('rejects ragged nesting and nesting past 100 levels, and accepts data nested below the shape (as Triton does)', () => {
    const s = sig('INT32', [-1, 2]);
    const nested = (data: unknown): string => fails({ inputs: [{ name: 'x', datatype: 'INT32', shape: [2, 2], data }] }, s);
    expect(nested([[1, 2], [3]])).toMatch(/input "x": nested data\[1\] must be an array of 2.*has 1 elements/);
    expect(nested([[1, 2], 3, 4])).toMatch(/input "x": nested data must be an array of 2.*has 3 elements/);
    expect(nested([[1, 2], 3])).toMatch(/input "x": nested data\[1\] must be an array of 2/);
    const deeper = decodeInferRequest({ inputs: [{ name: 'x', datatype: 'INT32', shape: [2, 2], data: [[1, 2], [3, [[4]]]] }] }, undefined, s);
    expect(Array.from(deeper.inputs[0]!.data as Int32Array)).toEqual([1, 2, 3, 4]);
    const rank1 = decodeInferRequest({ inputs: [{ name: 'x', datatype: 'INT32', shape: [2], data: [[1], [[2]]] }] }, undefined, sig('INT32', [-1]));
    expect(Array.from(rank1.inputs[0]!.data as Int32Array)).toEqual([1, 2]);
    // Below the shape the count still has to match.
    expect(nested([[1, 2], [3, [4, 5]]])).toMatch(/input "x": shape \[2, 2\] holds 4 elements but the data has 5/);
    let deep: unknown = 7;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(Array.from(decodeInferRequest({ inputs: [{ name: 'x', datatype: 'INT32', shape: [1], data: deep }] }, undefined, sig('INT32', [-1])).inputs[0]!.data as Int32Array)).toEqual([7]);
    expect(fails({ inputs: [{ name: 'x', datatype: 'INT32', shape: [1], data: [deep] }] }, sig('INT32', [-1]))).toMatch(
      /input "x": "data" is nested more than 100 levels deep/,
    );
    expect(nested('1,2,3,4')).toMatch(/input "x": "data" must be an array/);
  });

  it('requires data or binary_data_size, not both', () => {
    expect(failsOne({ datatype: 'FP32', shape: [1, 3] })).toMatch(/input "x" has no "data" and no binary_data_size/);
    expect(failsOne({ datatype: 'FP32', shape: [1, 3], data: [1, 2, 3], parameters: { binary_data_size: 12 } })).toMatch(
      /input "x" has both/,
    );
    expect(failsOne({ datatype: 'FP32', shape: [1, 3], parameters: { binary_data_size: 12 } })).toMatch(
      /input "x" has binary_data_size but the request has no binary part/,
    );
  });

  it('checks requested outputs', () => {
    expect(fails({ inputs: [features, mask], outputs: [{ name: 'logits' }] })).toMatch(
      /unknown output "logits"; the model's outputs are "probabilities", "label"/,
    );
    expect(fails({ inputs: [features, mask], outputs: [{ name: 'label' }, { name: 'label' }] })).toMatch(/output "label" is requested twice/);
    expect(fails({ inputs: [features, mask], outputs: [{ name: 'label', parameters: { binary_data: 1 } }] })).toMatch(
      /output "label": binary_data must be true or false/,
    );
    expect(fails({ inputs: [features, mask], outputs: 'label' })).toMatch(/"outputs" must be an array/);
    expect(fails({ inputs: [features, mask], outputs: [{ name: 'label', parameters: { classification: 3 } }] }, TWO, 501)).toMatch(
      /classification extension/,
    );
  });

  it('answers 501 for shared memory', () => {
    const msg = fails({ inputs: [{ ...features, parameters: { shared_memory_region: 'r' } }, mask] }, TWO, 501);
    expect(msg).toMatch(/input "features".*shared memory/);
  });
});
