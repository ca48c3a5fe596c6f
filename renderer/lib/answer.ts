/** What a processed version answered to one file or text, as the "Try it" box shows it. */
export type Answer =
  | { kind: 'label'; label: string; score: number | null }
  | { kind: 'text'; text: string; score: number | null }
  | { kind: 'ranked'; rows: { label: string; score: number }[] }
  | { kind: 'outputs'; outputs: unknown };

export type TryInput = { kind: 'image'; file: Blob & { name?: string } } | { kind: 'text'; text: string };

const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', tif: 'image/tiff', tiff: 'image/tiff',
};

/** The request that sends one file or text to a version: the raw body with its content type, as apps can. */
export function tryRequest(model: string, version: number, input: TryInput): { ok: true; path: string; body: Blob | string; contentType: string } | { ok: false; error: string } {
  const path = `/v2/models/${encodeURIComponent(model)}/versions/${version}/infer`;
  if (input.kind === 'text') {
    if (input.text.trim() === '') return { ok: false, error: 'Type a text to send.' };
    return { ok: true, path, body: input.text, contentType: 'text/plain; charset=utf-8' };
  }
  const known = Object.values(IMAGE_TYPES);
  const extension = /\.([A-Za-z]+)$/.exec(input.file.name ?? '')?.[1]?.toLowerCase() ?? '';
  const contentType = known.includes(input.file.type) ? input.file.type : IMAGE_TYPES[extension];
  if (contentType === undefined) {
    return { ok: false, error: `Hearth reads PNG, JPEG, WebP and TIFF images; ${input.file.name ? `"${input.file.name}"` : 'this file'} is none of them.` };
  }
  if (input.file.size === 0) return { ok: false, error: 'The file is empty.' };
  return { ok: true, path, body: input.file, contentType };
}

interface Output { name: string; data: unknown[] }

const isOutput = (v: unknown): v is Output =>
  typeof v === 'object' && v !== null && typeof (v as { name?: unknown }).name === 'string' && Array.isArray((v as { data?: unknown }).data);

const numberAt = (o: Output | undefined, i: number): number | null => {
  const v = o?.data[i];
  return typeof v === 'number' ? v : null;
};

/**
 * The first answer of an Open Inference Protocol response, read by the output names processing
 * gives: label/score, text/score, labels/scores (top k), probabilities; anything else as it came.
 */
export function parseAnswer(body: unknown): Answer {
  const raw = typeof body === 'object' && body !== null ? (body as { outputs?: unknown }).outputs : undefined;
  const outputs = Array.isArray(raw) ? raw.filter(isOutput) : [];
  const byName = new Map(outputs.map((o) => [o.name, o]));
  const label = byName.get('label');
  if (label && typeof label.data[0] === 'string') return { kind: 'label', label: label.data[0], score: numberAt(byName.get('score'), 0) };
  const text = byName.get('text');
  if (text && typeof text.data[0] === 'string') return { kind: 'text', text: text.data[0], score: numberAt(byName.get('score'), 0) };
  const labels = byName.get('labels');
  const scores = byName.get('scores');
  if (labels && scores) {
    // [1, k] flattened; a multilabel row is padded with "" past its last label.
    const rows = labels.data.flatMap((l, i) => {
      const score = numberAt(scores, i);
      return typeof l === 'string' && l !== '' && score !== null ? [{ label: l, score }] : [];
    });
    return { kind: 'ranked', rows };
  }
  const probabilities = byName.get('probabilities');
  if (probabilities && probabilities.data.every((p) => typeof p === 'number')) {
    const rows = (probabilities.data as number[]).map((score, i) => ({ label: String(i), score }));
    return { kind: 'ranked', rows: rows.sort((a, b) => b.score - a.score).slice(0, 10) };
  }
  return { kind: 'outputs', outputs: raw ?? body };
}

/** A score as people read it: three decimals, or a dash when the answer has none. */
export const formatScore = (score: number | null): string => (score === null || !Number.isFinite(score) ? '—' : score.toFixed(3));
