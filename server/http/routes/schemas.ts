import { Type, type TSchema } from '@sinclair/typebox';
import { DATATYPES } from '../../protocol/tensor.js';

/** Every error the API returns. */
export const ErrorSchema = Type.Object({ error: Type.String() }, { $id: 'Error', description: 'What went wrong and what to do.' });
export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, Type.Ref('Error')]));

/**
 * An answer with an empty body (its status says it all): documented with no content (type null),
 * sent as `reply.send()`, which Fastify never serialises.
 */
export const noBody = (description: string) => Type.Unsafe<undefined>({ type: 'null', description });

/** The readiness probes' 400: not ready, with no body; or, as on any route, a bad request with its error. */
export const notReady = Type.Ref('Error', { description: 'Not ready (no body); or a bad request ({"error": …})' });

/** Text, or bytes of a file, in a body that is not JSON. */
export const Text = Type.String();
export const Bytes = Type.String({ format: 'binary' });

/**
 * An answer documented by its media types, for bodies that are not (only) JSON: files, streams,
 * the metrics text. Fastify serialises only objects, through the schema of the reply's media type.
 */
export const content = (description: string, media: Record<string, TSchema>) => ({
  description,
  content: Object.fromEntries(Object.entries(media).map(([type, schema]) => [type, { schema }])),
});

export const TensorSpecSchema = Type.Object({
  name: Type.String(),
  datatype: Type.Union(DATATYPES.map((d) => Type.Literal(d))),
  shape: Type.Array(Type.Integer(), { description: '-1 marks a dynamic dimension' }),
});

export const ServerMetadataSchema = Type.Object({
  name: Type.String(),
  version: Type.String(),
  extensions: Type.Array(Type.String()),
});

export const ModelMetadataSchema = Type.Object({
  name: Type.String(),
  versions: Type.Optional(Type.Array(Type.String())),
  platform: Type.String(),
  inputs: Type.Array(TensorSpecSchema),
  outputs: Type.Array(TensorSpecSchema),
  parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

const InferTensorSchema = Type.Object({
  name: Type.String(),
  shape: Type.Array(Type.Integer({ minimum: 0 })),
  datatype: Type.String({ description: 'BOOL, UINT8…UINT64, INT8…INT64, FP16, FP32, FP64 or BYTES' }),
  parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'binary_data_size for binary inputs' })),
  data: Type.Optional(Type.Array(Type.Unknown(), { description: 'row-major, flat or nested' })),
});

export const InferRequestSchema = Type.Object({
  id: Type.Optional(Type.String()),
  parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown(), {
    description: 'timeout (µs), binary_data_output, priority…',
  })),
  inputs: Type.Array(InferTensorSchema),
  outputs: Type.Optional(Type.Array(Type.Object({
    name: Type.String(),
    parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'binary_data: true' })),
  }))),
}, {
  description: 'JSON, or with Triton\'s binary extension: the JSON header followed by raw tensor bytes, its length in ' +
    'the Inference-Header-Content-Length header (0: the whole body is the single input\'s raw bytes).',
});

export const InferResponseSchema = Type.Object({
  model_name: Type.String(),
  model_version: Type.Optional(Type.String()),
  id: Type.Optional(Type.String()),
  parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  outputs: Type.Array(InferTensorSchema),
});

/** JSON, or with Triton's binary extension the JSON header followed by the raw output bytes. */
export const InferAnswer = content('The outputs: JSON, or with binary outputs the JSON header (its length in the ' +
  'Inference-Header-Content-Length header) followed by the raw tensor bytes', {
  'application/json': InferResponseSchema,
  'application/octet-stream': Bytes,
});

const Duration = Type.Object({ count: Type.Integer(), ns: Type.Integer() });
export const StatsSchema = Type.Object({
  model_stats: Type.Array(Type.Object({
    name: Type.String(),
    version: Type.String(),
    last_inference: Type.Integer(),
    inference_count: Type.Integer(),
    execution_count: Type.Integer(),
    inference_stats: Type.Object({
      success: Duration, fail: Duration, queue: Duration, compute_input: Duration, compute_infer: Duration,
      compute_output: Duration, cache_hit: Duration, cache_miss: Duration,
    }),
    batch_stats: Type.Array(Type.Object({
      batch_size: Type.Integer(), compute_input: Duration, compute_infer: Duration, compute_output: Duration,
    })),
    parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  })),
});

export const RepositoryIndexSchema = Type.Array(Type.Object({
  name: Type.String(),
  version: Type.String(),
  state: Type.String(),
  reason: Type.String(),
}));

export const ModelParams = Type.Object({ name: Type.String() });
export const VersionParams = Type.Object({ name: Type.String(), version: Type.String() });
