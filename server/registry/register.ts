import type { Readable } from 'node:stream';
import { badRequest, conflict, HttpError } from '../http/errors.js';
import { specFromOrtMetadata } from '../protocol/datatypes.js';
import type { WorkerPool } from '../runtime/pool.js';
import { BodyTooLargeError, type BlobStore } from './blobs.js';
import { checkModelName, type ModelVersion, type Registry } from './registry.js';

export interface RegisterInput {
  name: string;
  source: Readable | Uint8Array;
  description?: string;
  metadata?: Record<string, unknown>;
  tags?: string[];
  maxBytes?: number;
  /** Register under this number (importing another registry's versions); it must be free. */
  version?: number;
}

/**
 * Registers a model file as the next version of a model. The file is staged, hashed and loaded
 * once by onnxruntime (in a worker) before anything is written; a bad file leaves neither blob
 * nor row. Bytes the model already has answer with that version (`existing: true`). With a
 * `version`, the number is kept (or 409 when it is taken, or the bytes are another version).
 */
export async function registerVersion(
  deps: { registry: Registry; blobs: BlobStore; pool: WorkerPool },
  input: RegisterInput,
): Promise<{ version: ModelVersion; existing: boolean }> {
  const { registry, blobs, pool } = deps;
  checkModelName(input.name);
  let staged;
  try {
    staged = await blobs.stage(input.source, input.maxBytes);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new HttpError(413, err.message);
    throw err;
  }
  try {
    if (staged.size === 0) throw badRequest('The body is empty: send the .onnx file as the request body.');
    const existing = registry.findBySha(input.name, staged.sha256);
    if (existing && input.version !== undefined && existing.version !== input.version) {
      throw conflict(`Model "${input.name}" already has these bytes as version ${existing.version}; they cannot also be version ${input.version}.`);
    }
    if (existing) return { version: existing, existing: true };
    let meta;
    try {
      meta = await pool.inspect(staged.tmpPath);
    } catch (err) {
      const why = (err instanceof Error ? err.message : String(err)).replaceAll(staged.tmpPath, 'the uploaded file');
      throw badRequest(`The file is not an ONNX model that onnxruntime can load (truncated, not ONNX, or an unsupported operator or type): ${why}`);
    }
    const signature = { inputs: meta.inputs.map(specFromOrtMetadata), outputs: meta.outputs.map(specFromOrtMetadata) };
    await blobs.commit(staged);
    try {
      const version = registry.addVersion({
        name: input.name, sha256: staged.sha256, size: staged.size, description: input.description ?? '',
        signature, metadata: input.metadata, tags: input.tags, version: input.version,
      });
      return { version, existing: false };
    } catch (err) {
      if (!registry.referencedBlobs().has(staged.sha256)) await blobs.remove(staged.sha256);
      throw err;
    }
  } finally {
    await blobs.discard(staged);
  }
}
