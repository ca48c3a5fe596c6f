import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { badRequest, HttpError } from '../errors.js';
import { decodeRawBinaryRequest, parseHeaderLength, splitBinaryBody } from '../../protocol/binary.js';
import { decodeInferRequest } from '../../protocol/decode.js';
import { encodeInferResponse } from '../../protocol/encode.js';
import type { RequestedOutput } from '../../protocol/request.js';
import type { Tensor } from '../../protocol/tensor.js';
import { Processors } from '../../processing/compile.js';
import { decodeProcessedRequest } from '../../processing/request.js';
import { parseProcessing } from '../../processing/resolve.js';
import type { ProcessingSpec } from '../../processing/spec.js';
import { MAX_ASSET_BYTES, ProcessingStore } from '../../processing/store.js';
import { loadTokenizer } from '../../processing/text.js';
import type { ModelVersion } from '../../registry/registry.js';
import { Bytes, content, errors } from './schemas.js';

type Processed = ModelVersion & { processing: ProcessingSpec };

const byServices = new WeakMap<object, { store: ProcessingStore; processors: Processors }>();

/** The processing store and compiled processors of this server (one per set of services). */
export function processingOf(app: FastifyInstance): { store: ProcessingStore; processors: Processors } {
  let p = byServices.get(app.hearth);
  if (!p) {
    const store = new ProcessingStore(app.hearth.db, app.hearth.registry);
    p = { store, processors: new Processors(store) };
    byServices.set(app.hearth, p);
  }
  return p;
}

/** `?processing=none` on a processed version's metadata or infer URL reaches its plain tensor interface. */
export const wantsTensors = (req: FastifyRequest): boolean => (req.query as { processing?: string } | undefined)?.processing === 'none';

/** The tensors of a version with output processing only (the client sends the model's own inputs). */
function decodeTensors(body: Buffer, headerLength: number | undefined, v: ModelVersion, outputs: Processed['signature']['outputs']) {
  const signature = { inputs: v.signature.inputs, outputs };
  const limits = { maxElements: 2 ** 27 };
  if (headerLength === 0) return decodeRawBinaryRequest(body, signature, limits);
  if (headerLength !== undefined) {
    const { json, binary } = splitBinaryBody(body, headerLength);
    return decodeInferRequest(json, binary, signature, limits);
  }
  if (body.length === 0) throw badRequest('The request body is empty; send {"inputs": [...]}.');
  let json: unknown;
  try { json = JSON.parse(body.toString('utf8')); } catch { throw badRequest('The request body is not valid JSON.'); }
  return decodeInferRequest(json, undefined, signature, limits);
}

/**
 * An inference on a version with processing: files or texts in (JSON BYTES, binary BYTES, or a raw
 * image/text body), the model run like every other, its outputs turned into labels, scores or text.
 */
export async function inferProcessed(app: FastifyInstance, req: FastifyRequest, reply: FastifyReply, v: Processed, body: Buffer, alone: boolean): Promise<string | Buffer> {
  const processor = await processingOf(app).processors.get(v);
  const headerLength = parseHeaderLength(req.headers['inference-header-content-length']);
  let inputs: Tensor[];
  let id: string | undefined;
  let parameters: Record<string, unknown>;
  let requested: readonly RequestedOutput[];
  let binaryAll: boolean;
  if (processor.inputs && v.processing.input) {
    const r = decodeProcessedRequest(body, req.headers['content-type'], headerLength, v.processing.input, processor.signature);
    ({ id, parameters, outputs: requested, binaryAll } = r);
    inputs = await processor.inputs(r.items);
  } else {
    const d = decodeTensors(body, headerLength, v, processor.signature.outputs);
    ({ id, parameters, inputs, outputs: requested } = d);
    binaryAll = d.parameters.binary_data_output === true || headerLength === 0;
  }
  const timeout = parameters.timeout;
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0)) {
    throw badRequest('The "timeout" parameter must be a non-negative number of microseconds.');
  }
  const outcome = await app.hearth.models.infer(v, inputs, { timeoutUs: timeout as number | undefined, alone });
  Object.assign(req.inference ?? {}, { batchSize: outcome.batchSize, cached: outcome.cached, queueNs: outcome.queueNs, computeNs: outcome.computeNs });
  const outputs = processor.outputs ? processor.outputs(outcome.outputs) : outcome.outputs;
  const encoded = encodeInferResponse({ modelName: v.name, modelVersion: String(v.version), id, outputs, requested, binaryAll });
  // The payload is returned, not sent: see infer() in v2.ts.
  if (encoded.kind === 'json') {
    reply.header('content-type', 'application/json');
    return encoded.body;
  }
  reply.header('content-type', 'application/octet-stream').header('inference-header-content-length', String(encoded.headerLength));
  return Buffer.concat(encoded.chunks);
}

