import { badRequest, unsupportedMedia } from '../base/errors.js';
import { splitBinaryBody } from '../protocol/binary.js';
import { flattenData } from '../protocol/json-data.js';
import type { RequestedOutput } from '../protocol/request.js';
import type { Signature } from '../protocol/tensor.js';
import type { ImageInput, TextInput } from './spec.js';

/** A request to a version whose input is processed: the files or texts, and what to answer. */
export interface ProcessedRequest {
  id?: string;
  parameters: Record<string, unknown>;
  /** One element per image (bytes) or text. */
  items: Buffer[];
  outputs: RequestedOutput[];
  binaryAll: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** BYTES elements of the binary extension, each a 4-byte little-endian length and its bytes: kept as bytes. */
function bytesElements(name: string, bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (offset + 4 > bytes.length) throw badRequest(`input "${name}": BYTES element ${out.length} is cut off inside its 4-byte length.`);
    const length = bytes.readUInt32LE(offset);
    offset += 4;
    if (offset + length > bytes.length) throw badRequest(`input "${name}": BYTES element ${out.length} declares ${length} bytes but only ${bytes.length - offset} remain.`);
    out.push(bytes.subarray(offset, offset + length));
    offset += length;
  }
  return out;
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** A JSON BYTES element: the text itself, or for an image its bytes in base64 (a data: URL too). */
function fromJsonElement(value: unknown, input: ImageInput | TextInput, index: number): Buffer {
  if (typeof value !== 'string') throw badRequest(`input "${input.name}": element ${index} must be a string.`);
  if (input.kind === 'text') return Buffer.from(value, 'utf8');
  const b64 = value.startsWith('data:') ? value.slice(value.indexOf(',') + 1) : value;
  const compact = b64.replace(/\s+/g, '');
  if (!BASE64.test(compact)) {
    throw badRequest(`input "${input.name}": element ${index} is not base64; in JSON an image travels as base64 text (or send it in binary, or as the raw body with Content-Type: image/png).`);
  }
  return Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64');
}

function requestedOutputs(value: unknown, signature: Signature): RequestedOutput[] {
  if (value === undefined) return signature.outputs.map((o) => ({ name: o.name, parameters: {} }));
  if (!Array.isArray(value)) throw badRequest('"outputs" must be an array.');
  const names = signature.outputs.map((o) => o.name);
  return value.map((o: unknown) => {
    if (!isObject(o) || typeof o.name !== 'string') throw badRequest('Each of "outputs" must be an object with a "name".');
    if (!names.includes(o.name)) throw badRequest(`There is no output "${o.name}"; this version answers ${names.join(', ')}.`);
    if (o.parameters !== undefined && !isObject(o.parameters)) throw badRequest(`output "${o.name}": "parameters" must be an object.`);
    return { name: o.name, parameters: (o.parameters ?? {}) as Record<string, unknown> };
  });
}

function fromHeader(json: unknown, binary: Buffer | undefined, input: ImageInput | TextInput, signature: Signature): ProcessedRequest {
  if (!isObject(json)) throw badRequest('The request must be a JSON object with "inputs".');
  const inputs = json.inputs;
  if (!Array.isArray(inputs) || inputs.length !== 1 || !isObject(inputs[0])) {
    throw badRequest(`"inputs" must hold one input, "${input.name}" (BYTES, one ${input.kind === 'image' ? 'image file' : 'text'} per element).`);
  }
  const t = inputs[0];
  if (t.name !== input.name) throw badRequest(`This version takes the input "${input.name}", not ${JSON.stringify(t.name)}.`);
  if (t.datatype !== 'BYTES') throw badRequest(`input "${input.name}" is BYTES, not ${JSON.stringify(t.datatype)}.`);
  const shape = t.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) throw badRequest(`input "${input.name}": "shape" must be an array of non-negative integers.`);
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  const params = t.parameters;
  if (params !== undefined && !isObject(params)) throw badRequest(`input "${input.name}": "parameters" must be an object.`);
  let items: Buffer[];
  if (params?.binary_data_size !== undefined) {
    const size = params.binary_data_size;
    if (binary === undefined) throw badRequest(`input "${input.name}" has binary_data_size but the body has no binary part (send Inference-Header-Content-Length).`);
    if (typeof size !== 'number' || size !== binary.length) throw badRequest(`input "${input.name}": binary_data_size must be the ${binary.length} bytes after the JSON header.`);
    items = bytesElements(input.name, binary);
  } else {
    if (binary !== undefined && binary.length > 0) throw badRequest('The body has binary data that no input claims with binary_data_size.');
    items = flattenData(input.name, t.data, shape as number[]).map((v, i) => fromJsonElement(v, input, i));
  }
  if (items.length !== count) throw badRequest(`input "${input.name}": shape [${shape.join(',')}] holds ${count} elements but ${items.length} were sent.`);
  const parameters = json.parameters === undefined ? {} : json.parameters;
  if (!isObject(parameters)) throw badRequest('"parameters" must be an object.');
  const id = json.id;
  if (id !== undefined && typeof id !== 'string') throw badRequest('"id" must be a string.');
  return { id, parameters, items, outputs: requestedOutputs(json.outputs, signature), binaryAll: parameters.binary_data_output === true };
}

const RAW_TYPES = { image: /^image\/(png|jpeg|webp|tiff)$/, text: /^text\/plain$/ };

/**
 * The request to a processed version, from JSON (BYTES as text; images base64), Triton's binary
 * extension (BYTES elements as raw bytes), a raw binary body (one element), or a raw file body
 * with Content-Type image/png, image/jpeg, image/webp, image/tiff or text/plain.
 */
export function decodeProcessedRequest(
  body: Buffer, contentType: string | undefined, headerLength: number | undefined, input: ImageInput | TextInput, signature: Signature,
): ProcessedRequest {
  const all = () => signature.outputs.map((o) => ({ name: o.name, parameters: {} }));
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (headerLength === undefined && (type.startsWith('image/') || type.startsWith('text/'))) {
    if (!RAW_TYPES[input.kind].test(type)) {
      throw unsupportedMedia(`This version takes ${input.kind === 'image' ? 'an image (image/png, image/jpeg, image/webp, image/tiff)' : 'text (text/plain)'}, not ${type}.`);
    }
    if (body.length === 0) throw badRequest('The body is empty.');
    return { parameters: {}, items: [body], outputs: all(), binaryAll: false };
  }
  if (headerLength === 0) return { parameters: {}, items: [body], outputs: all(), binaryAll: true };
  if (headerLength !== undefined) {
    const { json, binary } = splitBinaryBody(body, headerLength);
    return fromHeader(json, binary, input, signature);
  }
  if (body.length === 0) throw badRequest(`The body is empty; send {"inputs": [{"name": "${input.name}", ...}]} or the file itself.`);
  let json: unknown;
  try { json = JSON.parse(body.toString('utf8')); } catch {
    throw badRequest(`The body is not JSON. Send the ${input.kind === 'image' ? 'image with Content-Type: image/png (or image/jpeg, image/webp)' : 'text with Content-Type: text/plain'}, or a JSON request.`);
  }
  return fromHeader(json, undefined, input, signature);
}
