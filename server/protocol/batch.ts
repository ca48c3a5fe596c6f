// Dynamic batching: several requests' inputs joined along dimension 0, outputs split back.
import type { Tensor, TensorData } from './tensor.js';
import { allocate } from './datatypes.js';
import { elementCount, formatShape } from './shape.js';

/**
 * Requests with the same key can be joined: same input names, datatypes and every dimension
 * but the first.
 */
export function batchKey(inputs: readonly Tensor[]): string {
  return inputs
    .map((t) => `${t.name}\u0000${t.datatype}\u0000${t.shape.slice(1).join(',')}`)
    .sort()
    .join('\u0001');
}

/** batchKey(a) === batchKey(b), without building the keys (concatBatch checks every request of a batch). */
function sameLayout(a: readonly Tensor[], b: readonly Tensor[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (const t of a) {
    let match = 0;
    for (const u of b) {
      if (u.name !== t.name) continue;
      match++;
      if (u.datatype !== t.datatype || u.shape.length !== t.shape.length) return false;
      for (let d = 1; d < t.shape.length; d++) if (u.shape[d] !== t.shape[d]) return false;
    }
    if (match !== 1) return false;
  }
  return true;
}

function rowsOf(inputs: readonly Tensor[], request: number): number {
  const first = inputs[0];
  if (first === undefined) throw new Error(`request ${request} of the batch has no inputs`);
  for (const t of inputs) {
    if (t.shape.length === 0) throw new Error(`input ${JSON.stringify(t.name)} is a scalar and cannot be batched`);
    if (t.shape[0] !== first.shape[0]) {
      throw new Error(`request ${request} of the batch has inputs with different first dimensions (${first.shape[0]}, ${t.shape[0]})`);
    }
  }
  return first.shape[0]!;
}

function join(datatype: Tensor['datatype'], parts: TensorData[]): TensorData {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = allocate(datatype, total);
  let offset = 0;
  for (const part of parts) {
    if (Array.isArray(out)) {
      for (let i = 0; i < part.length; i++) out[offset + i] = (part as string[])[i]!;
    } else {
      // Same datatype, so the same typed-array class: set() copies the raw elements.
      (out as Uint8Array).set(part as Uint8Array, offset);
    }
    offset += part.length;
  }
  return out;
}

/**
 * Joins the inputs of several requests along dimension 0, in request order. Inputs are matched by
 * name; all other dimensions and the datatypes must agree (group requests by batchKey first).
 * Returns the joined tensors, in the first request's order, and each request's row count.
 */
export function concatBatch(requests: readonly (readonly Tensor[])[]): { inputs: Tensor[]; rowCounts: number[] } {
  const rowCounts = requests.map(rowsOf);
  const first = requests[0];
  if (first === undefined) return { inputs: [], rowCounts };
  requests.forEach((r, i) => {
    if (!sameLayout(first, r)) throw new Error(`request ${i} of the batch does not match request 0 (names, datatypes or non-batch dimensions)`);
  });
  const totalRows = rowCounts.reduce((a, b) => a + b, 0);
  const inputs = first.map((t) => {
    const parts = requests.map((r) => r.find((u) => u.name === t.name)!.data);
    return { name: t.name, datatype: t.datatype, shape: [totalRows, ...t.shape.slice(1)], data: join(t.datatype, parts) };
  });
  return { inputs, rowCounts };
}

/**
 * Splits batched outputs back along dimension 0: request i gets rowCounts[i] rows of every
 * output, in order. Typed data are subarray views over the batched output, not copies.
 */
export function splitBatch(outputs: readonly Tensor[], rowCounts: readonly number[]): Tensor[][] {
  const totalRows = rowCounts.reduce((a, b) => a + b, 0);
  for (const t of outputs) {
    if (t.shape[0] !== totalRows) {
      throw new Error(
        `output ${JSON.stringify(t.name)} has shape ${formatShape(t.shape)}, which cannot be split into ${totalRows} rows`,
      );
    }
  }
  const result: Tensor[][] = rowCounts.map(() => []);
  for (const t of outputs) {
    const rowSize = elementCount(t.shape.slice(1));
    let row = 0;
    rowCounts.forEach((rows, i) => {
      const start = row * rowSize;
      const end = (row + rows) * rowSize;
      const data: TensorData = Array.isArray(t.data) ? t.data.slice(start, end) : t.data.subarray(start, end);
      result[i]!.push({ name: t.name, datatype: t.datatype, shape: [rows, ...t.shape.slice(1)], data });
      row += rows;
    });
  }
  return result;
}
