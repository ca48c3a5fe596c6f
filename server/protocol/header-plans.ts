// Binary requests (Triton's binary tensor extension) whose JSON header was seen before.
//
// A client of Triton's protocol sends the same JSON header with every request of a shape: only the
// tensor bytes after it change. Parsing that header and checking it against the signature cost
// ~4.5 µs a request on the HTTP thread (JSON.parse alone 1.5-2.5 µs for a 150-byte header, in a
// microbenchmark here), ~5% of the thread's time on the 784-512-512-10 MLP with binary tensors at
// 64 connections. So a header that decoded cleanly, with every input in the binary part, is kept
// per signature with what it decoded to; the next request with the very same header text only
// cuts its binary part and builds the tensors (with the same checks on the bytes as the first).
import type { Datatype, Signature } from './tensor.js';
import { splitBinaryBody, tensorFromBytes } from './binary.js';
import { decodeInferRequest, type InferRequest, type RequestedOutput } from './decode.js';
import type { DecodeLimits } from './shape.js';

/** Headers kept per signature; the oldest goes first. Bounded, so a client varying its header costs memory only up to this. */
export const MAX_HEADER_PLANS = 64;
/** Longer headers are decoded every time (a header this long is rare, and its text would be the key). */
export const MAX_PLANNED_HEADER_BYTES = 4096;

interface PlannedInput {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: readonly number[];
  readonly size: number;
}

/** What a header decoded to, without its tensors. Frozen: every request with this header shares it. */
interface HeaderPlan {
  readonly inputs: readonly PlannedInput[];
  /** The sum of the inputs' binary_data_size: a binary part of another length is decoded in full, for its error. */
  readonly bytes: number;
  readonly id: string | undefined;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly outputs: readonly RequestedOutput[];
}

const plansBySignature = new WeakMap<Signature, Map<string, HeaderPlan>>();

/** How many headers are kept for `signature` (for tests). */
export function headerPlanCount(signature: Signature): number {
  return plansBySignature.get(signature)?.size ?? 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The header's binary_data_size of each input, when every input has one (else null: nothing to plan). */
function binarySizes(json: unknown): number[] | null {
  if (!isRecord(json) || !Array.isArray(json.inputs)) return null;
  const sizes: number[] = [];
  for (const input of json.inputs as unknown[]) {
    const size = isRecord(input) && isRecord(input.parameters) ? input.parameters.binary_data_size : undefined;
    if (typeof size !== 'number') return null;
    sizes.push(size);
  }
  return sizes;
}

function planOf(decoded: InferRequest, sizes: readonly number[]): HeaderPlan {
  return Object.freeze({
    inputs: Object.freeze(decoded.inputs.map((t, i) => Object.freeze({ name: t.name, datatype: t.datatype, shape: Object.freeze([...t.shape]), size: sizes[i]! }))),
    bytes: sizes.reduce((a, b) => a + b, 0),
    id: decoded.id,
    parameters: Object.freeze({ ...decoded.parameters }),
    outputs: Object.freeze(decoded.outputs.map((o) => Object.freeze({ name: o.name, parameters: Object.freeze({ ...o.parameters }) }))),
  });
}

function fromPlan(plan: HeaderPlan, binary: Uint8Array, limits: DecodeLimits): InferRequest {
  let offset = 0;
  const inputs = plan.inputs.map((p) => {
    const bytes = binary.subarray(offset, offset + p.size);
    offset += p.size;
    return tensorFromBytes(p.name, p.datatype, [...p.shape], bytes, limits);
  });
  const request: InferRequest = { parameters: plan.parameters, inputs, outputs: plan.outputs };
  if (plan.id !== undefined) request.id = plan.id;
  return request;
}

/**
 * splitBinaryBody and decodeInferRequest, remembering the header's decoding per signature (see
 * above). Same result and same errors as the two calls: a header is kept only once it decoded
 * without error, and a request whose binary part does not add up is decoded in full.
 */
export function decodeBinaryRequest(body: Uint8Array, headerLength: number, signature: Signature, limits: DecodeLimits): InferRequest {
  const plannable = Number.isSafeInteger(headerLength) && headerLength > 0 && headerLength <= MAX_PLANNED_HEADER_BYTES && headerLength <= body.length;
  const key = !plannable ? undefined
    : Buffer.isBuffer(body) ? body.toString('utf8', 0, headerLength) : Buffer.from(body.buffer, body.byteOffset, headerLength).toString('utf8');
  let plans = plansBySignature.get(signature);
  const plan = key === undefined ? undefined : plans?.get(key);
  if (plan !== undefined && body.length - headerLength === plan.bytes) {
    return fromPlan(plan, body.subarray(headerLength), limits);
  }
  const { json, binary } = splitBinaryBody(body, headerLength);
  const decoded = decodeInferRequest(json, binary, signature, limits);
  const sizes = key === undefined || plan !== undefined ? null : binarySizes(json);
  if (key !== undefined && sizes !== null) {
    if (!plans) plansBySignature.set(signature, (plans = new Map<string, HeaderPlan>()));
    if (plans.size >= MAX_HEADER_PLANS) plans.delete(plans.keys().next().value as string);
    plans.set(key, planOf(decoded, sizes));
  }
  return decoded;
}
