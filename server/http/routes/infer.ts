import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest } from '../errors.js';
import { decodeRawBinaryRequest, parseHeaderLength } from '../../protocol/binary.js';
import { decodeBinaryRequest } from '../../protocol/header-plans.js';
import { decodeInferRequest, type InferRequest } from '../../protocol/decode.js';
import { encodeInferResponse } from '../../protocol/encode.js';
import type { ModelVersion } from '../../registry/registry.js';
import { DEFAULT_MAX_ELEMENTS } from '../../protocol/shape.js';
import type { ProcessingSpec } from '../../processing/spec.js';
import type { InferOutcome } from '../../runtime/outcome.js';
import type { VersionStats } from '../../runtime/stats.js';
import { inferProcessed, wantsTensors } from './processing.js';
import { asError, errorMessage } from '../../base/message.js';

/** The request's tensors, from a JSON body, a JSON header with binary data, or a raw binary body. */
function decodeBody(req: FastifyRequest, body: Buffer, v: ModelVersion): { decoded: InferRequest; headerLength: number | undefined } {
  const headerLength = parseHeaderLength(req.headers['inference-header-content-length']);
  const limits = { maxElements: DEFAULT_MAX_ELEMENTS };
  if (headerLength === 0) return { decoded: decodeRawBinaryRequest(body, v.signature, limits), headerLength };
  if (headerLength !== undefined) return { decoded: decodeBinaryRequest(body, headerLength, v.signature, limits), headerLength };
  if (body.length === 0) throw badRequest('The request body is empty; send {"inputs": [...]}.');
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw badRequest(`The request body is not valid JSON (${errorMessage(err)}). ` +
      'A body with binary tensors needs the Inference-Header-Content-Length header.');
  }
  return { decoded: decodeInferRequest(json, undefined, v.signature, limits), headerLength };
}

/**
 * One inference request on version `v`. Returns the promise of its answer, or undefined when the
 * answer is sent by `reply.send` from the runtime's callback (models.ts `submit`): the usual
 * request, on a READY version without a response cache, which then needs no promise of its own.
 * Measured on the small MLP at 64 connections: see the closing note of the inference-path issue.
 */
export function infer(app: FastifyInstance, req: FastifyRequest, reply: FastifyReply, v: ModelVersion, alone: boolean): Promise<string | Buffer> | undefined {
  const started = process.hrtime.bigint();
  const { models } = app.hearth;
  const stats = models.stats.ofVersion(v);
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const inference = req.inference as NonNullable<FastifyRequest['inference']>;
  inference.bytesIn = body.length;
  const failed = (): void => stats.add('fail', Number(process.hrtime.bigint() - started));
  if (v.processing && !wantsTensors(req)) {
    return inferProcessed(app, req, reply, v as ModelVersion & { processing: ProcessingSpec }, body, alone).then((sent) => {
      stats.add('success', Number(process.hrtime.bigint() - started));
      return sent;
    }, (err: unknown) => {
      failed();
      throw err;
    });
  }
  let decoded: InferRequest;
  let headerLength: number | undefined;
  let opts;
  try {
    ({ decoded, headerLength } = decodeBody(req, body, v));
    const timeout = decoded.parameters.timeout;
    if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0)) {
      throw badRequest('The "timeout" parameter must be a non-negative number of microseconds.');
    }
    opts = { timeoutUs: timeout as number | undefined, alone };
  } catch (err) {
    failed();
    throw err;
  }
  const answer = (outcome: InferOutcome & { cached?: boolean }): string | Buffer =>
    encodeAnswer(reply, v, decoded, headerLength, outcome, inference, stats, started);
  let taken;
  try {
    taken = models.submit(v, decoded.inputs, opts, (error, outcome) => {
      let payload: string | Buffer | Error;
      if (error) {
        failed();
        payload = error;
      } else {
        try {
          payload = answer(outcome as InferOutcome);
        } catch (err) {
          payload = asError(err);
        }
      }
      sendAnswer(reply, payload);
    });
  } catch (err) {
    // The circuit's 503 (or a request the runtime could not queue).
    failed();
    throw err;
  }
  if (taken) return undefined;
  return models.infer(v, decoded.inputs, opts).then(answer, (err: unknown) => {
    failed();
    throw err;
  });
}

/** The answer's body and headers; counts the request a success (an encoding failure, a failure). */
function encodeAnswer(
  reply: FastifyReply, v: ModelVersion, decoded: InferRequest, headerLength: number | undefined,
  outcome: InferOutcome & { cached?: boolean }, inference: NonNullable<FastifyRequest['inference']>,
  stats: VersionStats, started: bigint,
): string | Buffer {
  inference.batchSize = outcome.batchSize;
  inference.cached = outcome.cached === true;
  inference.queueNs = outcome.queueNs;
  inference.computeNs = outcome.computeNs;
  let encoded;
  try {
    encoded = encodeInferResponse({
      modelName: v.name,
      modelVersion: String(v.version),
      id: decoded.id,
      outputs: outcome.outputs,
      requested: decoded.outputs,
      binaryAll: decoded.parameters.binary_data_output === true || headerLength === 0,
    });
  } catch (err) {
    stats.add('fail', Number(process.hrtime.bigint() - started));
    throw err;
  }
  stats.add('success', Number(process.hrtime.bigint() - started));
  // The payload is returned for Fastify to send, not sent here and the reply returned: an async
  // handler that resolves with the reply (a thenable) makes the promise call reply.then(), which
  // attaches end-of-stream listeners to the response while the usage hook holds it (2–3 µs and
  // four listeners a request, in the profile at 64 connections).
  if (encoded.kind === 'json') {
    // With its charset, as Fastify writes a JSON string's type (the inference lane sends it as set here).
    reply.header('content-type', 'application/json; charset=utf-8');
    return encoded.body;
  }
  reply.header('content-type', 'application/octet-stream').header('inference-header-content-length', String(encoded.headerLength));
  return Buffer.concat(encoded.chunks);
}

/**
 * Sends from the runtime's callback, which must not throw (a batch's answers are sent in one
 * loop). As Fastify does for a handler's promise (wrap-thenable.js), an error thrown while
 * sending is sent instead.
 */
function sendAnswer(reply: FastifyReply, payload: string | Buffer | Error): void {
  try {
    reply.send(payload);
  } catch (err) {
    try {
      reply.send(asError(err));
    } catch {
      // Nothing more can be sent on this request; the others of the batch still are.
    }
  }
}
