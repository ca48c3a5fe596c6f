// `node dist/bench/processing.js [--seconds S] [--concurrency C]`: images per second end to end
// (PNG in, label out, through a Hearth in its own process) against the in-process limit: the same
// decoding, preprocessing, onnxruntime run and post-processing in this process, no HTTP. The two
// are interleaved, rounds alternating, in one run; the figures are printed, not asserted.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import { ROOT, startHearth } from './hearth.js';
import { imagesToTensor } from '../server/processing/image.js';
import { applyOutput } from '../server/processing/outputs.js';
import { fitToModel, parseProcessing } from '../server/processing/resolve.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('--seconds', 5);
const CONCURRENCY = arg('--concurrency', 4);
const ROUNDS = arg('--rounds', 3);
const MODEL = path.join(ROOT, 'node_modules', '@gutenye', 'ocr-models', 'assets', 'ch_ppocr_mobile_v2.0_cls_infer.onnx');

async function line(text: string, turned: boolean): Promise<Buffer> {
  const width = Math.ceil(text.length * 22.4) + 24;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="48"><rect width="100%" height="100%" fill="white"/>` +
    `<text x="12" y="36" font-family="DejaVu Sans" font-size="32" fill="black">${text}</text></svg>`;
  let img = sharp(Buffer.from(svg));
  if (turned) img = img.rotate(180);
  return img.png().toBuffer();
}

/** Runs `one` from `concurrency` loops for `seconds`; answers images per second. */
async function rate(one: (i: number) => Promise<void>): Promise<number> {
  const end = performance.now() + SECONDS * 1000;
  let done = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async (_, k) => {
    for (let i = k; performance.now() < end; i += CONCURRENCY) { await one(i); done += 1; }
  }));
  return done / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const images = await Promise.all(['HEARTH 2026', 'Open 7 days', 'Invoice 4471', 'Exit'].flatMap((t) => [line(t, false), line(t, true)]));
  const want = images.map((_, i) => (i % 2 === 0 ? '0' : '180'));
  const hearth = await startHearth({ usageLog: true, label: 'hearth' });
  try {
    await hearth.admin('POST', '/models/cls/versions?processing=preset:ppocr-cls', readFileSync(MODEL));
    const session = await ort.InferenceSession.create(MODEL, { intraOpNumThreads: 1 });
    const signature = { inputs: [{ name: 'x', datatype: 'FP32' as const, shape: [-1, 3, -1, -1] }], outputs: [{ name: session.outputNames[0]!, datatype: 'FP32' as const, shape: [-1, 2] }] };
    const spec = fitToModel(parseProcessing('preset:ppocr-cls'), signature);
    if (spec.input?.kind !== 'image' || !spec.output) throw new Error('the preset has no image input');
    const input = spec.input;
    const output = spec.output;
    const ctx = { labels: ['0', '180'] };
    const limit = async (i: number) => {
      const t = await imagesToTensor([images[i % images.length]!], input, 'x', 'FP32');
      const out = (await session.run({ x: new ort.Tensor('float32', t.data as Float32Array, t.shape) }))[session.outputNames[0]!]!;
      const label = applyOutput(output, [{ name: signature.outputs[0]!.name, datatype: 'FP32', shape: [...out.dims], data: out.data as Float32Array }], ctx)[0]!.data[0];
      if (label !== want[i % images.length]) throw new Error(`in-process: image ${i % images.length} read as ${String(label)}`);
    };
    const endToEnd = async (i: number) => {
      const res = await fetch(`${hearth.url}/v2/models/cls/infer`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: images[i % images.length] });
      const body = await res.json() as { outputs: { name: string; data: string[] }[] };
      const label = body.outputs.find((o) => o.name === 'label')?.data[0];
      if (label !== want[i % images.length]) throw new Error(`end to end: image ${i % images.length} answered ${JSON.stringify(body)}`);
    };
    await rate(limit);
    await rate(endToEnd);
    const figures: { limit: number[]; e2e: number[] } = { limit: [], e2e: [] };
    for (let r = 0; r < ROUNDS; r++) {
      figures.limit.push(await rate(limit));
      figures.e2e.push(await rate(endToEnd));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const l = median(figures.limit);
    const e = median(figures.e2e);
    console.log(`PP-OCR direction classifier, PNG in, label out; ${CONCURRENCY} in flight, ${ROUNDS} interleaved rounds of ${SECONDS} s`);
    console.log(`  in-process limit (sharp decode + preprocess + onnxruntime + label): ${l.toFixed(0)} images/s  [${figures.limit.map((x) => x.toFixed(0)).join(', ')}]`);
    console.log(`  end to end through Hearth (raw image/png over HTTP):              ${e.toFixed(0)} images/s  [${figures.e2e.map((x) => x.toFixed(0)).join(', ')}]`);
    console.log(`  end to end / limit: ${(e / l).toFixed(2)}`);
    await session.release();
  } finally {
    await hearth.stop();
  }
}

main().catch((err: unknown) => { console.error(err); process.exitCode = 1; });
