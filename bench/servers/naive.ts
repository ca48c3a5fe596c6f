// Baseline: the inference server a team writes by hand. One Fastify route, JSON in and out,
// onnxruntime's run() awaited on the event loop (where it blocks for the whole inference).
// Usage: node dist/bench/servers/naive.js PORT NAME=MODEL.onnx [NAME=MODEL.onnx …]
import Fastify from 'fastify';
import * as ort from 'onnxruntime-node';

interface JsonInput { name: string; shape: number[]; data: number[] }

function isInput(value: unknown): value is JsonInput {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.name === 'string' && Array.isArray(v.shape) && Array.isArray(v.data);
}

const DATATYPE: Record<string, string> = { float32: 'FP32', int64: 'INT64', int32: 'INT32', float64: 'FP64' };

const [port, ...models] = process.argv.slice(2);
const sessions = new Map<string, ort.InferenceSession>();
for (const spec of models) {
  const [name, file] = spec.split('=');
  // The same session options Hearth uses, so the comparison is about serving, not ORT's threads.
  sessions.set(name, await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' }));
}

// A classifier image as JSON is about 200 KB; a team raises the limit after the first 413.
const app = Fastify({ bodyLimit: 64 * 1024 * 1024 });
app.get('/health', async () => ({ ok: true }));
app.post<{ Params: { name: string } }>('/v2/models/:name/infer', async (req, reply) => {
  const session = sessions.get(req.params.name);
  if (!session) return reply.code(404).send({ error: 'no such model' });
  const body = req.body as { inputs?: unknown };
  const inputs = Array.isArray(body?.inputs) ? body.inputs : [];
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of inputs) {
    if (!isInput(input)) return reply.code(400).send({ error: 'bad input' });
    feeds[input.name] = new ort.Tensor('float32', Float32Array.from(input.data), input.shape);
  }
  const results = await session.run(feeds);
  return {
    model_name: req.params.name,
    outputs: Object.entries(results).map(([name, t]) => ({
      name,
      shape: t.dims,
      datatype: DATATYPE[t.type] ?? t.type,
      data: Array.from(t.data as ArrayLike<number | bigint>, Number),
    })),
  };
});
await app.listen({ host: '127.0.0.1', port: Number(port) });
const stop = () => { app.close().then(() => process.exit(0), () => process.exit(1)); };
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
