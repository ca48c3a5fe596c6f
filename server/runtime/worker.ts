// An inference worker thread: owns onnxruntime sessions, because session.run() blocks its thread.
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { LoadResult, RunResult, WireTensor, WireValueMetadata, WorkerRequest, WorkerResponse } from './messages.js';
import { errorMessage } from '../base/message.js';
import { nameThisThread } from '../base/thread-name.js';

if (!parentPort) throw new Error('worker.ts must run in a worker thread');
const port = parentPort;
nameThisThread((workerData as { threadName?: string } | null)?.threadName ?? 'hearth-infer');
const sessions = new Map<string, ort.InferenceSession>();

function describe(list: readonly ort.InferenceSession.ValueMetadata[]): WireValueMetadata[] {
  return list.map((m) => {
    const tensor = m as { name: string; isTensor: boolean; type?: unknown; shape?: unknown };
    return {
      name: tensor.name,
      isTensor: tensor.isTensor,
      type: typeof tensor.type === 'string' ? tensor.type : undefined,
      shape: Array.isArray(tensor.shape) ? (tensor.shape as (number | string)[]).map((d) => d) : undefined,
    };
  });
}

function providerList(providers: string[], deviceId?: number): ort.InferenceSession.ExecutionProviderConfig[] {
  return providers.map((p) => (p === 'cuda' && deviceId !== undefined ? { name: 'cuda', deviceId } : p));
}

async function create(path: string, intraOpThreads = 1, providers = ['cpu'], deviceId?: number) {
  return ort.InferenceSession.create(path, {
    intraOpNumThreads: intraOpThreads,
    interOpNumThreads: 1,
    executionProviders: providerList(providers, deviceId),
    graphOptimizationLevel: 'all',
  });
}

/** A buffer the main thread may take over: whole, not a view into something shared. */
function ownedBuffer(view: ArrayBufferView): ArrayBuffer {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && view.buffer instanceof ArrayBuffer) {
    return view.buffer;
  }
  return view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength) as ArrayBuffer;
}

async function handle(msg: WorkerRequest): Promise<[LoadResult | RunResult | null, ArrayBuffer[]]> {
  switch (msg.op) {
    case 'load': {
      const old = sessions.get(msg.key);
      if (old) return [{ inputs: describe(old.inputMetadata), outputs: describe(old.outputMetadata) }, []];
      const s = await create(msg.path, msg.options.intraOpThreads, msg.options.providers, msg.options.deviceId);
      sessions.set(msg.key, s);
      return [{ inputs: describe(s.inputMetadata), outputs: describe(s.outputMetadata) }, []];
    }
    case 'unload': {
      const s = sessions.get(msg.key);
      sessions.delete(msg.key);
      if (s) await s.release();
      return [null, []];
    }
    case 'run': {
      const s = sessions.get(msg.key);
      if (!s) throw new Error(`session ${msg.key} is not loaded in this worker`);
      const feeds: Record<string, ort.Tensor> = {};
      for (const t of msg.feeds) {
        feeds[t.name] = new ort.Tensor(t.type, t.data as ort.Tensor.DataType, t.dims);
      }
      const started = process.hrtime.bigint();
      const result = await s.run(feeds, msg.outputs);
      const computeNs = Number(process.hrtime.bigint() - started);
      const outputs: WireTensor[] = [];
      const transfer: ArrayBuffer[] = [];
      for (const name of msg.outputs) {
        const t = result[name];
        if (Array.isArray(t.data)) {
          outputs.push({ name, type: t.type as WireTensor['type'], dims: [...t.dims], data: t.data as string[] });
        } else {
          const view = t.data as ArrayBufferView;
          const buf = ownedBuffer(view);
          const Ctor = view.constructor as new (b: ArrayBuffer) => ArrayBufferView;
          outputs.push({ name, type: t.type as WireTensor['type'], dims: [...t.dims], data: new Ctor(buf) });
          transfer.push(buf);
        }
      }
      for (const t of Object.values(result)) t.dispose?.();
      return [{ outputs, computeNs }, transfer];
    }
    case 'crash':
      // For tests of worker replacement: die the way a native fault would, without cleanup.
      process.exit(70);
    case 'exit':
      for (const s of sessions.values()) await s.release();
      sessions.clear();
      process.exit(0);
  }
}

port.on('message', (msg: WorkerRequest) => {
  handle(msg).then(
    ([result, transfer]) => port.postMessage({ id: msg.id, ok: true, result } satisfies WorkerResponse, transfer),
    (err: unknown) => port.postMessage({
      id: msg.id,
      ok: false,
      error: errorMessage(err),
    } satisfies WorkerResponse),
  );
});
