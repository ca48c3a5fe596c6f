/**
 * Writes small, valid ONNX models from code, for the bundled demo models and for tests.
 * Every model is deterministic: the same call gives the same bytes on every run and machine.
 */
import onnxProto from 'onnx-proto';
import type { Datatype } from '../server/protocol/tensor.js';

// onnx-proto is CommonJS that assigns its namespace at run time, so Node cannot see a named export.
const { onnx } = onnxProto;
type ValueInfo = onnxProto.onnx.IValueInfoProto;
type Node = onnxProto.onnx.INodeProto;
type Initializer = onnxProto.onnx.ITensorProto;
type Attribute = onnxProto.onnx.IAttributeProto;

const ElemType = onnx.TensorProto.DataType;

/** ONNX element type for each Open Inference Protocol datatype (BYTES is ONNX STRING). */
export const ONNX_ELEM_TYPE: Readonly<Record<Datatype, number>> = {
  BOOL: ElemType.BOOL,
  UINT8: ElemType.UINT8,
  UINT16: ElemType.UINT16,
  UINT32: ElemType.UINT32,
  UINT64: ElemType.UINT64,
  INT8: ElemType.INT8,
  INT16: ElemType.INT16,
  INT32: ElemType.INT32,
  INT64: ElemType.INT64,
  FP16: ElemType.FLOAT16,
  FP32: ElemType.FLOAT,
  FP64: ElemType.DOUBLE,
  BF16: ElemType.BFLOAT16,
  BYTES: ElemType.STRING,
};

// IR 8 with opset 13: old enough for any onnxruntime of the last years, new enough for all ops used here.
const IR_VERSION = 8;
const OPSET = 13;

/** A dimension: a fixed size, or a name for a dynamic one (read back as -1). */
export type Dim = number | string;

/** Seeded PRNG (mulberry32): uniform floats in [0, 1), identical on every platform. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function valueInfo(name: string, elemType: number, dims: readonly Dim[]): ValueInfo {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function intAttr(name: string, value: number): Attribute {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

function node(opType: string, inputs: string[], outputs: string[], attribute: Attribute[] = []): Node {
  return { opType, input: inputs, output: outputs, name: `${opType}_${outputs[0]}`, attribute };
}

/** An FP32 initializer stored as little-endian raw bytes, the compact form onnxruntime reads directly. */
function floatTensor(name: string, dims: number[], values: Float32Array): Initializer {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return { name, dims, dataType: ElemType.FLOAT, rawData: raw };
}

interface GraphParts {
  name: string;
  nodes: Node[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers?: Initializer[];
  docString?: string;
}

function model({ name, nodes, inputs, outputs, initializers = [], docString = '' }: GraphParts): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'hearth-onnx-builder',
    producerVersion: '1',
    docString,
    graph: { name, node: nodes, input: inputs, output: outputs, initializer: initializers },
  }).finish();
}

/** Row-major [rows][cols] to a flat Float32Array. */
function flatten(rows: readonly (readonly number[])[]): Float32Array {
  return Float32Array.from(rows.flat());
}

// Logistic-regression weights for the iris features (sepal length, sepal width, petal length,
// petal width; cm). v1 is a rough first fit; v2 is a sharper refit, so the same flower gets
// clearly different probabilities from the two versions.
const DEMO_WEIGHTS: Record<1 | 2, { W: number[][]; b: number[] }> = {
  1: {
    W: [
      [0.5, 0.2, -0.4],
      [1.5, -0.3, -1.0],
      [-1.8, 0.2, 1.5],
      [-1.2, -0.4, 1.8],
    ],
    b: [1.0, 1.5, -4.0],
  },
  2: {
    W: [
      [-0.42, 0.53, -0.11],
      [0.97, -0.32, -0.65],
      [-2.52, -0.21, 2.73],
      [-1.08, -0.94, 2.02],
    ],
    b: [9.85, 2.24, -12.09],
  },
};

export type DemoVersion = 1 | 2;

/**
 * Weights of the demo classifier: logits[j] = sum_i features[i] * W[i][j] + b[j]
 * (W is 4 inputs x 3 classes). Values are exactly the float32 values stored in the model.
 */
