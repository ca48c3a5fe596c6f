import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import type { Datatype } from '../../server/protocol/tensor.js';
import {
  demoClassifier,
  demoWeights,
  fixedShapeModel,
  identityModel,
  mlp,
  mlpWeights,
  mulberry32,
  slowModel,
  slowWeights,
  twoInputModel,
  unloadableModel,
  type DenseLayer,
} from '../../scripts/onnx-builder.js';

const FLOWERS = [
  [5.1, 3.5, 1.4, 0.2],
  [6.0, 2.9, 4.5, 1.5],
  [6.7, 3.0, 5.2, 2.3],
  [5.9, 3.0, 5.1, 1.8],
];

function expectedDemo(version: 1 | 2, rows: number[][]): { probabilities: number[]; labels: bigint[] } {
  const { W, b } = demoWeights(version);
  const probabilities: number[] = [];
  const labels: bigint[] = [];
  for (const x of rows) {
    const logits = b.map((bj, j) => bj + x.reduce((acc, xi, i) => acc + xi * W[i][j], 0));
    const max = Math.max(...logits);
    const exps = logits.map((l) => Math.exp(l - max));
    const total = exps.reduce((a, e) => a + e, 0);
    probabilities.push(...exps.map((e) => e / total));
    labels.push(BigInt(logits.indexOf(max)));
  }
  return { probabilities, labels };
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst).toBeLessThan(tolerance);
}

function dense(x: Float64Array, rows: number, layer: DenseLayer, relu: boolean): Float64Array {
  const out = new Float64Array(rows * layer.outSize);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < layer.outSize; j++) {
      let acc = layer.bias[j];
      for (let i = 0; i < layer.inSize; i++) acc += x[r * layer.inSize + i] * layer.weight[i * layer.outSize + j];
      out[r * layer.outSize + j] = relu ? Math.max(0, acc) : acc;
    }
  }
  return out;
}

function float32Input(rows: number, cols: number, seed: number): Float32Array {
  const random = mulberry32(seed);
  return Float32Array.from({ length: rows * cols }, () => random() * 2 - 1);
}

describe('demoClassifier', () => {
  const input = new ort.Tensor('float32', Float32Array.from(FLOWERS.flat()), [FLOWERS.length, 4]);

  it.each([1, 2] as const)('v%i computes softmax(x W + b) and its argmax', async (version) => {
    const session = await ort.InferenceSession.create(demoClassifier({ version }));
    const out = await session.run({ features: input });
    const expected = expectedDemo(version, FLOWERS);

    expect(out.probabilities.type).toBe('float32');
    expect(out.probabilities.dims).toEqual([4, 3]);
    expectClose(out.probabilities.data as Float32Array, expected.probabilities, 1e-6);
    expect(out.label.type).toBe('int64');
    expect(out.label.dims).toEqual([4]);
    expect(Array.from(out.label.data as BigInt64Array)).toEqual(expected.labels);
  });

  it('gives visibly different answers in v1 and v2', async () => {
    const [v1, v2] = await Promise.all(
      ([1, 2] as const).map(async (version) =>
        (await ort.InferenceSession.create(demoClassifier({ version }))).run({ features: input }),
      ),
    );
    const p1 = v1.probabilities.data as Float32Array;
    const p2 = v2.probabilities.data as Float32Array;
    expect(Math.max(...p1.map((p, i) => Math.abs(p - p2[i])))).toBeGreaterThan(0.2);
    // The fourth flower (a virginica) is where the refit changes its mind; the README relies on this.
    expect((v1.label.data as BigInt64Array)[3]).toBe(1n);
    expect((v2.label.data as BigInt64Array)[3]).toBe(2n);
  });

  it('reports a named dynamic batch dimension in its metadata', async () => {
    const session = await ort.InferenceSession.create(demoClassifier());
    expect(session.inputMetadata).toEqual([{ name: 'features', isTensor: true, type: 'float32', shape: ['batch', 4] }]);
    expect(session.outputMetadata).toEqual([
      { name: 'probabilities', isTensor: true, type: 'float32', shape: ['batch', 3] },
      { name: 'label', isTensor: true, type: 'int64', shape: ['batch'] },
    ]);
  });

  it('stores exactly the float32 weights that demoWeights reports', () => {
    const { W, b } = demoWeights(2);
    expect(W).toHaveLength(4);
    expect(W.every((row) => row.length === 3)).toBe(true);
    expect(b).toHaveLength(3);
    expect(W[0][0]).toBe(Math.fround(-0.42));
  });
});

