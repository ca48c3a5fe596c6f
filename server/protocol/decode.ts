// An inference request's JSON (and binary part) to tensors, checked against the model's signature
// so that nothing reaches a worker that onnxruntime would refuse or misread.
import type { Signature, Tensor, TensorSpec } from './tensor.js';
import { ProtocolError, quote } from './errors.js';
import { BF16_UNSUPPORTED, isDatatype } from './datatypes.js';
import { checkCount, checkShape, type DecodeLimits } from './shape.js';
import { dataFromJson, flattenData } from './json-data.js';
import { tensorFromBytes } from './binary.js';
import type { InferRequest, RequestedOutput } from './request.js';

export type { InferRequest, RequestedOutput } from './request.js';
export { ProtocolError } from './errors.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `owner` names what has the parameters, in the error only (a function: no text built per request). */
function parametersOf(owner: () => string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isObject(value)) throw new ProtocolError(400, `${owner()}: "parameters" must be an object`);
  return value;
}

/** Reads the binary part in order, as inputs with `binary_data_size` claim it. */
class BinaryCursor {
  private offset = 0;

  constructor(private readonly binary: Uint8Array | undefined) {}

  take(inputName: string, size: unknown): Uint8Array {
    const name = (): string => quote(inputName);
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      throw new ProtocolError(400, `input ${name()}: binary_data_size must be a non-negative integer, got ${JSON.stringify(size)}`);
    }
    if (this.binary === undefined) {
      throw new ProtocolError(
        400,
        `input ${name()} has binary_data_size but the request has no binary part; send Inference-Header-Content-Length with the JSON's length`,
      );
    }
    const left = this.binary.length - this.offset;
    if (size > left) {
      throw new ProtocolError(
        400,
        `input ${name()}: binary_data_size ${size} runs past the end of the binary data (${left} bytes left)`,
      );
    }
    const bytes = this.binary.subarray(this.offset, this.offset + size);
    this.offset += size;
    return bytes;
  }

  finish(): void {
    const left = (this.binary?.length ?? 0) - this.offset;
    if (left !== 0) {
      throw new ProtocolError(
        400,
        `the binary data has ${left} bytes that no input's binary_data_size accounts for; the sizes must add up to the binary part exactly`,
      );
    }
  }
}

interface InputContext {
  specs: ReadonlyMap<string, TensorSpec>;
  seen: Set<string>;
  cursor: BinaryCursor;
  limits: DecodeLimits;
}

function decodeInput(raw: unknown, index: number, { specs, seen, cursor, limits }: InputContext): Tensor {
  if (!isObject(raw)) throw new ProtocolError(400, `inputs[${index}] must be an object with name, shape, datatype and data`);
  const { name: rawName, datatype, shape: rawShape, data } = raw;
  if (typeof rawName !== 'string') throw new ProtocolError(400, `inputs[${index}] needs a "name" string`);
  // Quoted in errors only: the success path builds no text.
  const name = () => quote(rawName);
  const spec = specs.get(rawName);
  if (spec === undefined) {
    const known = [...specs.keys()].map(quote).join(', ');
    throw new ProtocolError(400, `unknown input ${name()}; the model's inputs are ${known}`);
  }
  if (seen.has(rawName)) throw new ProtocolError(400, `input ${name()} is given twice`);
  seen.add(rawName);
  if (datatype === 'BF16') throw new ProtocolError(400, `input ${name()}: ${BF16_UNSUPPORTED}`);
  if (!isDatatype(datatype)) {
    throw new ProtocolError(400, `input ${name()}: datatype ${JSON.stringify(datatype)} is not an Open Inference Protocol datatype`);
  }
  if (datatype !== spec.datatype) {
    throw new ProtocolError(400, `input ${name()} has datatype ${datatype} but the model expects ${spec.datatype}`);
  }
  const shape = checkShape(rawShape, spec);
  const parameters = parametersOf(() => `input ${name()}`, raw.parameters);
  if (parameters.shared_memory_region !== undefined) {
    throw new ProtocolError(501, `input ${name()}: the shared memory extension is not supported; send the data in the body`);
  }

  const binarySize = parameters.binary_data_size;
  if (binarySize !== undefined) {
    if (data !== undefined) throw new ProtocolError(400, `input ${name()} has both "data" and binary_data_size; send one`);
    return tensorFromBytes(rawName, datatype, shape, cursor.take(rawName, binarySize), limits);
  }
  if (data === undefined) throw new ProtocolError(400, `input ${name()} has no "data" and no binary_data_size`);
  const values = flattenData(rawName, data, shape);
  checkCount(rawName, shape, values.length, limits);
  return { name: rawName, datatype, shape, data: dataFromJson(rawName, datatype, values) };
}

