import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { demoReference, expectClose } from '../../helpers/reference.js';
import { gatherModel, sizedWorkModel } from '../../../scripts/onnx-builder.js';
import { json, post, startTestServer, upload, type TestServer } from '../../helpers/server.js';
import { gatherInput } from '../../reliability/helpers.js';

interface Stats {
  model_stats: { execution_count: number; inference_count: number; inference_stats: { compute_input: { count: number }; compute_infer: { count: number } } }[];
}

const FLOWER = [5.9, 3.0, 5.1, 1.8];
const body = (rows: number[][]) => ({ inputs: [{ name: 'features', shape: [rows.length, 4], datatype: 'FP32', data: rows.flat() }] });

/** Executions of iris v2, and how many of its requests crossed to a worker (compute_input counts only those). */
async function executions(s: TestServer): Promise<{ executions: number; worker: number }> {
  const st = (await json<Stats>(fetch(`${s.url}/v2/models/iris/versions/2/stats`))).body.model_stats[0];
  return { executions: st.execution_count, worker: st.inference_stats.compute_input.count };
}

interface Answer { status: number; body: string }

/**
 * Opens `n` connections to `path`; the function it resolves with writes one request on each in
 * the same tick, and resolves with each response's status and body.
 */
async function connections(url: string, n: number, path = '/v2/models/iris/infer'): Promise<(jsons: string[]) => Promise<Answer[]>> {
  const { hostname, port } = new URL(url);
  const sockets = await Promise.all(Array.from({ length: n }, () => new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => resolve(socket));
    socket.once('error', reject);
  })));
  return (jsons) => {
    const request = (json: string) => `POST ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(json)}\r\nconnection: close\r\n\r\n${json}`;
    const answers = sockets.map((socket) => new Promise<Answer>((resolve) => {
      let text = '';
      socket.setEncoding('utf8').on('data', (d: string) => { text += d; })
        .on('close', () => resolve({ status: Number(text.slice(9, 12)), body: text.slice(text.indexOf('\r\n\r\n') + 4) }));
    }));
    sockets.forEach((socket, i) => socket.write(request(jsons[i])));
    return Promise.all(answers);
  };
}

/** 24 different flowers, so that each answer can be checked against its own request. */
const flowers = Array.from({ length: 24 }, (_, i) => [4.5 + (i % 8) * 0.4, 2.2 + (i % 5) * 0.3, 1 + (i % 6) * 0.9, 0.1 + (i % 4) * 0.6]);

/**
 * Sends the flowers at once to a version told to wait up to 1 s for a batch of exactly that many:
 * they run in one execution however the machine schedules their arrival.
 */
async function together(s: TestServer): Promise<Answer[]> {
  const patched = await s.admin('/admin/v1/models/iris/versions/2/settings', {
    method: 'PATCH', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ maxQueueDelayUs: 1_000_000, preferredBatchSizes: [flowers.length] }),
  });
  expect(patched.status).toBe(200);
  const fire = await connections(s.url, flowers.length);
  return fire(flowers.map((f) => JSON.stringify(body([f]))));
}

function expectEachOwnAnswer(answers: Answer[]): void {
  answers.forEach((a, i) => {
    expect(a.status).toBe(200);
    const out = (JSON.parse(a.body) as { outputs: { data: number[] }[] }).outputs[0].data;
    expectClose(out, demoReference(2, [flowers[i]]).probabilities[0]);
  });
}

/**
 * Whether a model runs inline is measured at load, against --inline-max-us (default 100 µs). These
 * tests are about what happens once it does, so they give a limit that a loaded machine running the
 * suite in parallel cannot push the demo model's 10 µs past.
 */
const INLINE = { inlineMaxUs: 2000 };