describe('mlp', () => {
  it('matches a plain forward pass over mlpWeights', async () => {
    const session = await ort.InferenceSession.create(mlp({ seed: 5 }));
    const x = float32Input(2, 784, 11);
    const out = await session.run({ input: new ort.Tensor('float32', x, [2, 784]) });

    const [l0, l1, l2] = mlpWeights({ seed: 5 });
    const expected = dense(dense(dense(Float64Array.from(x), 2, l0, true), 2, l1, true), 2, l2, false);
    expect(out.logits.dims).toEqual([2, 10]);
    expectClose(out.logits.data as Float32Array, expected, 1e-4);
    expect(session.inputMetadata).toEqual([{ name: 'input', isTensor: true, type: 'float32', shape: ['batch', 784] }]);
  });

  it('takes other layer sizes, and the seed changes the weights', async () => {
    const session = await ort.InferenceSession.create(mlp({ layers: [3, 4, 2], seed: 9 }));
    expect(session.inputMetadata).toEqual([{ name: 'input', isTensor: true, type: 'float32', shape: ['batch', 3] }]);
    expect(session.outputMetadata).toEqual([{ name: 'logits', isTensor: true, type: 'float32', shape: ['batch', 2] }]);
    expect(Buffer.from(mlp({ layers: [3, 4, 2], seed: 9 }))).not.toEqual(Buffer.from(mlp({ layers: [3, 4, 2], seed: 10 })));
  });
});

describe('identityModel', () => {
  // Values at the edges of each type, so a narrowing or widening on the way through would show.
  const cases: { datatype: Datatype; type: string; tensor: ort.Tensor }[] = [
    { datatype: 'BOOL', type: 'bool', tensor: new ort.Tensor('bool', Uint8Array.of(1, 0, 1, 1, 0, 0), [2, 3]) },
    { datatype: 'UINT8', type: 'uint8', tensor: new ort.Tensor('uint8', Uint8Array.of(0, 1, 127, 128, 254, 255), [2, 3]) },
    { datatype: 'UINT16', type: 'uint16', tensor: new ort.Tensor('uint16', Uint16Array.of(0, 1, 300, 32768, 65534, 65535), [2, 3]) },
    {
      datatype: 'UINT32',
      type: 'uint32',
      tensor: new ort.Tensor('uint32', Uint32Array.of(0, 1, 70000, 2 ** 31, 2 ** 32 - 2, 2 ** 32 - 1), [2, 3]),
    },
    {
      datatype: 'UINT64',
      type: 'uint64',
      tensor: new ort.Tensor('uint64', BigUint64Array.of(0n, 1n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n), [2, 3]),
    },
    { datatype: 'INT8', type: 'int8', tensor: new ort.Tensor('int8', Int8Array.of(-128, -1, 0, 1, 100, 127), [2, 3]) },
    { datatype: 'INT16', type: 'int16', tensor: new ort.Tensor('int16', Int16Array.of(-32768, -1, 0, 1, 1000, 32767), [2, 3]) },
    {
      datatype: 'INT32',
      type: 'int32',
      tensor: new ort.Tensor('int32', Int32Array.of(-(2 ** 31), -1, 0, 1, 123456789, 2 ** 31 - 1), [2, 3]),
    },
    {
      datatype: 'INT64',
      type: 'int64',
      tensor: new ort.Tensor('int64', BigInt64Array.of(-(2n ** 63n), -1n, 0n, 1n, 2n ** 53n + 1n, 2n ** 63n - 1n), [2, 3]),
    },
    // Raw half-float bits: 1, -2, 65504 (max), smallest subnormal, -0, +infinity.
    { datatype: 'FP16', type: 'float16', tensor: new ort.Tensor('float16', Uint16Array.of(0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00), [2, 3]) },
    { datatype: 'FP32', type: 'float32', tensor: new ort.Tensor('float32', Float32Array.of(0.1, -2.5, 3.4e38, 1e-45, -0, NaN), [2, 3]) },
    { datatype: 'FP64', type: 'float64', tensor: new ort.Tensor('float64', Float64Array.of(Math.PI, -1e300, 5e-324, 0.1, -0, Infinity), [2, 3]) },
    { datatype: 'BYTES', type: 'string', tensor: new ort.Tensor('string', ['hello', '', 'ünïcödé', 'a b', '{"k":1}', '日本'], [2, 3]) },
  ];

  it.each(cases)('returns its $datatype input unchanged', async ({ datatype, type, tensor }) => {
    const session = await ort.InferenceSession.create(identityModel(datatype));
    expect(session.inputMetadata).toEqual([{ name: 'x', isTensor: true, type, shape: ['batch', 'n'] }]);
    expect(session.outputMetadata).toEqual([{ name: 'y', isTensor: true, type, shape: ['batch', 'n'] }]);

    const { y } = await session.run({ x: tensor });
    expect(y.type).toBe(type);
    expect(y.dims).toEqual([2, 3]);
    expect(Array.from(y.data as ArrayLike<unknown>)).toEqual(Array.from(tensor.data as ArrayLike<unknown>));
    if (datatype === 'FP32' || datatype === 'FP64') {
      // toEqual treats -0 and 0 alike; the sign bit must survive too.
      expect(Object.is((y.data as Float32Array)[4], -0)).toBe(true);
    }
  });

  it('builds a BF16 model that onnxruntime-node refuses', async () => {
    await expect(ort.InferenceSession.create(identityModel('BF16'))).rejects.toThrow(/data type/i);
  });
});

