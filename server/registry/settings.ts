import { Type, type Static } from '@sinclair/typebox';

/** Per model version serving settings, like Triton's model config. Stored with the version. */
export const VersionSettingsSchema = Type.Object({
  dynamicBatching: Type.Boolean({ description: 'Join concurrent requests along the first dimension (models with a dynamic batch dimension only).' }),
  maxBatchSize: Type.Integer({ minimum: 1, maximum: 4096, description: 'Most rows in one joined batch.' }),
  maxQueueDelayUs: Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Longest a request waits for others to join its batch, in microseconds.' }),
  preferredBatchSizes: Type.Array(Type.Integer({ minimum: 1, maximum: 4096 }), { maxItems: 16, description: 'Batch sizes dispatched at once when reached.' }),
  maxQueueSize: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Requests waiting beyond this get 503 with Retry-After.' }),
  instances: Type.Integer({ minimum: 1, maximum: 64, description: 'Sessions of this version run at once (Triton instance_group count).' }),
  intraOpThreads: Type.Integer({ minimum: 1, maximum: 256, description: "onnxruntime's intra-op threads per instance." }),
  responseCache: Type.Boolean({ description: 'Cache responses keyed by a hash of the inputs.' }),
  placement: Type.String({ pattern: '^(auto|cpu|cuda:[0-9]+|webgpu|dml|coreml)$', description: 'auto, cpu, cuda:N, webgpu, dml or coreml.' }),
  pinned: Type.Boolean({ description: 'Never unloaded for being idle or to make room.' }),
  circuitFailures: Type.Integer({ minimum: 0, maximum: 100_000, description: 'Failures in a row that are the server\'s (not a bad input, not the client\'s own timeout) that open the circuit breaker (fast 503s); 0 never opens it.' }),
  circuitCooldownMs: Type.Integer({ minimum: 100, maximum: 3_600_000, description: 'How long an open circuit refuses requests before one trial request is let through.' }),
});
export type VersionSettings = Static<typeof VersionSettingsSchema>;

export const VersionSettingsPatchSchema = Type.Partial(VersionSettingsSchema, { additionalProperties: false });
export type VersionSettingsPatch = Static<typeof VersionSettingsPatchSchema>;

export const DEFAULT_SETTINGS: VersionSettings = {
  dynamicBatching: true,
  maxBatchSize: 64,
  maxQueueDelayUs: 0,
  preferredBatchSizes: [],
  maxQueueSize: 1024,
  instances: 1,
  intraOpThreads: 1,
  responseCache: false,
  placement: 'auto',
  pinned: false,
  circuitFailures: 5,
  circuitCooldownMs: 5000,
};
