import { describe, expect, it } from 'vitest';
import type { Datatype, Tensor, TensorData } from '../../../server/protocol/tensor.js';
import { batchKey, concatBatch, splitBatch } from '../../../server/protocol/batch.js';
import { allocate } from '../../../server/protocol/datatypes.js';

/** A request's tensor of `rows` rows of width 2, element values tagged with the request number. */
function tensor(name: string, datatype: Datatype, request: number, rows: number): Tensor {
  const data = allocate(datatype, rows * 2);
  for (let i = 0; i < data.length; i++) {
    const v = request * 10 + i;
    if (Array.isArray(data)) data[i] = `r${request}e${i}`;
    else if (data instanceof BigInt64Array || data instanceof BigUint64Array) data[i] = BigInt(v);
    else data[i] = datatype === 'BOOL' ? (request + i) % 2 : v;
  }
  return { name, datatype, shape: [rows, 2], data };
}

const plain = (d: TensorData): unknown[] => Array.from(d as ArrayLike<unknown>);

const DATATYPES: Datatype[] = ['BOOL', 'UINT8', 'INT8', 'UINT16', 'INT16', 'UINT32', 'INT32', 'UINT64', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'];

describe.each(DATATYPES)('batching %s', (datatype) => {
  it('returns each caller exactly its own rows with mixed batch sizes', () => {
    const sizes = [1, 3, 2, 1];
    const requests = sizes.map((rows, r) => [tensor('a', datatype, r, rows), tensor('b', 'FP32', r, rows)]);
    const { inputs, rowCounts } = concatBatch(requests);
    expect(rowCounts).toEqual(sizes);
    expect(inputs.map((t) => t.name)).toEqual(['a', 'b']);
    expect(inputs[0]!.shape).toEqual([7, 2]);
    expect(inputs[0]!.datatype).toBe(datatype);
    expect(plain(inputs[0]!.data)).toEqual(requests.flatMap((r) => plain(r[0]!.data)));

    // An identity model: outputs are the joined inputs, in the other order.
    const parts = splitBatch([inputs[1]!, inputs[0]!], rowCounts);
    expect(parts).toHaveLength(4);
    parts.forEach((outs, r) => {
      expect(outs.map((t) => t.name)).toEqual(['b', 'a']);
      expect(outs[1]!.shape).toEqual([sizes[r], 2]);
      expect(plain(outs[1]!.data)).toEqual(plain(requests[r]![0]!.data));
      expect(plain(outs[0]!.data)).toEqual(plain(requests[r]![1]!.data));
      expect(outs[1]!.data.constructor).toBe(requests[r]![0]!.data.constructor);
    });
  });
});

describe('concatBatch / splitBatch', () => {
  it('matches inputs by name whatever their order in each request', () => {
    const r0 = [tensor('a', 'INT32', 0, 1), tensor('b', 'INT32', 0, 1)];
    const r1 = [tensor('b', 'INT32', 1, 2), tensor('a', 'INT32', 1, 2)];
    const { inputs } = concatBatch([r0, r1]);
    expect(plain(inputs[0]!.data)).toEqual([0, 1, 10, 11, 12, 13]);
    expect(inputs[0]!.name).toBe('a');
  });

  it('splits into views over the batched output', () => {
    const out: Tensor = { name: 'y', datatype: 'FP32', shape: [3, 1], data: Float32Array.of(1, 2, 3) };
    const [first, second] = splitBatch([out], [1, 2]);
    expect(first![0]!.data).toEqual(Float32Array.of(1));
    expect(second![0]!.data).toEqual(Float32Array.of(2, 3));
    expect((second![0]!.data as Float32Array).buffer).toBe((out.data as Float32Array).buffer);
  });

  it('splits rank-1 outputs and zero-row requests', () => {
    const out: Tensor = { name: 'l', datatype: 'INT64', shape: [3], data: BigInt64Array.of(7n, 8n, 9n) };
    const parts = splitBatch([out], [2, 0, 1]);
    expect(parts.map((p) => [p[0]!.shape, plain(p[0]!.data)])).toEqual([
      [[2], [7n, 8n]],
      [[0], []],
      [[1], [9n]],
    ]);
  });

  it('joins requests that name their inputs in another order', () => {
    const { inputs } = concatBatch([[tensor('a', 'FP32', 0, 1), tensor('b', 'INT8', 0, 1)], [tensor('b', 'INT8', 1, 2), tensor('a', 'FP32', 1, 2)]]);
    expect(inputs.map((t) => [t.name, t.shape])).toEqual([['a', [3, 2]], ['b', [3, 2]]]);
    expect(plain(inputs[0]!.data)).toEqual([0, 1, 10, 11, 12, 13]);
  });

  it('refuses requests that cannot be joined', () => {
    expect(() => concatBatch([[tensor('a', 'FP32', 0, 1)], [{ ...tensor('a', 'FP32', 1, 1), shape: [1, 3], data: new Float32Array(3) }]])).toThrow(
      /request 1 of the batch does not match/,
    );
    expect(() => concatBatch([[tensor('a', 'FP32', 0, 1)], [tensor('a', 'FP64', 1, 1)]])).toThrow(/does not match/);
    expect(() => concatBatch([[tensor('a', 'FP32', 0, 1)], [tensor('b', 'FP32', 1, 1)]])).toThrow(/does not match/);
    expect(() => concatBatch([[tensor('a', 'FP32', 0, 1), tensor('b', 'FP32', 0, 2)]])).toThrow(/different first dimensions/);
    // One input more or fewer, or one rank more, is another layout too.
    expect(() => concatBatch([[tensor('a', 'FP32', 0, 1)], [tensor('a', 'FP32', 1, 1), tensor('b', 'FP32', 1, 1)]])).toThrow(/does not match/);
    expect(() => concatBatch([[tensor('a', 'FP32', 0, 1), tensor('b', 'FP32', 0, 1)], [tensor('a', 'FP32', 1, 1)]])).toThrow(/does not match/);
    expect(() => concatBatch([[tensor('a', 'FP32', 0, 1)], [{ ...tensor('a', 'FP32', 1, 1), shape: [1, 2, 1] }]])).toThrow(/does not match/);
    expect(() => splitBatch([{ name: 'y', datatype: 'FP32', shape: [4], data: new Float32Array(4) }], [1, 2])).toThrow(
      /output "y" has shape \[4\], which cannot be split into 3 rows/,
    );
  });

  it('gives compatible requests the same key', () => {
    expect(batchKey([tensor('a', 'FP32', 0, 1), tensor('b', 'INT8', 0, 1)])).toBe(batchKey([tensor('b', 'INT8', 3, 5), tensor('a', 'FP32', 3, 5)]));
    expect(batchKey([tensor('a', 'FP32', 0, 1)])).not.toBe(batchKey([tensor('a', 'FP64', 0, 1)]));
  });
});
