import type { Readable } from 'node:stream';
import { badRequest, conflict, tooLarge } from '../base/errors.js';
import { specFromOrtMetadata } from '../protocol/datatypes.js';
import { fitToModel } from '../processing/resolve.js';
import type { ProcessingSpec } from '../processing/spec.js';
import { BodyTooLargeError, type BlobStore } from './blobs.js';
import { InspectError, inspectInChild, type Inspect } from './inspect.js';
import { checkModelName, type ModelVersion, type Registry } from './registry.js';
import { errorMessage } from '../base/message.js';

export interface RegisterInput {
  name: string;
  source: Readable | Uint8Array;
  description?: string;
  metadata?: Record<string, unknown>;
  tags?: string[];
  maxBytes?: number;
  /** Register under this number (importing another registry's versions); it must be free. */
  version?: number;
  /** Pre- and post-processing, checked against the model before anything is written. */
  processing?: ProcessingSpec;
}

/**
 * Registers a model file as the next version of a model. The file is staged, hashed and loaded
 * once by onnxruntime before anything is written, in a child process: a file that crashes
 * onnxruntime (an upload, or a version a leader sends a follower) ends that child, not the server.
 * A bad file leaves neither blob nor row. Bytes the model already has answer with that version
 * (`existing: true`). With a `version`, the number is kept (or 409 when it is taken, or the
 * bytes are another version).
 */
export async function registerVersion(
  deps: { registry: Registry; blobs: BlobStore; inspect?: Inspect },
  input: RegisterInput,
): Promise<{ version: ModelVersion; existing: boolean }> {
  const { registry, blobs, inspect = inspectInChild } = deps;
  checkModelName(input.name);
  let staged;
  try {
    staged = await blobs.stage(input.source, input.maxBytes);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw tooLarge(err.message);
    throw err;
  }
  try {
    if (staged.size === 0) throw badRequest('The body is empty: send the .onnx file as the request body.');
    const existing = registry.findBySha(input.name, staged.sha256);
    if (existing && input.version !== undefined && existing.version !== input.version) {
      throw conflict(`Model "${input.name}" already has these bytes as version ${existing.version}; they cannot also be version ${input.version}.`);
    }
    if (existing && input.processing && JSON.stringify(existing.processing) !== JSON.stringify(fitToModel(input.processing, existing.signature))) {
      throw conflict(`Model "${input.name}" already has these bytes as version ${existing.version}, with other processing; a version's processing never changes.`);
    }
    if (existing) return { version: existing, existing: true };
    let meta;
    try {
      meta = await inspect(staged.tmpPath);
    } catch (err) {
      if (err instanceof InspectError && err.kind !== 'refused') {
        throw badRequest(`The file was not registered: ${err.message}. Check that it is the model you meant to upload.`);
      }
      const why = errorMessage(err).replaceAll(staged.tmpPath, 'the uploaded file');
      throw badRequest(`The file is not an ONNX model that onnxruntime can load (truncated, not ONNX, or an unsupported operator or type): ${why}`);
    }
    const signature = { inputs: meta.inputs.map(specFromOrtMetadata), outputs: meta.outputs.map(specFromOrtMetadata) };
    const processing = input.processing ? fitToModel(input.processing, signature) : null;
    // The file and its row go in together, in turn with deletes: a delete between them could
    // unlink the file this row is about to name (see WriteLock).
    return await blobs.writes.run(async () => {
      // The same bytes may have been registered while this copy was inspected.
      const registered = registry.findBySha(input.name, staged.sha256);
      if (registered && input.version !== undefined && registered.version !== input.version) {
        throw conflict(`Model "${input.name}" already has these bytes as version ${registered.version}; they cannot also be version ${input.version}.`);
      }
      if (registered) return { version: registered, existing: true };
      await blobs.commit(staged);
      try {
        const version = registry.addVersion({
          name: input.name, sha256: staged.sha256, size: staged.size, description: input.description ?? '',
          signature, metadata: input.metadata, tags: input.tags, version: input.version, processing,
        });
        return { version, existing: false };
      } catch (err) {
        if (!registry.referencedBlobs().has(staged.sha256)) await blobs.remove(staged.sha256);
        throw err;
      }
    });
  } finally {
    await blobs.discard(staged);
  }
}