async function readAll(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `The file is larger than ${limit} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const Params = Type.Object({ name: Type.String(), version: Type.Integer({ minimum: 1 }) });
const AssetSchema = Type.Object({ key: Type.String(), sha256: Type.String(), size: Type.Integer(), createdAt: Type.Integer() });

/** Admin routes: a version's processing (set once) and its assets (each set once). */
export async function processingAdminRoutes(parent: FastifyInstance): Promise<void> {
  const r = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { registry } = parent.hearth;
  const { store } = processingOf(parent);

  r.put('/models/:name/versions/:version/processing', {
    schema: {
      tags: ['admin'], summary: 'Set a version\'s pre- and post-processing (once; it never changes after)',
      description: 'Body: a spec as JSON, e.g. {"preset": "imagenet", "output": {"k": 3}}. 409 when the version already has one.',
      params: Params, body: Type.Object({}, { additionalProperties: true }),
      response: {
        200: Type.Object({
          name: Type.String(), version: Type.Integer(),
          processing: Type.Unknown({ description: 'the spec as stored (server/processing/spec.ts)' }),
          missingAssets: Type.Array(Type.String(), { description: 'assets the spec names that are not attached yet; the version answers 503 until they are' }),
        }),
        ...errors(400, 401, 404, 409),
      },
    },
  }, async (req) => {
    const v = registry.getVersion(req.params.name, req.params.version);
    const after = store.setSpec(v, parseProcessing(JSON.stringify(req.body)));
    await parent.hearth.recordAdmin({ action: 'processing_set', model: v.name, version: v.version, ip: req.ip, detail: { preset: after.processing?.preset ?? null } });
    return { name: v.name, version: v.version, processing: after.processing, missingAssets: store.missing(after) };
  });

  r.put('/models/:name/versions/:version/assets/:key', {
    config: { upload: true },
    schema: {
      tags: ['admin'], summary: 'Attach a file the processing reads (labels, characters, tokenizer.json); once per key',
      params: Type.Object({ name: Type.String(), version: Type.Integer({ minimum: 1 }), key: Type.String() }),
      response: { 200: AssetSchema, 201: AssetSchema, ...errors(400, 401, 404, 409, 413, 415) },
    },
  }, async (req, reply) => {
    const v = registry.getVersion(req.params.name, req.params.version);
    const body = req.body as Readable | undefined;
    if (!body || typeof body.pipe !== 'function') throw new HttpError(415, 'Send the file as the body with "Content-Type: application/octet-stream".');
    const content = await readAll(body, MAX_ASSET_BYTES);
    const input = v.processing?.input;
    if (input?.kind === 'text' && input.asset === req.params.key) await loadTokenizer(content, input);
    const before = store.list(v).some((a) => a.key === req.params.key);
    const info = store.putAsset(v, req.params.key, content);
    if (before) return reply.code(200).send(info);
    await parent.hearth.recordAdmin({ action: 'asset_attached', model: v.name, version: v.version, ip: req.ip, detail: { key: info.key, sha256: info.sha256 } });
    return reply.code(201).send(info);
  });

  r.get('/models/:name/versions/:version/assets', {
    config: { access: 'follow' },
    schema: { tags: ['admin'], summary: 'The assets of a version', params: Params, response: { 200: Type.Object({ assets: Type.Array(AssetSchema), missing: Type.Array(Type.String()) }), ...errors(401, 404) } },
  }, async (req) => {
    const v = registry.getVersion(req.params.name, req.params.version);
    return { assets: store.list(v), missing: store.missing(v) };
  });

  r.get('/models/:name/versions/:version/assets/:key', {
    config: { access: 'follow' },
    schema: { tags: ['admin'], summary: 'Download one asset', params: Type.Object({ name: Type.String(), version: Type.Integer({ minimum: 1 }), key: Type.String() }), response: { 200: content('The asset as attached', { 'application/octet-stream': Bytes }), ...errors(401, 404) } },
  }, async (req, reply) => {
    const v = registry.getVersion(req.params.name, req.params.version);
    const content = store.read(v, req.params.key);
    if (!content) throw new HttpError(404, `Version ${v.version} of "${v.name}" has no asset "${req.params.key}".`);
    return reply.header('content-type', 'application/octet-stream').send(content);
  });
}
