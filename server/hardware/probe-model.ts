import protobuf from 'protobufjs/minimal.js';

const { Writer } = protobuf;

// Field numbers from onnx.proto (ModelProto, GraphProto, NodeProto, ValueInfoProto, TypeProto,
// TensorShapeProto, OperatorSetIdProto). Wire type 0 = varint, 2 = length-delimited.
const tag = (field: number, wireType: 0 | 2) => (field << 3) | wireType;
const FLOAT = 1;

function float1(name: string): Uint8Array {
  const dim = Writer.create().uint32(tag(1, 0)).int64(1).finish();
  const shape = Writer.create().uint32(tag(1, 2)).bytes(dim).finish();
  const tensorType = Writer.create().uint32(tag(1, 0)).int32(FLOAT).uint32(tag(2, 2)).bytes(shape).finish();
  const type = Writer.create().uint32(tag(1, 2)).bytes(tensorType).finish();
  return Writer.create().uint32(tag(1, 2)).string(name).uint32(tag(2, 2)).bytes(type).finish();
}

/**
 * The smallest model that makes an execution provider do real work: y = Add(x, x) on float32 [1],
 * opset 13. Hand-written protobuf, because the ONNX schema package is only a dev dependency.
 */
export function buildProbeModel(): Uint8Array {
  const node = Writer.create()
    .uint32(tag(1, 2)).string('x')
    .uint32(tag(1, 2)).string('x')
    .uint32(tag(2, 2)).string('y')
    .uint32(tag(3, 2)).string('probe_add')
    .uint32(tag(4, 2)).string('Add')
    .finish();
  const graph = Writer.create()
    .uint32(tag(1, 2)).bytes(node)
    .uint32(tag(2, 2)).string('hearth_probe')
    .uint32(tag(11, 2)).bytes(float1('x'))
    .uint32(tag(12, 2)).bytes(float1('y'))
    .finish();
  const opset = Writer.create().uint32(tag(1, 2)).string('').uint32(tag(2, 0)).int64(13).finish();
  return Writer.create()
    .uint32(tag(1, 0)).int64(8) // ir_version 8: understood by every onnxruntime since 1.10
    .uint32(tag(2, 2)).string('hearth')
    .uint32(tag(7, 2)).bytes(graph)
    .uint32(tag(8, 2)).bytes(opset)
    .finish();
}

/** The probe feeds x = 1.5 and expects y = 3. */
export const PROBE_INPUT = 1.5;
export const PROBE_OUTPUT = 3;
