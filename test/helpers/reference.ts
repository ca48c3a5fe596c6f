import { demoWeights, type DemoVersion } from '../../scripts/onnx-builder.js';

/** The demo classifier computed in plain JS from its published weights: softmax(x·W + b). */
export function demoReference(version: DemoVersion, rows: number[][]): { probabilities: number[][]; label: number[] } {
  const { W, b } = demoWeights(version);
  const probabilities = rows.map((x) => {
    const logits = b.map((bias, j) => x.reduce((acc, xi, i) => acc + xi * W[i][j], bias));
    const max = Math.max(...logits);
    const exps = logits.map((l) => Math.exp(l - max));
    const sum = exps.reduce((a, e) => a + e, 0);
    return exps.map((e) => e / sum);
  });
  return { probabilities, label: probabilities.map((p) => p.indexOf(Math.max(...p))) };
}

export function expectClose(actual: number[], expected: number[], tol = 1e-5): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  actual.forEach((a, i) => {
    if (Math.abs(a - expected[i]) > tol) throw new Error(`element ${i}: ${a} differs from ${expected[i]} by more than ${tol}`);
  });
}
