import { Type } from '@sinclair/typebox';
import { DATATYPES } from '../../protocol/tensor.js';

/** Every error the API returns. */
export const ErrorSchema = Type.Object({ error: Type.String() }, { $id: 'Error', description: 'What went wrong and what to do.' });
export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, Type.Ref('Error')]));

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