interface SignatureParts {
  /** What a request that names no outputs gets: every output, no parameters. */
  allOutputs: readonly RequestedOutput[];
  specs: ReadonlyMap<string, TensorSpec>;
  outputNames: ReadonlySet<string>;
}
/** Per signature, made once: the inputs by name, the output names, the default outputs. */
const perSignature = new WeakMap<Signature, SignatureParts>();
function signatureParts(signature: Signature): SignatureParts {
  let parts = perSignature.get(signature);
  if (!parts) {
    parts = {
      allOutputs: Object.freeze(signature.outputs.map((o) => Object.freeze({ name: o.name, parameters: Object.freeze({}) }))),
      specs: new Map(signature.inputs.map((s) => [s.name, s])),
      outputNames: new Set(signature.outputs.map((o) => o.name)),
    };
    perSignature.set(signature, parts);
  }
  return parts;
}

function decodeOutputs(raw: unknown, signature: Signature): readonly RequestedOutput[] {
  if (raw === undefined || (Array.isArray(raw) && raw.length === 0)) return signatureParts(signature).allOutputs;
  if (!Array.isArray(raw)) throw new ProtocolError(400, '"outputs" must be an array of {"name"}');
  const known = signatureParts(signature).outputNames;
  const seen = new Set<string>();
  return raw.map((item: unknown, index) => {
    if (!isObject(item) || typeof item.name !== 'string') throw new ProtocolError(400, `outputs[${index}] needs a "name" string`);
    const outputName = item.name;
    // Quoted for an error only: no text is built for a request that decodes.
    const name = (): string => quote(outputName);
    if (!known.has(outputName)) {
      throw new ProtocolError(400, `unknown output ${name()}; the model's outputs are ${[...known].map(quote).join(', ')}`);
    }
    if (seen.has(outputName)) throw new ProtocolError(400, `output ${name()} is requested twice`);
    seen.add(outputName);
    const parameters = parametersOf(() => `output ${name()}`, item.parameters);
    if (parameters.binary_data !== undefined && typeof parameters.binary_data !== 'boolean') {
      throw new ProtocolError(400, `output ${name()}: binary_data must be true or false`);
    }
    if (parameters.classification !== undefined) {
      throw new ProtocolError(501, `output ${name()}: the classification extension is not supported`);
    }
    if (parameters.shared_memory_region !== undefined) {
      throw new ProtocolError(501, `output ${name()}: the shared memory extension is not supported`);
    }
    return { name: outputName, parameters };
  });
}

/**
 * Decodes an inference request body against the model's signature. `binary` is the part after
 * the JSON header (see splitBinaryBody), if any. Every check runs before any inference, and no
 * storage is allocated from a declared shape until the data sent is known to match it.
 * Throws ProtocolError: 400 for a malformed or mismatched request, 413 past `limits`, 501 for
 * extensions Hearth does not speak.
 */
export function decodeInferRequest(
  body: unknown,
  binary: Uint8Array | undefined,
  signature: Signature,
  limits: DecodeLimits = {},
): InferRequest {
  if (!isObject(body)) throw new ProtocolError(400, 'the request body must be a JSON object with "inputs"');
  const { id, inputs: rawInputs } = body;
  if (id !== undefined && typeof id !== 'string') throw new ProtocolError(400, '"id" must be a string');
  const parameters = parametersOf(() => 'the request', body.parameters);
  if (parameters.binary_data_output !== undefined && typeof parameters.binary_data_output !== 'boolean') {
    throw new ProtocolError(400, 'parameter binary_data_output must be true or false');
  }
  if (!Array.isArray(rawInputs)) throw new ProtocolError(400, 'the request needs an "inputs" array');

  const context: InputContext = {
    specs: signatureParts(signature).specs,
    seen: new Set<string>(),
    cursor: new BinaryCursor(binary),
    limits,
  };
  const inputs = rawInputs.map((raw: unknown, index) => decodeInput(raw, index, context));
  context.cursor.finish();
  const { seen } = context;
  const missing = signature.inputs.filter((s) => !seen.has(s.name));
  if (missing.length > 0) {
    const list = missing.map((s) => `${quote(s.name)} (${s.datatype} [${s.shape.join(', ')}])`).join(', ');
    throw new ProtocolError(400, `missing input ${list}`);
  }

  const outputs = decodeOutputs(body.outputs, signature);
  const request: InferRequest = { parameters, inputs, outputs };
  if (id !== undefined) request.id = id;
  return request;
}
