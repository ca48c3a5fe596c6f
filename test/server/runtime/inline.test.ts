import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { demoReference, expectClose } from '../../helpers/reference.js';
import { slowModel } from '../../../scripts/onnx-builder.js';
import { json, post, startTestServer, upload, type TestServer } from '../../helpers/server.js';
import { slowInput, waitForExecutions } from '../../reliability/helpers.js';

interface Stats {
  model_stats: { execution_count: number; inference_stats: { compute_input: { count: number }; compute_infer: { count: number } } }[];
}

const FLOWER = [5.9, 3.0, 5.1, 1.8];
const body = (rows: number[][]) => ({ inputs: [{ name: 'features', shape: [rows.length, 4], datatype: 'FP32', data: rows.flat() }] });

/** Executions of iris v2, and how many of its requests crossed to a worker (compute_input counts only those). */
async function executions(s: TestServer): Promise<{ executions: number; worker: number }> {
  const st = (await json<Stats>(fetch(`${s.url}/v2/models/iris/versions/2/stats`))).body.model_stats[0];
  return { executions: st.execution_count, worker: st.inference_stats.compute_input.count };
}

/**
 * Opens `n` connections; the function it resolves with writes one request on each in the same
 * tick, and resolves with each response's status.
 */
async function connections(url: string, n: number): Promise<(jsons: string[]) => Promise<number[]>> {
  const { hostname, port } = new URL(url);
  const sockets = await Promise.all(Array.from({ length: n }, () => new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => resolve(socket));
    socket.once('error', reject);
  })));
  return (jsons) => {
    const request = (json: string) => `POST /v2/models/iris/infer HTTP/1.1\r\nHost: ${hostname}:${port}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(json)}\r\nconnection: close\r\n\r\n${json}`;
    const answers = sockets.map((socket) => new Promise<number>((resolve) => {
      let text = '';
      socket.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('close', () => resolve(Number(text.slice(9, 12))));
    }));
    sockets.forEach((socket, i) => socket.write(request(jsons[i])));
    return Promise.all(answers);
  };
}

describe('tiny models on the HTTP thread', () => {
  let s: TestServer;
  afterEach(async () => { await s.stop(); });

  it('runs a request that is alone inline, with the same answer as the worker', async () => {
    s = await startTestServer();
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
    expect(meta.body.parameters.inline_run_us).toBeLessThanOrEqual(100);
  });

  it('sends requests that overlap another to the workers, joined in batches', async () => {
    s = await startTestServer({ workers: 2 });
    expect((await upload(s, 'slow', slowModel())).status).toBe(201);
    // About 1 ms a run: far past the limit, so it never runs on the HTTP thread.
    expect((await json<{ parameters: { inline_run_us: number | null } }>(fetch(`${s.url}/v2/models/slow`))).body.parameters.inline_run_us).toBeNull();
    const fire = await connections(s.url, 24);
    const before = await executions(s);
    // A slow model runs for about 300 ms; requests that arrive meanwhile are not alone.
    const slow = post(`${s.url}/v2/models/slow/infer`, { inputs: slowInput(300) });
    await waitForExecutions(s, 'slow', 1, 2);
    const statuses = await fire(Array.from({ length: 24 }, () => JSON.stringify(body([FLOWER]))));
    expect(statuses).toEqual(Array(24).fill(200));
    expect((await slow).status).toBe(200);
    const after = await executions(s);
    expect(after.worker - before.worker).toBe(24);
    expect(after.executions - before.executions).toBeLessThan(12);
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
    s = await startTestServer();
    // 20 rows: past 16 times the warm-up request's elements.
    const many = Array.from({ length: 20 }, () => FLOWER);
    const before = await executions(s);
    expect((await post(`${s.url}/v2/models/iris/infer`, body(many))).status).toBe(200);
    expect((await executions(s)).worker - before.worker).toBe(1);
  });
});