export function demoWeights(version: DemoVersion): { W: number[][]; b: number[] } {
  const { W, b } = DEMO_WEIGHTS[version];
  return { W: W.map((row) => row.map(Math.fround)), b: b.map(Math.fround) };
}

/** Class names of the demo classifier, in output order. */
export const DEMO_CLASSES = ['setosa', 'versicolor', 'virginica'] as const;

/**
 * The bundled demo model, an iris-like classifier: features FP32 [batch, 4] ->
 * probabilities FP32 [batch, 3] (softmax) and label INT64 [batch] (argmax).
 */
export function demoClassifier({ version = 1 }: { version?: DemoVersion } = {}): Uint8Array {
  const { W, b } = demoWeights(version);
  return model({
    name: `iris_demo_v${version}`,
    docString: `Hearth demo: iris-like linear classifier, weights v${version}. Classes: ${DEMO_CLASSES.join(', ')}.`,
    inputs: [valueInfo('features', ElemType.FLOAT, ['batch', 4])],
    outputs: [
      valueInfo('probabilities', ElemType.FLOAT, ['batch', 3]),
      valueInfo('label', ElemType.INT64, ['batch']),
    ],
    initializers: [floatTensor('W', [4, 3], flatten(W)), floatTensor('b', [3], Float32Array.from(b))],
    nodes: [
      node('Gemm', ['features', 'W', 'b'], ['logits']),
      node('Softmax', ['logits'], ['probabilities'], [intAttr('axis', 1)]),
      node('ArgMax', ['probabilities'], ['label'], [intAttr('axis', 1), intAttr('keepdims', 0)]),
    ],
  });
}

/** One dense layer: out[j] = sum_i in[i] * weight[i * outSize + j] + bias[j]. */
export interface DenseLayer {
  inSize: number;
  outSize: number;
  weight: Float32Array;
  bias: Float32Array;
}

export interface MlpOptions {
  layers?: readonly number[];
  seed?: number;
}

/** The MLP's weights: uniform in +-1/sqrt(fan-in), so activations stay near unit scale. */
export function mlpWeights({ layers = [784, 512, 512, 10], seed = 1 }: MlpOptions = {}): DenseLayer[] {
  if (layers.length < 2) throw new Error('an MLP needs at least an input and an output size');
  const random = mulberry32(seed);
  return layers.slice(1).map((outSize, i) => {
    const inSize = layers[i];
    const bound = 1 / Math.sqrt(inSize);
    const draw = (n: number) => Float32Array.from({ length: n }, () => (random() * 2 - 1) * bound);
    return { inSize, outSize, weight: draw(inSize * outSize), bias: draw(outSize) };
  });
}

/** input FP32 [batch, layers[0]] -> (Gemm, Relu)* -> Gemm -> logits FP32 [batch, layers.at(-1)]. */
export function mlp(options: MlpOptions = {}): Uint8Array {
  const dense = mlpWeights(options);
  const nodes: Node[] = [];
  const initializers: Initializer[] = [];
  let current = 'input';
  dense.forEach((layer, i) => {
    const last = i === dense.length - 1;
    const gemmOut = last ? 'logits' : `dense${i}`;
    initializers.push(floatTensor(`W${i}`, [layer.inSize, layer.outSize], layer.weight));
    initializers.push(floatTensor(`b${i}`, [layer.outSize], layer.bias));
    nodes.push(node('Gemm', [current, `W${i}`, `b${i}`], [gemmOut]));
    current = gemmOut;
    if (!last) {
      nodes.push(node('Relu', [gemmOut], [`relu${i}`]));
      current = `relu${i}`;
    }
  });
  return model({
    name: 'mlp',
    inputs: [valueInfo('input', ElemType.FLOAT, ['batch', dense[0].inSize])],
    outputs: [valueInfo('logits', ElemType.FLOAT, ['batch', dense[dense.length - 1].outSize])],
    initializers,
    nodes,
  });
}

