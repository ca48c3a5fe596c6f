import { parseAnswer, tryRequest, type Answer, type TryInput } from '../lib/answer.js';
import type { AssetUpload } from '../lib/processing.js';
import type { ApiClient } from './client.js';
import type { AssetInfo } from './types.js';

/** PUT …/versions/V/assets/KEY: one file a version's processing reads, sent as is. */
export const attachAsset = (client: ApiClient, model: string, version: number, key: string, file: Blob): Promise<AssetInfo> =>
  client.raw<AssetInfo>('PUT', `/admin/v1/models/${encodeURIComponent(model)}/versions/${version}/assets/${encodeURIComponent(key)}`, file, 'application/octet-stream');

export interface AttachOutcome {
  attached: string[];
  failed: { key: string; error: string }[];
}

/**
 * Attaches the assets picked at upload, one after another. A refused one does not stop the rest:
 * the version is registered either way, and its page lets the admin attach what is missing.
 */
export async function attachAssets(client: ApiClient, model: string, version: number, assets: readonly AssetUpload[]): Promise<AttachOutcome> {
  const outcome: AttachOutcome = { attached: [], failed: [] };
  for (const { key, file } of assets) {
    try {
      await attachAsset(client, model, version, key, file);
      outcome.attached.push(key);
    } catch (err) {
      outcome.failed.push({ key, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return outcome;
}

/** Sends one image or text to a version with processing and reads its answer; errors carry the server's words. */
export async function tryVersion(client: ApiClient, model: string, version: number, input: TryInput): Promise<Answer> {
  const request = tryRequest(model, version, input);
  if (!request.ok) throw new Error(request.error);
  return parseAnswer(await client.raw<unknown>('POST', request.path, request.body, request.contentType));
}
