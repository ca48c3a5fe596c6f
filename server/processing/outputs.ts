import { halfToFloat } from '../protocol/fp16.js';
import type { Tensor } from '../protocol/tensor.js';
import type { OutputSpec } from './spec.js';

/** What an output processor needs besides the model's outputs: class names, CTC characters. */
export interface OutputContext {
  labels?: readonly string[];
  characters?: readonly string[];
}

function floats(t: Tensor): Float64Array | Float32Array {
  const d = t.data;
  if (d instanceof Float32Array) return d;
  if (t.datatype === 'FP16' && d instanceof Uint16Array) return Float64Array.from(d, halfToFloat);
  if (Array.isArray(d)) throw new Error(`output "${t.name}" is ${t.datatype}; output processing reads numbers`);
  return Float64Array.from(d as ArrayLike<number | bigint>, Number);
}

function softmaxInPlace(row: Float64Array): void {
  let max = -Infinity;
  for (const v of row) if (v > max) max = v;
  let sum = 0;
  for (let i = 0; i < row.length; i++) { row[i] = Math.exp(row[i]! - max); sum += row[i]!; }
  for (let i = 0; i < row.length; i++) row[i] = row[i]! / sum;
}

/** Row n of a [N, C] (or step n of a [.., C]) output, activated if the spec says so. */
function rowsOf(t: Tensor, activate: 'softmax' | 'sigmoid' | false): Float64Array[] {
  const data = floats(t);
  const C = t.shape[t.shape.length - 1] ?? 1;
  const rows: Float64Array[] = [];
  for (let off = 0; off < data.length; off += C) {
    const row = Float64Array.from(data.subarray(off, off + C));
    if (activate === 'softmax') softmaxInPlace(row);
    else if (activate === 'sigmoid') for (let i = 0; i < C; i++) row[i] = 1 / (1 + Math.exp(-row[i]!));
    rows.push(row);
  }
  return rows;
}

const argmax = (row: Float64Array): number => {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
};

const nameOf = (ctx: OutputContext, i: number) => ctx.labels?.[i] ?? String(i);

function ctcDecode(t: Tensor, spec: Extract<OutputSpec, { kind: 'ctc' }>, ctx: OutputContext): Tensor[] {
  const [N = 0, T = 0] = t.shape;
  const steps = rowsOf(t, spec.activate ? 'softmax' : false);
  const chars = [...(ctx.characters ?? []), ...(spec.space ? [' '] : [])];
  const texts: string[] = [];
  const scores = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    let text = '';
    let sum = 0;
    let kept = 0;
    let prev = -1;
    for (let s = 0; s < T; s++) {
      const row = steps[n * T + s]!;
      const i = argmax(row);
      if (i !== spec.blank && i !== prev) {
        text += chars[i < spec.blank ? i : i - 1] ?? '';
        sum += row[i]!;
        kept += 1;
      }
      prev = i;
    }
    texts.push(text);
    scores[n] = kept > 0 ? sum / kept : 0;
  }
  return [{ name: 'text', datatype: 'BYTES', shape: [N], data: texts }, { name: 'score', datatype: 'FP32', shape: [N], data: scores }];
}

/** The model's outputs to the processed ones: label/score, labels/scores, probabilities, text/score. */
export function applyOutput(spec: OutputSpec, outputs: Tensor[], ctx: OutputContext): Tensor[] {
  const t = outputs.find((o) => o.name === spec.tensor) ?? outputs[0]!;
  if (spec.kind === 'ctc') return ctcDecode(t, spec, ctx);
  const activate = spec.activate ? (spec.kind === 'multilabel' ? 'sigmoid' : 'softmax') : false;
  const rows = rowsOf(t, activate);
  const N = rows.length;
  switch (spec.kind) {
    case 'softmax':
      return [{ name: 'probabilities', datatype: 'FP32', shape: [N, rows[0]?.length ?? 0], data: Float32Array.from(rows.flatMap((r) => Array.from(r))) }];
    case 'classify': {
      const best = rows.map(argmax);
      return [
        { name: 'label', datatype: 'BYTES', shape: [N], data: best.map((i) => nameOf(ctx, i)) },
        { name: 'score', datatype: 'FP32', shape: [N], data: Float32Array.from(best, (i, n) => rows[n]![i]!) },
      ];
    }
    case 'topk':
    case 'multilabel': {
      const picked = rows.map((row) => {
        const order = Array.from(row.keys()).sort((a, b) => row[b]! - row[a]!);
        return spec.kind === 'topk' ? order.slice(0, spec.k) : order.filter((i) => row[i]! >= spec.threshold);
      });
      // A row with fewer answers than the widest is padded with "" and 0.
      const k = spec.kind === 'topk' ? spec.k : Math.max(0, ...picked.map((p) => p.length));
      const labels: string[] = [];
      const scores = new Float32Array(N * k);
      picked.forEach((p, n) => {
        for (let j = 0; j < k; j++) {
          const i = p[j];
          labels.push(i === undefined ? '' : nameOf(ctx, i));
          scores[n * k + j] = i === undefined ? 0 : rows[n]![i]!;
        }
      });
      return [
        { name: 'labels', datatype: 'BYTES', shape: [N, k], data: labels },
        { name: 'scores', datatype: 'FP32', shape: [N, k], data: scores },
      ];
    }
  }
}