describe('tiny models on the HTTP thread', () => {
  let s: TestServer;
  afterEach(async () => { await s.stop(); });

  it('runs a request that is alone inline, with the same answer as the worker', async () => {
    s = await startTestServer(INLINE);
    const before = await executions(s);
    for (let i = 0; i < 5; i++) {
      const r = await json<{ outputs: { name: string; data: number[] }[] }>(post(`${s.url}/v2/models/iris/infer`, body([FLOWER])));
      expect(r.status).toBe(200);
      expectClose(r.body.outputs[0].data, demoReference(2, [FLOWER]).probabilities[0]);
    }
    const after = await executions(s);
    expect(after.executions - before.executions).toBe(5);
    expect(after.worker).toBe(before.worker);
    // The metadata says so, with the measured run.
    const meta = await json<{ parameters: { inline_run_us: number | null } }>(fetch(`${s.url}/v2/models/iris`));
    expect(meta.body.parameters.inline_run_us).toBeGreaterThan(0);
    expect(meta.body.parameters.inline_run_us).toBeLessThanOrEqual(INLINE.inlineMaxUs);
  });

  /**
   * The sized-work model runs in microseconds for the warm-up input and for millions of elements in
   * milliseconds (16M: 5–6 ms here). Requests one at a time, so each is alone and may run inline.
   */
  async function sizedWork(server: TestServer, sizes: number[]): Promise<{ worker: number; inlineUs: number | null }> {
    const stats = async () => (await json<Stats>(fetch(`${server.url}/v2/models/work/versions/1/stats`))).body.model_stats[0];
    const before = (await stats()).inference_stats.compute_input.count;
    for (const size of sizes) {
      const r = await json<{ outputs: { data: number[] }[] }>(post(`${server.url}/v2/models/work/infer`, {
        inputs: [{ name: 'size', shape: [1], datatype: 'INT64', data: [size] }],
      }));
      expect(r.status).toBe(200);
      expect(r.body.outputs[0].data).toEqual([0]);
    }
    const meta = await json<{ parameters: { inline_run_us: number | null } }>(fetch(`${server.url}/v2/models/work`));
    return { worker: (await stats()).inference_stats.compute_input.count - before, inlineUs: meta.body.parameters.inline_run_us };
  }

  it('turns a version off the HTTP thread after three runs in a row twenty times past its limit', async () => {
    s = await startTestServer({ inlineMaxUs: 300 });
    expect((await upload(s, 'work', sizedWorkModel())).status).toBe(201);
    expect(await sizedWork(s, [1])).toMatchObject({ worker: 0 });
    // 40M elements: a run of 12 ms or more, past 20 × 300 µs however fast the machine.
    expect(await sizedWork(s, [40e6, 40e6, 40e6, 1])).toEqual({ worker: 1, inlineUs: null });
  });

  it('keeps a version on the HTTP thread through runs slower than 2 ms but within twenty times its limit', async () => {
    // With a fixed 2 ms, three such runs turned a site's 2 ms limit off for good.
    s = await startTestServer(INLINE);
    expect((await upload(s, 'work', sizedWorkModel())).status).toBe(201);
    const after = await sizedWork(s, [1, 16e6, 16e6, 16e6, 1]);
    expect(after.worker).toBe(0);
    expect(after.inlineUs).toBeGreaterThan(0);
  });

  it('runs requests that overlap in joined batches on the HTTP thread, each answered with its own rows', async () => {
    s = await startTestServer({ workers: 2, ...INLINE });
    const before = await executions(s);
    expectEachOwnAnswer(await together(s));
    const after = await executions(s);
    expect(after.worker).toBe(before.worker);
    expect(after.executions - before.executions).toBe(1);
  });

  it('sends overlapping requests to the workers, joined in batches, with --inline-max-us 0', async () => {
    s = await startTestServer({ workers: 2, inlineMaxUs: 0 });
    const before = await executions(s);
    expectEachOwnAnswer(await together(s));
    const after = await executions(s);
    expect(after.worker - before.worker).toBe(24);
    expect(after.executions - before.executions).toBe(1);
  });

  /** Twelve requests in one joined batch on the gather model, the sixth an index past its table: each answered alone. */
  async function batchWithABadRequest(server: TestServer): Promise<Stats['model_stats'][number]> {
    expect((await upload(server, 'lookup', gatherModel({ tableSize: 4 }))).status).toBe(201);
    const indices = Array.from({ length: 12 }, (_, i) => (i === 5 ? 9 : i % 4));
    expect((await server.admin('/admin/v1/models/lookup/versions/1/settings', {
      method: 'PATCH', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ maxQueueDelayUs: 1_000_000, preferredBatchSizes: [indices.length] }),
    })).status).toBe(200);
    const fire = await connections(server.url, indices.length, '/v2/models/lookup/infer');
    const answers = await fire(indices.map((i) => JSON.stringify({ inputs: gatherInput([i]) })));
    answers.forEach((a, k) => {
      if (k === 5) {
        expect(a.status).toBe(400);
        expect(a.body).toMatch(/out of data bounds/);
      } else {
        expect(a.status).toBe(200);
        expect((JSON.parse(a.body) as { outputs: { data: number[] }[] }).outputs[0].data).toEqual([indices[k]]);
      }
    });
    const st = (await json<Stats>(fetch(`${server.url}/v2/models/lookup/versions/1/stats`))).body.model_stats[0];
    // The warm-up, then the eleven requests that ran again alone and answered: each an execution of one row.
    expect(st.execution_count).toBe(12);
    expect(st.inference_count).toBe(12);
    return st;
  }

  it('in a joined batch in the workers, a request onnxruntime refuses fails alone, and the others\' runs are counted', async () => {
    s = await startTestServer({ workers: 2, inlineMaxUs: 0 });
    const st = await batchWithABadRequest(s);
    // The warm-up, the joined batch that failed, and the retries that answered crossed to a worker.
    expect(st.inference_stats.compute_input.count).toBe(12);
  });

  it('in a joined batch on the HTTP thread, a request onnxruntime refuses fails alone', async () => {
    s = await startTestServer({ workers: 2, ...INLINE });
    const st = await batchWithABadRequest(s);
    // The warm-up went to a worker; nothing else did (the joined batch, then each request alone, ran here).
    expect(st.inference_stats.compute_input.count).toBe(1);
    // The session still runs on the HTTP thread: the failure was the request's, not the session's.
    expect((await json<{ parameters: { inline_run_us: number | null } }>(fetch(`${s.url}/v2/models/lookup`))).body.parameters.inline_run_us).not.toBeNull();
  });

  it('keeps every request in the workers with --inline-max-us 0', async () => {
    s = await startTestServer({ inlineMaxUs: 0 });
    const before = await executions(s);
    for (let i = 0; i < 3; i++) expect((await post(`${s.url}/v2/models/iris/infer`, body([FLOWER]))).status).toBe(200);
    expect((await executions(s)).worker - before.worker).toBe(3);
    const meta = await json<{ parameters: { inline_run_us: number | null } }>(fetch(`${s.url}/v2/models/iris`));
    expect(meta.body.parameters.inline_run_us).toBeNull();
  });

  it('sends a request too large for an inline run to a worker, even alone', async () => {
    s = await startTestServer(INLINE);
    // 20 rows: past 16 times the warm-up request's elements.
    const many = Array.from({ length: 20 }, () => FLOWER);
    const before = await executions(s);
    expect((await post(`${s.url}/v2/models/iris/infer`, body(many))).status).toBe(200);
    expect((await executions(s)).worker - before.worker).toBe(1);
    expect((await json<{ parameters: { inline_run_us: number | null } }>(fetch(`${s.url}/v2/models/iris`))).body.parameters.inline_run_us).not.toBeNull();
  });
});