/** x [batch, n] of the given datatype -> y = x. BF16 gives a model onnxruntime-node cannot feed. */
export function identityModel(datatype: Datatype): Uint8Array {
  const elemType = ONNX_ELEM_TYPE[datatype];
  return model({
    name: `identity_${datatype.toLowerCase()}`,
    inputs: [valueInfo('x', elemType, ['batch', 'n'])],
    outputs: [valueInfo('y', elemType, ['batch', 'n'])],
    nodes: [node('Identity', ['x'], ['y'])],
  });
}

/** No batch dimension: a FP32 [2, 2] -> b = a * 2. */
export function fixedShapeModel(): Uint8Array {
  return model({
    name: 'fixed_shape',
    inputs: [valueInfo('a', ElemType.FLOAT, [2, 2])],
    outputs: [valueInfo('b', ElemType.FLOAT, [2, 2])],
    initializers: [floatTensor('two', [], Float32Array.of(2))],
    nodes: [node('Mul', ['a', 'two'], ['b'])],
  });
}

/** a, b FP32 [batch, 3] -> sum = a + b, product = a * b. */
export function twoInputModel(): Uint8Array {
  return model({
    name: 'two_input',
    inputs: [valueInfo('a', ElemType.FLOAT, ['batch', 3]), valueInfo('b', ElemType.FLOAT, ['batch', 3])],
    outputs: [valueInfo('sum', ElemType.FLOAT, ['batch', 3]), valueInfo('product', ElemType.FLOAT, ['batch', 3])],
    nodes: [node('Add', ['a', 'b'], ['sum']), node('Mul', ['a', 'b'], ['product'])],
  });
}

export interface SlowModelOptions {
  width?: number;
  depth?: number;
  seed?: number;
}

/** The slow model's one shared weight (width x width, row-major), scaled so Tanh stays out of saturation. */
export function slowWeights({ width = 256, seed = 3 }: SlowModelOptions = {}): Float32Array {
  const random = mulberry32(seed);
  const bound = Math.sqrt(3 / width);
  return Float32Array.from({ length: width * width }, () => (random() * 2 - 1) * bound);
}

/**
 * Deliberately compute-heavy for its size: x FP32 [batch, width] -> depth x (MatMul by one shared
 * width x width weight, then Tanh) -> y. About depth * width^2 multiply-adds per row; the defaults
 * take roughly 1 ms for one row and 3 ms for eight on two cores, yet the file is only 256 KiB.
 */
export function slowModel({ width = 256, depth = 200, seed = 3 }: SlowModelOptions = {}): Uint8Array {
  const nodes: Node[] = [];
  let current = 'x';
  for (let i = 0; i < depth; i++) {
    const out = i === depth - 1 ? 'y' : `h${i}`;
    nodes.push(node('MatMul', [current, 'W'], [`mm${i}`]));
    nodes.push(node('Tanh', [`mm${i}`], [out]));
    current = out;
  }
  return model({
    name: 'slow',
    inputs: [valueInfo('x', ElemType.FLOAT, ['batch', width])],
    outputs: [valueInfo('y', ElemType.FLOAT, ['batch', width])],
    initializers: [floatTensor('W', [width, width], slowWeights({ width, seed }))],
    nodes,
  });
}

/** A well-formed ModelProto that onnxruntime refuses to load: its one node uses an op no runtime has. */
export function unloadableModel(): Uint8Array {
  return model({
    name: 'unloadable',
    inputs: [valueInfo('x', ElemType.FLOAT, ['batch', 4])],
    outputs: [valueInfo('y', ElemType.FLOAT, ['batch', 4])],
    nodes: [node('HearthNoSuchOp', ['x'], ['y'])],
  });
}

export interface GatherModelOptions {
  /** Entries in the lookup table; an index at or past it fails inside onnxruntime, after validation. */
  tableSize?: number;
  /** Table entry i holds i * scale, so two versions built with different scales answer differently. */
  scale?: number;
  /**
   * Subtracted from each index before the lookup: with an offset past the table, the all-zero
   * warm-up input fails, so the server has no input it knows the model runs on.
   */
  offset?: number;
}

