import type { QueryParams } from '../api/client.js';

export interface UploadDraft {
  model: string;
  description: string;
  tags: string;
  /** JSON object text: lineage such as training data, parameters, metrics. */
  metadata: string;
}

const NAME_RE = /^[A-Za-z0-9._-]{1,128}$/;

/** The same rule the registry applies, checked before a large file goes over the wire. */
export function modelNameError(name: string): string | null {
  if (name === '') return 'Name the model.';
  if (!NAME_RE.test(name) || name === '.' || name === '..') {
    return 'A model name may hold only letters, digits, "-", "_" and "." (no spaces), up to 128 characters.';
  }
  return null;
}

export const parseTags = (text: string): string[] =>
  [...new Set(text.split(',').map((t) => t.trim()).filter((t) => t !== ''))];

/** The path and query of POST /models/:name/versions for a form, or what to fix first. */
export function uploadRequest(draft: UploadDraft): { ok: true; path: string; query: QueryParams } | { ok: false; error: string } {
  const model = draft.model.trim();
  const nameError = modelNameError(model);
  if (nameError) return { ok: false, error: nameError };
  let metadata: string | undefined;
  if (draft.metadata.trim() !== '') {
    let value: unknown;
    try {
      value = JSON.parse(draft.metadata);
    } catch (err) {
      return { ok: false, error: `The metadata is not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { ok: false, error: 'The metadata must be a JSON object, e.g. {"dataset": "2024-q4", "accuracy": 0.97}.' };
    }
    metadata = JSON.stringify(value);
  }
  const tags = parseTags(draft.tags);
  return {
    ok: true,
    path: `/admin/v1/models/${encodeURIComponent(model)}/versions`,
    query: { description: draft.description.trim(), tags, metadata },
  };
}

/** Whether a dropped or picked file looks like an ONNX model (the server checks for real). */
export const looksLikeOnnx = (fileName: string): boolean => /\.onnx$/i.test(fileName);
