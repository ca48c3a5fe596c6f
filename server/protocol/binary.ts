// Triton's binary tensor data extension: a JSON header followed by raw tensor bytes.
import type { Datatype, Signature, Tensor, TensorData } from './tensor.js';
import { ProtocolError, quote } from './errors.js';
import { BF16_UNSUPPORTED, bytesOf, elementSize, fixedFromBytes, isFixed } from './datatypes.js';
import { checkCount, elementCount, formatShape, type DecodeLimits } from './shape.js';
import type { InferRequest } from './request.js';
import { errorMessage } from '../base/message.js';

const HEADER = 'Inference-Header-Content-Length';

/**
 * The value of the Inference-Header-Content-Length header: undefined when absent (a plain JSON
 * body), 0 for a raw binary request, else the byte length of the JSON header.
 */
export function parseHeaderLength(value: string | string[] | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value) || !/^\d{1,15}$/.test(value.trim())) {
    throw new ProtocolError(400, `${HEADER} must be one non-negative integer, got ${JSON.stringify(value)}`);
  }
  return Number(value.trim());
}

/** Splits a body into its JSON header (parsed) and the binary part that follows it (a view, not a copy). */
export function splitBinaryBody(body: Uint8Array, headerLength: number): { json: unknown; binary: Buffer } {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (!Number.isSafeInteger(headerLength) || headerLength <= 0) {
    throw new ProtocolError(400, `${HEADER} must be a positive integer (0 only for a raw binary request), got ${headerLength}`);
  }
  if (headerLength > buf.length) {
    throw new ProtocolError(400, `${HEADER} is ${headerLength} but the body has only ${buf.length} bytes`);
  }
  let json: unknown;
  try {
    json = JSON.parse(buf.toString('utf8', 0, headerLength));
  } catch (err) {
    const why = errorMessage(err);
    throw new ProtocolError(400, `the first ${headerLength} bytes of the body (${HEADER}) are not valid JSON: ${why}`);
  }
  return { json, binary: buf.subarray(headerLength) };
}

// fatal: refuse invalid UTF-8 instead of replacing it, since onnxruntime-node holds BYTES as JS
// strings and a replaced byte could not come back out. ignoreBOM: keep a leading BOM as data.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** BYTES elements, each a 4-byte little-endian length and that many UTF-8 bytes. */
function parseBytesElements(inputName: string, bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: string[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const index = out.length;
    if (offset + 4 > bytes.length) {
      throw new ProtocolError(400, `input ${quote(inputName)}: BYTES element ${index} is cut off inside its 4-byte length`);
    }
    const length = view.getUint32(offset, true);
    offset += 4;
    if (offset + length > bytes.length) {
      throw new ProtocolError(
        400,
        `input ${quote(inputName)}: BYTES element ${index} declares ${length} bytes but only ${bytes.length - offset} remain`,
      );
    }
    try {
      out.push(utf8.decode(bytes.subarray(offset, offset + length)));
    } catch {
      throw new ProtocolError(400, `input ${quote(inputName)}: BYTES element ${index} is not valid UTF-8 text`);
    }
    offset += length;
  }
  return out;
}

/** How many elements `bytes` holds as `datatype`, and the parsed strings for BYTES. */
function countElements(inputName: string, datatype: Datatype, bytes: Uint8Array): { count: number; strings?: string[] } {
  const size = elementSize(datatype);
  if (size === undefined) {
    const strings = parseBytesElements(inputName, bytes);
    return { count: strings.length, strings };
  }
  if (bytes.length % size !== 0) {
    throw new ProtocolError(
      400,
      `input ${quote(inputName)}: ${bytes.length} bytes is not a whole number of ${datatype} elements (${size} bytes each)`,
    );
  }
  return { count: bytes.length / size };
}

/**
 * A tensor from its binary bytes: a typed-array view over `bytes` where alignment allows, else a copy.
 * Checks the bytes against the shape (400) and the size limit (413) before building anything.
 */