/**
 * A lookup table: indices INT64 [batch, n] -> values FP32 [batch, n] = table[indices]. Any INT64
 * passes request validation, but an out-of-range index makes onnxruntime fail at run time: a model
 * whose execution fails on demand, for tests of circuit breakers and guarded rollouts.
 */
export function gatherModel({ tableSize = 4, scale = 1, offset = 0 }: GatherModelOptions = {}): Uint8Array {
  const table = Float32Array.from({ length: tableSize }, (_, i) => i * scale);
  const shifted = offset === 0 ? [] : [node('Sub', ['indices', 'offset'], ['shifted'])];
  return model({
    name: 'gather',
    inputs: [valueInfo('indices', ElemType.INT64, ['batch', 'n'])],
    outputs: [valueInfo('values', ElemType.FLOAT, ['batch', 'n'])],
    initializers: [
      floatTensor('table', [tableSize], table),
      ...(offset === 0 ? [] : [{ name: 'offset', dims: [], dataType: ElemType.INT64, int64Data: [offset] }]),
    ],
    nodes: [...shifted, node('Gather', ['table', offset === 0 ? 'indices' : 'shifted'], ['values'], [intAttr('axis', 0)])],
  });
}

/**
 * a FP32 [batch, n] + b FP32 [batch, m] -> sum. Each width is dynamic on its own, so a request
 * whose n and m differ (neither 1) passes validation and fails inside onnxruntime's Add.
 */
export function mismatchModel(): Uint8Array {
  return model({
    name: 'mismatch',
    inputs: [valueInfo('a', ElemType.FLOAT, ['batch', 'n']), valueInfo('b', ElemType.FLOAT, ['batch', 'm'])],
    outputs: [valueInfo('sum', ElemType.FLOAT, ['batch', 'k'])],
    nodes: [node('Add', ['a', 'b'], ['sum'])],
  });
}

/**
 * A bag-of-words text classifier in the shape of a BERT classifier: input_ids and attention_mask
 * INT64 [batch, seq] -> logits FP32 [batch, classes] = the sum of the unmasked tokens' rows of
 * `table` (vocab × classes). For tests of text processing with a real tokenizer.
 */
export function bagOfWordsModel(table: readonly (readonly number[])[]): Uint8Array {
  const classes = table[0]?.length ?? 1;
  return model({
    name: 'bag_of_words',
    inputs: [valueInfo('input_ids', ElemType.INT64, ['batch', 'seq']), valueInfo('attention_mask', ElemType.INT64, ['batch', 'seq'])],
    outputs: [valueInfo('logits', ElemType.FLOAT, ['batch', classes])],
    initializers: [
      floatTensor('table', [table.length, classes], flatten(table)),
      { name: 'last', dims: [1], dataType: ElemType.INT64, int64Data: [-1] },
      { name: 'seq_axis', dims: [1], dataType: ElemType.INT64, int64Data: [1] },
    ],
    nodes: [
      node('Gather', ['table', 'input_ids'], ['rows'], [intAttr('axis', 0)]),
      node('Cast', ['attention_mask'], ['mask_f'], [intAttr('to', ElemType.FLOAT)]),
      node('Unsqueeze', ['mask_f', 'last'], ['mask3']),
      node('Mul', ['rows', 'mask3'], ['kept']),
      node('ReduceSum', ['kept', 'seq_axis'], ['logits'], [intAttr('keepdims', 0)]),
    ],
  });
}

/**
 * size INT64 [1] -> total FP32 [1]: the sum of `size` zeros, made at run time (ConstantOfShape,
 * ReduceSum). Its run takes as long as the request asks: microseconds for the all-zero warm-up
 * input, milliseconds for a size in the millions. For tests of what a server does with a model
 * whose runs turn slow after it was measured fast.
 */
export function sizedWorkModel(): Uint8Array {
  return model({
    name: 'sized-work',
    inputs: [valueInfo('size', ElemType.INT64, [1])],
    outputs: [valueInfo('total', ElemType.FLOAT, [1])],
    nodes: [node('ConstantOfShape', ['size'], ['zeros']), node('ReduceSum', ['zeros'], ['total'], [intAttr('keepdims', 1)])],
  });
}
