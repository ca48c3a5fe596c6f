// Inference responses: JSON, or Triton's JSON header followed by binary outputs.
import type { Tensor } from './tensor.js';
import { dataToJsonText } from './json-data.js';
import { tensorToBytes } from './binary.js';
import type { RequestedOutput } from './request.js';

export interface EncodeInput {
  modelName: string;
  modelVersion?: string;
  id?: string;
  /** What the model produced; more than was requested is fine. */
  outputs: Tensor[];
  /** The outputs to send, in order; undefined or empty sends all of `outputs`. */
  requested?: readonly RequestedOutput[];
  /** The request's `binary_data_output`: every output in binary unless its own `binary_data` says otherwise. */
  binaryAll?: boolean;
}

/**
 * A response ready to write. `json`: `body` is the finished JSON text (send it as
 * application/json without serializing again). `binary`: write `chunks` in order, with
 * `Inference-Header-Content-Length: headerLength`; chunks[0] is the JSON header.
 *
 * The text is built here rather than by JSON.stringify because INT64/UINT64 values beyond 2^53
 * must stay exact: they are written as plain JSON numbers with every digit, as Triton writes them
 * (a JavaScript client that parses them with JSON.parse rounds them; binary output keeps them exact
 * for any client). FP16 is written as numbers; NaN and infinities as "NaN", "Infinity", "-Infinity".
 */
export type EncodedResponse =
  | { kind: 'json'; body: string }
  | { kind: 'binary'; headerLength: number; chunks: Buffer[] };

function pick(outputs: Tensor[], requested: readonly RequestedOutput[] | undefined): { tensor: Tensor; binary?: boolean }[] {
  if (requested === undefined || requested.length === 0) return outputs.map((tensor) => ({ tensor }));
  const byName = new Map(outputs.map((t) => [t.name, t]));
  return requested.map((r) => {
    const tensor = byName.get(r.name);
    // The decoder has checked the names against the signature, so this is the server's own fault.
    if (tensor === undefined) throw new Error(`the model produced no output named ${JSON.stringify(r.name)}`);
    const flag = r.parameters.binary_data;
    return typeof flag === 'boolean' ? { tensor, binary: flag } : { tensor };
  });
}

export function encodeInferResponse({
  modelName,
  modelVersion,
  id,
  outputs,
  requested,
  binaryAll = false,
}: EncodeInput): EncodedResponse {
  const chunks: Buffer[] = [];
  const parts = pick(outputs, requested).map(({ tensor, binary = binaryAll }) => {
    const head = `{"name":${JSON.stringify(tensor.name)},"datatype":"${tensor.datatype}","shape":[${tensor.shape.join(',')}]`;
    if (!binary) return `${head},"data":${dataToJsonText(tensor)}}`;
    const bytes = tensorToBytes(tensor);
    chunks.push(bytes);
    return `${head},"parameters":{"binary_data_size":${bytes.length}}}`;
  });
  const envelope = JSON.stringify({
    model_name: modelName,
    ...(modelVersion !== undefined ? { model_version: modelVersion } : {}),
    ...(id !== undefined ? { id } : {}),
  });
  const text = `${envelope.slice(0, -1)},"outputs":[${parts.join(',')}]}`;
  if (chunks.length === 0) return { kind: 'json', body: text };
  const header = Buffer.from(text, 'utf8');
  return { kind: 'binary', headerLength: header.length, chunks: [header, ...chunks] };
}
