import type { BlobStore } from './blobs.js';
import type { Registry } from './registry.js';

/**
 * Removes a model (no `version`) or one version, and the files no version uses any longer. The
 * rows and the files go in turn with uploads (see WriteLock), so a file the delete found unused
 * cannot be claimed by an upload before it is unlinked.
 */
export function removeWithFiles(deps: { registry: Registry; blobs: BlobStore }, name: string, version?: number): Promise<void> {
  const { registry, blobs } = deps;
  return blobs.writes.run(async () => {
    for (const sha of registry.remove(name, version)) await blobs.remove(sha);
  });
}
