// Request bodies the load generator sends again and again: built once, byte for byte what a
// Triton or KServe client would put on the wire.
import { mulberry32 } from '../scripts/onnx-builder.js';

export interface HttpRequestSpec {
  body: Buffer;
  headers: Record<string, string>;
}

export interface FloatInput {
  name: string;
  shape: number[];
  values: Float32Array;
}

/**
 * Deterministic sample values: multiples of 1/8 in [-1, 1), exact in float32 and short in JSON,
 * so the JSON and binary bodies carry the very same tensor.
 */
export function sampleValues(count: number, seed = 7): Float32Array {
  const random = mulberry32(seed);
  return Float32Array.from({ length: count }, () => Math.floor(random() * 16) / 8 - 1);
}

/** FP32 values as little-endian bytes, whatever the machine's own byte order. */
export function float32Bytes(values: Float32Array): Buffer {
  const out = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) out.writeFloatLE(values[i], i * 4);
  return out;
}

/** A KServe v2 JSON request: flat row-major `data`, every output in JSON. */
export function jsonInferRequest(inputs: readonly FloatInput[]): HttpRequestSpec {
  const body = {
    inputs: inputs.map((t) => ({ name: t.name, shape: t.shape, datatype: 'FP32', data: Array.from(t.values) })),
  };
  return { body: Buffer.from(JSON.stringify(body)), headers: { 'content-type': 'application/json' } };
}

/**
 * Triton's binary tensor extension: a JSON header naming each input's byte size, the raw
 * little-endian bytes in header order after it, and the named outputs asked for in binary.
 */
export function binaryInferRequest(inputs: readonly FloatInput[], binaryOutputs: readonly string[]): HttpRequestSpec {
  const tensors = inputs.map((t) => float32Bytes(t.values));
  const header = Buffer.from(JSON.stringify({
    inputs: inputs.map((t, i) => ({
      name: t.name, shape: t.shape, datatype: 'FP32', parameters: { binary_data_size: tensors[i].length },
    })),
    outputs: binaryOutputs.map((name) => ({ name, parameters: { binary_data: true } })),
  }));
  return {
    body: Buffer.concat([header, ...tensors]),
    headers: {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': String(header.length),
    },
  };
}

/** The same headers with an API key, as a LAN client sends them. */
export function withApiKey(spec: HttpRequestSpec, key: string | undefined): HttpRequestSpec {
  if (key === undefined) return spec;
  return { body: spec.body, headers: { ...spec.headers, authorization: `Bearer ${key}` } };
}