describe('fixedShapeModel', () => {
  it('doubles a 2x2 input and declares no dynamic dimension', async () => {
    const session = await ort.InferenceSession.create(fixedShapeModel());
    expect(session.inputMetadata).toEqual([{ name: 'a', isTensor: true, type: 'float32', shape: [2, 2] }]);
    expect(session.outputMetadata).toEqual([{ name: 'b', isTensor: true, type: 'float32', shape: [2, 2] }]);
    const { b } = await session.run({ a: new ort.Tensor('float32', Float32Array.of(1, 2, 3, -4.5), [2, 2]) });
    expect(Array.from(b.data as Float32Array)).toEqual([2, 4, 6, -9]);
  });

  it('is refused by onnxruntime when the shape differs', async () => {
    const session = await ort.InferenceSession.create(fixedShapeModel());
    await expect(session.run({ a: new ort.Tensor('float32', new Float32Array(6), [3, 2]) })).rejects.toThrow(/dimensions/);
  });
});

describe('twoInputModel', () => {
  const feeds = {
    a: new ort.Tensor('float32', Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]),
    b: new ort.Tensor('float32', Float32Array.of(10, 20, 30, -1, -2, 0.5), [2, 3]),
  };

  it('returns the sum and the product', async () => {
    const session = await ort.InferenceSession.create(twoInputModel());
    expect(session.inputNames).toEqual(['a', 'b']);
    expect(session.outputNames).toEqual(['sum', 'product']);
    const out = await session.run(feeds);
    expect(Array.from(out.sum.data as Float32Array)).toEqual([11, 22, 33, 3, 3, 6.5]);
    expect(Array.from(out.product.data as Float32Array)).toEqual([10, 40, 90, -4, -10, 3]);
  });

  it('computes only the requested output when asked', async () => {
    const session = await ort.InferenceSession.create(twoInputModel());
    const out = await session.run(feeds, ['product']);
    expect(Object.keys(out)).toEqual(['product']);
    expect(Array.from(out.product.data as Float32Array)).toEqual([10, 40, 90, -4, -10, 3]);
  });
});

describe('slowModel', () => {
  it('applies depth rounds of tanh(x W) with the shared weight', async () => {
    const width = 256;
    const depth = 200;
    const session = await ort.InferenceSession.create(slowModel({ width, depth }));
    const x = float32Input(2, width, 4);
    const { y } = await session.run({ x: new ort.Tensor('float32', x, [2, width]) });

    const W = slowWeights({ width });
    let h = Float64Array.from(x);
    for (let step = 0; step < depth; step++) {
      const next = new Float64Array(h.length);
      for (let r = 0; r < 2; r++) {
        for (let j = 0; j < width; j++) {
          let acc = 0;
          for (let i = 0; i < width; i++) acc += h[r * width + i] * W[i * width + j];
          next[r * width + j] = Math.tanh(acc);
        }
      }
      h = next;
    }
    expect(y.dims).toEqual([2, width]);
    expectClose(y.data as Float32Array, h, 1e-3);
    // Not collapsed to zero or saturated at +-1, or the comparison above would prove little.
    const values = Array.from(y.data as Float32Array);
    expect(values.some((v) => Math.abs(v) > 0.1 && Math.abs(v) < 0.9)).toBe(true);
  });
});

describe('unloadableModel', () => {
  it('is a model onnxruntime refuses to load', async () => {
    await expect(ort.InferenceSession.create(unloadableModel())).rejects.toThrow(/HearthNoSuchOp/);
  });
});

describe('determinism', () => {
  const builders: [string, () => Uint8Array][] = [
    ['demo v1', () => demoClassifier({ version: 1 })],
    ['demo v2', () => demoClassifier({ version: 2 })],
    ['mlp', () => mlp()],
    ['identity FP16', () => identityModel('FP16')],
    ['fixed shape', fixedShapeModel],
    ['two input', twoInputModel],
    ['slow', () => slowModel()],
    ['unloadable', unloadableModel],
  ];

  it.each(builders)('%s gives identical bytes on every call', (_name, build) => {
    expect(Buffer.from(build()).equals(Buffer.from(build()))).toBe(true);
  });

  it('gives different files for the two demo versions', () => {
    expect(Buffer.from(demoClassifier({ version: 1 })).equals(Buffer.from(demoClassifier({ version: 2 })))).toBe(false);
  });

  it('mulberry32 is a fixed sequence for a seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const first = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(first);
    expect(first.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(mulberry32(43)()).not.toBe(first[0]);
  });
});
