import { expect } from 'vitest';
import type { AdminClient, TestServer } from '../helpers/server.js';
import { json, post, upload } from '../helpers/server.js';

export interface InferAnswer {
  status: number;
  body: { model_version?: string; outputs?: { name: string; data: number[] }[]; error?: string };
  retryAfter: string | null;
}

/** A JSON inference request; `version` may be a number or omitted for production. */
export async function infer(url: string, model: string, inputs: unknown[], opts: {
  version?: number; parameters?: Record<string, unknown>; headers?: Record<string, string>;
} = {}): Promise<InferAnswer> {
  const path = opts.version === undefined ? `/v2/models/${model}/infer` : `/v2/models/${model}/versions/${opts.version}/infer`;
  const res = await post(`${url}${path}`, { inputs, ...(opts.parameters ? { parameters: opts.parameters } : {}) }, opts.headers);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) as InferAnswer['body'] : {}, retryAfter: res.headers.get('retry-after') };
}

/** indices INT64 [1, n] for the builder's gatherModel. */
export const gatherInput = (indices: number[]) => [{ name: 'indices', datatype: 'INT64', shape: [1, indices.length], data: indices }];

/** x FP32 [rows, width] for the builder's slowModel. */
export const slowInput = (rows: number, width = 256) =>
  [{ name: 'x', datatype: 'FP32', shape: [rows, width], data: Array.from({ length: rows * width }, (_, i) => ((i % 17) - 8) / 8) }];

export async function register(s: AdminClient, name: string, bytes: Uint8Array): Promise<number> {
  const r = await json<{ version: number }>(upload(s, name, bytes));
  expect(r.status).toBe(201);
  return r.body.version;
}

export async function promote(s: AdminClient, name: string, version: number): Promise<{ status: number; body: Record<string, unknown> }> {
  return json(s.admin(`/admin/v1/models/${name}/aliases/production`, {
    method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version }),
  }));
}

export async function patchSettings(s: AdminClient, name: string, version: number, patch: Record<string, unknown>): Promise<void> {
  const r = await s.admin(`/admin/v1/models/${name}/versions/${version}/settings`, {
    method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(patch),
  });
  expect(r.status).toBe(200);
}

/** Polls until `check` returns a value (not undefined); fails after `tries` polls. */
export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, what: string, { tries = 400, everyMs = 25 } = {}): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`gave up waiting for ${what}`);
}

interface StatsAnswer {
  model_stats: { version: string; inference_stats: { queue: { count: number } }; parameters?: { circuit?: { state: string } } }[];
}

/** How many executions of a version have started (its queue count), from the statistics endpoint. */
export async function executionsStarted(s: TestServer, name: string, version: number): Promise<number> {
  const r = await json<StatsAnswer>(fetch(`${s.url}/v2/models/${name}/versions/${version}/stats`));
  return r.body.model_stats[0].inference_stats.queue.count;
}

/** Resolves once a version has started `count` executions: a request is running, not merely sent. */
export const waitForExecutions = (s: TestServer, name: string, version: number, count: number) =>
  waitFor(async () => ((await executionsStarted(s, name, version)) >= count ? true : undefined), `${name} v${version} execution ${count}`);

export interface LoadResult {
  statuses: Map<number, number>;
  versions: Map<string, number>;
  failures: string[];
  total: number;
}

/**
 * Keeps `clients` concurrent request loops going until `stop()`; each loop sends one request at a
 * time. Returns what came back: status counts, versions seen and the first failures.
 */
export function loadLoop(send: () => Promise<InferAnswer>, { clients = 4 } = {}): { stop: () => Promise<LoadResult>; count: () => number } {
  let running = true;
  const result: LoadResult = { statuses: new Map(), versions: new Map(), failures: [], total: 0 };
  const loop = async () => {
    while (running) {
      let a: InferAnswer;
      try {
        a = await send();
      } catch (err) {
        a = { status: -1, body: { error: String(err) }, retryAfter: null };
      }
      result.total += 1;
      result.statuses.set(a.status, (result.statuses.get(a.status) ?? 0) + 1);
      if (a.status === 200 && a.body.model_version) result.versions.set(a.body.model_version, (result.versions.get(a.body.model_version) ?? 0) + 1);
      else if (result.failures.length < 10) result.failures.push(`${a.status} ${a.body.error ?? ''}`);
    }
  };
  const loops = Array.from({ length: clients }, loop);
  return {
    count: () => result.total,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return result;
    },
  };
}

/** Resolves once the load loop has answered `n` more requests: traffic overlaps what happens next. */
export async function moreTraffic(load: { count: () => number }, n = 20): Promise<void> {
  const target = load.count() + n;
  await waitFor(() => (load.count() >= target ? true : undefined), `${n} more requests`);
}
