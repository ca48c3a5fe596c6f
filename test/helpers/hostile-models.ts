/**
 * Model files that take onnxruntime down, for tests of the upload's isolation. Found by feeding
 * onnxruntime-node 1.30 generated single-node graphs; each one kills the process that loads it.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

/**
 * A LayerNormalization (opset 17) whose optional bias is given as the empty name "". The ONNX
 * checker accepts it and it loads with optimizations off, but onnxruntime-node 1.30's optimizer
 * dereferences the missing bias: the loading process dies with SIGSEGV, not an exception.
 */
export function segfaultingLayerNorm(): Uint8Array {
  const scale = new Uint8Array(16);
  new DataView(scale.buffer).setFloat32(0, 1, true);
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'hearth-test',
    graph: {
      name: 'layer_norm_without_bias',
      node: [{ opType: 'LayerNormalization', input: ['x', 'scale', ''], output: ['y'], name: 'ln' }],
      input: [{ name: 'x', type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimValue: 2 }, { dimValue: 4 }] } } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: FLOAT } } }],
      initializer: [{ name: 'scale', dims: [4], dataType: FLOAT, rawData: scale }],
    },
  }).finish();
}