export function tensorFromBytes(
  inputName: string,
  datatype: Datatype,
  shape: number[],
  bytes: Uint8Array,
  limits: DecodeLimits = {},
): Tensor {
  if (datatype === 'BF16') throw new ProtocolError(400, `input ${quote(inputName)}: ${BF16_UNSUPPORTED}`);
  const { count, strings } = countElements(inputName, datatype, bytes);
  const size = elementSize(datatype);
  const declared = elementCount(shape);
  if (size !== undefined && declared !== count) {
    const expected = Number.isFinite(declared) ? `${declared * size} bytes` : 'more than 2^53 elements';
    throw new ProtocolError(
      400,
      `input ${quote(inputName)}: binary_data_size ${bytes.length} does not match shape ${formatShape(shape)} of ${datatype} (${expected})`,
    );
  }
  checkCount(inputName, shape, count, limits);
  const data: TensorData = strings ?? (isFixed(datatype) ? fixedFromBytes(datatype, bytes) : []);
  return { name: inputName, datatype, shape, data };
}

/** The binary form of a tensor's data: a view over typed storage, or length-prefixed UTF-8 for BYTES. */
export function tensorToBytes(tensor: Tensor): Buffer {
  const { data } = tensor;
  if (!Array.isArray(data)) {
    const bytes = bytesOf(data);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  let total = 0;
  for (const s of data) total += 4 + Buffer.byteLength(s, 'utf8');
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const s of data) {
    const written = out.write(s, offset + 4, 'utf8');
    out.writeUInt32LE(written, offset);
    offset += 4 + written;
  }
  return out;
}

/**
 * A raw binary request (Inference-Header-Content-Length: 0): the body is the bytes of the model's
 * only input, as batch 1. A dynamic first dimension becomes 1; one other dynamic dimension is
 * inferred from the byte count; more than one cannot be, and needs a JSON header. Every output
 * is requested, in binary.
 */
export function decodeRawBinaryRequest(body: Uint8Array, signature: Signature, limits: DecodeLimits = {}): InferRequest {
  if (signature.inputs.length !== 1) {
    const names = signature.inputs.map((s) => s.name).join(', ');
    throw new ProtocolError(
      400,
      `a raw binary request (${HEADER}: 0) needs a model with exactly one input; this one has ${signature.inputs.length} (${names}): send a JSON header`,
    );
  }
  const spec = signature.inputs[0]!;
  const name = quote(spec.name);
  if (spec.datatype === 'BF16') throw new ProtocolError(400, `input ${name}: ${BF16_UNSUPPORTED}`);
  const shape = spec.shape.slice();
  if (shape.length > 0 && shape[0] === -1) shape[0] = 1;
  // As Triton does: a BYTES input of one element takes the whole body as that element, with no
  // 4-byte length before it (a client sending the text "427" sends exactly those three bytes).
  if (spec.datatype === 'BYTES' && shape.every((d) => d === 1)) {
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      throw new ProtocolError(400, `input ${name}: the raw body is not valid UTF-8 text`);
    }
    return {
      parameters: { binary_data_output: true },
      inputs: [{ name: spec.name, datatype: 'BYTES', shape, data: [text] }],
      outputs: signature.outputs.map((o) => ({ name: o.name, parameters: {} })),
    };
  }
  const dynamic = shape.flatMap((d, i) => (d < 0 ? [i] : []));
  if (dynamic.length > 1) {
    throw new ProtocolError(
      400,
      `input ${name} has shape ${formatShape(spec.shape)} with more than one dynamic dimension besides the batch; a raw binary request cannot tell its shape, send a JSON header`,
    );
  }
  const { count } = countElements(spec.name, spec.datatype, body);
  const inferred = dynamic[0];
  if (inferred !== undefined) {
    const row = elementCount(shape.map((d) => (d < 0 ? 1 : d)));
    if (row === 0 || count % row !== 0) {
      throw new ProtocolError(
        400,
        `input ${name}: a raw body of ${count} elements does not fill shape ${formatShape(shape)} with whole rows`,
      );
    }
    shape[inferred] = count / row;
  }
  const tensor = tensorFromBytes(spec.name, spec.datatype, shape, body, limits);
  return {
    parameters: { binary_data_output: true },
    inputs: [tensor],
    outputs: signature.outputs.map((o) => ({ name: o.name, parameters: {} })),
  };
}
