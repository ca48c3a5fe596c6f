import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedShapeModel, identityModel, mlp } from '../../scripts/onnx-builder.js';
import type { Datatype } from '../../server/protocol/tensor.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { register } from './helpers.js';

/**
 * Property-based fuzzing of everything a client controls: the inference endpoint (JSON, Triton
 * binary, raw binary) and the admin upload. Every answer must be a deliberate one: a status below
 * 500 with a JSON error, never a 5xx, never a hang, and memory stays bounded. The models here
 * are ones whose inputs validation fully decides (models whose execution can fail on validated
 * input answer 400 too: test/server/trust/circuit-blame.test.ts).
 */

const SEED = Number(process.env.HEARTH_FUZZ_SEED ?? 20_241_129);
const RUNS = Number(process.env.HEARTH_FUZZ_RUNS ?? 800);
const DATATYPES: Datatype[] = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'];
const IDENTITY: Datatype[] = ['FP32', 'INT64', 'BYTES', 'BOOL', 'FP16', 'UINT8', 'FP64', 'UINT64', 'INT8'];

interface Target { model: string; inputs: { name: string; datatype: Datatype; rank: number; fixed?: number[] }[] }
const TARGETS: Target[] = [
  { model: 'iris', inputs: [{ name: 'features', datatype: 'FP32', rank: 2, fixed: [-1, 4] }] },
  { model: 'fixed', inputs: [{ name: 'a', datatype: 'FP32', rank: 2, fixed: [2, 2] }] },
  ...IDENTITY.map((d) => ({ model: `id-${d.toLowerCase()}`, inputs: [{ name: 'x', datatype: d, rank: 2 }] })),
];

/** Dimensions a hostile client might declare: small, zero, huge, negative, fractional, not numbers. */
const dim = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 31, 2 ** 32 + 1, 2 ** 53 - 1, 2 ** 53, 1e300, -1, -(2 ** 31), 0.5, Number.MAX_SAFE_INTEGER) },
  { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 4 }), fc.constant(null), fc.boolean(), fc.constant([1])) },
);

/** A value of each datatype, and some that are not. */
const scalar = (datatype: unknown) => fc.oneof(
  { weight: 6, arbitrary: datatype === 'BYTES' ? fc.string({ maxLength: 8 }) : datatype === 'BOOL' ? fc.boolean()
    : typeof datatype === 'string' && datatype.startsWith('FP') ? fc.double({ noNaN: false }) : fc.integer({ min: -300, max: 70_000 }) },
  { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 6 }), fc.constant(null), fc.constantFrom('NaN', 'Infinity', '-Infinity', '18446744073709551615', '-9223372036854775809'), fc.double(), fc.bigInt().map(String), fc.object({ maxDepth: 1 })) },
);

const data = (datatype: unknown) => fc.oneof(
  { weight: 5, arbitrary: fc.array(scalar(datatype), { maxLength: 24 }) },
  { weight: 2, arbitrary: fc.array(fc.array(scalar(datatype), { maxLength: 6 }), { maxLength: 6 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
);

/** A tensor that is mostly plausible for a target input, and sometimes not. */
const tensor = (input: Target['inputs'][number]) => fc.record({
  name: fc.oneof({ weight: 9, arbitrary: fc.constant(input.name) }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) }),
  datatype: fc.oneof({ weight: 8, arbitrary: fc.constant<unknown>(input.datatype) }, { weight: 2, arbitrary: fc.constantFrom<unknown>(...DATATYPES, 'BF16', 'FLOAT', 7, null) }),
  shape: fc.oneof(
    { weight: 6, arbitrary: fc.tuple(...Array.from({ length: input.rank }, (_, i) => (input.fixed && input.fixed[i] >= 0 ? fc.constant(input.fixed[i]) : fc.integer({ min: 0, max: 4 })))) as fc.Arbitrary<unknown[]> },
    { weight: 3, arbitrary: fc.array(dim, { maxLength: 5 }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  ),
  data: data(input.datatype),
  parameters: fc.option(fc.dictionary(fc.constantFrom('binary_data_size', 'shared_memory_region', 'x'), fc.jsonValue({ maxDepth: 1 })), { nil: undefined }),
}, { requiredKeys: ['name', 'datatype', 'shape'] });

/** A tensor whose data matches its shape exactly, so requests get past validation and run. */
const validTensor = (input: Target['inputs'][number]) =>
  fc.tuple(...Array.from({ length: input.rank }, (_, i) => (input.fixed && input.fixed[i] >= 0 ? fc.constant(input.fixed[i]) : fc.integer({ min: 0, max: 3 }))))
    .chain((shape) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const value = input.datatype === 'BYTES' ? fc.string({ maxLength: 5 }) : input.datatype === 'BOOL' ? fc.boolean()
        : input.datatype.startsWith('FP') ? fc.float({ noNaN: true, noDefaultInfinity: true }).map((x) => Math.fround(x))
          : input.datatype.startsWith('UINT') ? fc.integer({ min: 0, max: 100 }) : fc.integer({ min: -100, max: 100 });
      return fc.array(value as fc.Arbitrary<unknown>, { minLength: n, maxLength: n }).map((d) => ({ name: input.name, datatype: input.datatype, shape, data: d }));
    });

const parameters = fc.option(fc.dictionary(
  fc.constantFrom('timeout', 'binary_data_output', 'priority', 'sequence_id', 'triton_x', 'headers', 'other'),
  fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constantFrom(-1, 0, 1e12, 0.5, 'x', true)),
), { nil: undefined });

const target = fc.constantFrom(...TARGETS);

const jsonBody = target.chain((t) => fc.record({
  model: fc.constant(t.model),
  version: fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom('1', '2', 'production', 'nope', '0', '99999999999999999999', '%00', '..') },
  ),
  body: fc.oneof(
    { weight: 5, arbitrary: fc.record({ inputs: fc.tuple(...t.inputs.map(tensor)), parameters, id: fc.option(fc.oneof(fc.string(), fc.integer()), { nil: undefined }), outputs: fc.option(fc.array(fc.record({ name: fc.string({ maxLength: 12 }), parameters: fc.option(fc.jsonValue({ maxDepth: 1 })) }), { maxLength: 3 }), { nil: undefined }) }, { requiredKeys: ['inputs'] }) as fc.Arbitrary<unknown> },
    { weight: 4, arbitrary: fc.record({ inputs: fc.tuple(...t.inputs.map(validTensor)), parameters }, { requiredKeys: ['inputs'], noNullPrototype: true }) as fc.Arbitrary<unknown> },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 6 }) as fc.Arbitrary<unknown> },
  ),
}));

/** Bodies that are not JSON at all: deep nesting, invalid UTF-8, truncation, nothing. */
const rawBody = fc.oneof(
  fc.integer({ min: 1, max: 200_000 }).map((n) => Buffer.from(`${'['.repeat(n)}${']'.repeat(n)}`)),
  fc.integer({ min: 1, max: 200_000 }).map((n) => Buffer.from(`{"inputs":${'['.repeat(n)}1${']'.repeat(n)}}`)),
  fc.integer({ min: 1, max: 50_000 }).map((n) => Buffer.from(`{"inputs":[{"name":"x","datatype":"FP32","shape":[1,1],"data":${'['.repeat(n)}1${']'.repeat(n)}}]}`)),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.constantFrom(Buffer.from([0xff, 0xfe, 0x7b]), Buffer.from('{"inputs": [\xff\xfe]}', 'latin1'), Buffer.from('{"inputs":'), Buffer.alloc(0)),
);

const headerLength = (actual: number) => fc.oneof(
  { weight: 6, arbitrary: fc.constant(String(actual)) },
  { weight: 3, arbitrary: fc.integer({ min: -5, max: actual + 50 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('0', '', 'abc', '1e3', ' 12 ', '99999999999999999999', '-0', '0x10', String(2 ** 53)) },
);

/** Triton binary requests: a JSON header that claims binary_data_size, then bytes that may or may not add up. */
const binaryBody = target.chain((t) => fc.record({
  model: fc.constant(t.model),
  inputs: fc.tuple(...t.inputs.map((input) => fc.record({
    name: fc.constant(input.name),
    datatype: fc.oneof(fc.constant<unknown>(input.datatype), fc.constantFrom<unknown>(...DATATYPES)),
    shape: fc.oneof(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: input.rank, maxLength: input.rank }), fc.array(dim, { maxLength: 4 })),
    size: fc.oneof(fc.integer({ min: 0, max: 128 }), fc.constantFrom(-1, 2 ** 40, 0.5, '8')),
  }))),
  extra: fc.uint8Array({ maxLength: 200 }),
  binaryOut: fc.boolean(),
})).chain((b) => {
  const header = Buffer.from(JSON.stringify({
    inputs: b.inputs.map((i) => ({ name: i.name, datatype: i.datatype, shape: i.shape, parameters: { binary_data_size: i.size } })),
    parameters: { binary_data_output: b.binaryOut },
  }));
  return headerLength(header.length).map((len) => ({ model: b.model, len, body: Buffer.concat([header, Buffer.from(b.extra)]) }));
});

const ELEMENT_BYTES: Partial<Record<Datatype, number>> = { BOOL: 1, UINT8: 1, INT8: 1, FP16: 2, FP32: 4, FP64: 8, INT64: 8, UINT64: 8 };

/** Binary requests whose sizes add up, so they get past validation and run. */
const validBinary = fc.constantFrom(...TARGETS).chain((t) => {
  const input = t.inputs[0];
  return fc.tuple(...Array.from({ length: input.rank }, (_, i) => (input.fixed && input.fixed[i] >= 0 ? fc.constant(input.fixed[i]) : fc.integer({ min: 0, max: 3 }))))
    .chain((shape) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const width = ELEMENT_BYTES[input.datatype];
      const payload = width !== undefined
        ? fc.uint8Array({ minLength: n * width, maxLength: n * width }).map((b) => (input.datatype === 'BOOL' ? b.map((x) => x & 1) : b))
        : fc.array(fc.string({ maxLength: 5 }), { minLength: n, maxLength: n }).map((items) => Buffer.concat(items.map((x) => {
          const bytes = Buffer.from(x);
          const len = Buffer.alloc(4);
          len.writeUInt32LE(bytes.length);
          return Buffer.concat([len, bytes]);
        })));
      return fc.tuple(payload, fc.boolean()).map(([bytes, binaryOut]) => {
        const header = Buffer.from(JSON.stringify({
          inputs: [{ name: input.name, datatype: input.datatype, shape, parameters: { binary_data_size: bytes.length } }],
          parameters: { binary_data_output: binaryOut },
        }));
        return { model: t.model, len: String(header.length), body: Buffer.concat([header, Buffer.from(bytes)]) };
      });
    });
});

const contentType = fc.constantFrom('application/json', 'application/octet-stream', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined);

describe('fuzzing the inference endpoint and the admin upload', () => {
  let s: TestServer;
  let validOnnx: Uint8Array;

  beforeAll(async () => {
    s = await startTestServer({ workers: 1 });
    await register(s, 'fixed', fixedShapeModel());
    for (const d of IDENTITY) await register(s, `id-${d.toLowerCase()}`, identityModel(d));
    validOnnx = mlp({ layers: [8, 4, 2], seed: 5 });
  }, 120_000);
  afterAll(async () => {
    // What the fuzzing reached, for the log: status -> count.
    console.log('fuzz statuses', Object.fromEntries([...statuses].sort(([a], [b]) => a - b)));
    await s?.stop();
  });

  const statuses = new Map<number, number>();
  /** Sends through Fastify's inject (the whole request pipeline, no sockets) with a deadline. */
  async function send(opts: { method: 'POST'; url: string; headers: Record<string, string>; payload: Buffer | Uint8Array }) {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer in 20 s: ${opts.url}`)), 20_000); });
    try {
      const res = await Promise.race([s.app.inject({ ...opts, payload: Buffer.from(opts.payload) }), deadline]);
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      // 501 is the protocol's answer for an extension Hearth does not speak (shared memory, classification).
      const unsupported = res.statusCode === 501 && /not supported/.test(res.body);
      if (res.statusCode >= 500 && !unsupported) throw new Error(`${res.statusCode} for ${opts.url}: ${res.body.slice(0, 300)}`);
      if (res.statusCode >= 400) {
        const parsed = JSON.parse(res.body) as { error?: unknown };
        if (typeof parsed.error !== 'string' || parsed.error.length === 0) throw new Error(`no error message: ${res.body.slice(0, 200)}`);
      }
      return res;
    } finally {
      clearTimeout(timer);
    }
  }

  const inferUrl = (model: string, version?: string) =>
    version === undefined ? `/v2/models/${model}/infer` : `/v2/models/${model}/versions/${encodeURIComponent(version)}/infer`;

  it('answers every JSON inference request with a deliberate status, never a 5xx', async () => {
    const rssBefore = process.memoryUsage().rss;
    await fc.assert(fc.asyncProperty(jsonBody, contentType, async (req, type) => {
      await send({
        method: 'POST', url: inferUrl(req.model, req.version),
        headers: type ? { 'content-type': type } : {}, payload: Buffer.from(JSON.stringify(req.body) ?? ''),
      });
    }), { seed: SEED, numRuns: RUNS });
    await fc.assert(fc.asyncProperty(rawBody, target, contentType, async (body, t, type) => {
      await send({ method: 'POST', url: inferUrl(t.model), headers: type ? { 'content-type': type } : {}, payload: body });
    }), { seed: SEED, numRuns: Math.ceil(RUNS / 5) });
    // Requests that passed validation really ran: the fuzzing reached the models.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(RUNS / 10);
    expect((process.memoryUsage().rss - rssBefore) / 2 ** 20).toBeLessThan(400);
  });

  it('answers every binary inference request with a deliberate status, with no allocation from declared sizes', async () => {
    const rssBefore = process.memoryUsage().rss;
    await fc.assert(fc.asyncProperty(fc.oneof(binaryBody, validBinary), async (b) => {
      await send({ method: 'POST', url: inferUrl(b.model), headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': b.len }, payload: b.body });
    }), { seed: SEED, numRuns: RUNS });
    // Raw binary (header length 0): the whole body is the one input, whatever its length.
    await fc.assert(fc.asyncProperty(target, fc.uint8Array({ maxLength: 1000 }), async (t, bytes) => {
      await send({ method: 'POST', url: inferUrl(t.model), headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': '0' }, payload: bytes });
    }), { seed: SEED, numRuns: Math.ceil(RUNS / 2) });
    // Huge declared shapes with a few bytes of data: answered at once, and nothing of that size is allocated.
    for (const shape of [[2 ** 40, 2 ** 20], [2 ** 31, 4], [2 ** 53 - 1, 1], [1e15, 0]]) {
      const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape, parameters: { binary_data_size: 8 } }] }));
      const res = await send({ method: 'POST', url: inferUrl('id-fp32'), headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) }, payload: Buffer.concat([header, Buffer.alloc(8)]) });
      expect([400, 413]).toContain(res.statusCode);
      const json = await send({ method: 'POST', url: inferUrl('id-fp32'), headers: { 'content-type': 'application/json' }, payload: Buffer.from(JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape, data: [1, 2] }] })) });
      expect([400, 413]).toContain(json.statusCode);
    }
    expect((process.memoryUsage().rss - rssBefore) / 2 ** 20).toBeLessThan(400);
  });

  it('answers every upload of a broken model file with a 4xx and registers nothing', async () => {
    const before = (await (await s.admin('/admin/v1/models')).json() as { models: { name: string; versions: number[] }[] }).models;
    const bytes = fc.oneof(
      { weight: 3, arbitrary: fc.uint8Array({ maxLength: 2000 }) },
      // Truncations and bit flips of a real model: onnxruntime must refuse them, not crash the server.
      { weight: 3, arbitrary: fc.integer({ min: 0, max: validOnnx.length - 1 }).map((n) => validOnnx.slice(0, n)) },
      { weight: 3, arbitrary: fc.array(fc.tuple(fc.nat(validOnnx.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }).map((flips) => {
        const copy = Uint8Array.from(validOnnx);
        for (const [at, mask] of flips) copy[at] ^= mask;
        return copy;
      }) },
    );
    let registered = 0;
    await fc.assert(fc.asyncProperty(bytes, fc.constantFrom('application/octet-stream', 'application/json', 'text/plain', undefined),
      fc.record({ description: fc.option(fc.string({ maxLength: 20 })), metadata: fc.option(fc.oneof(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)))) }),
      async (body, type, query) => {
        const q = new URLSearchParams();
        if (query.description) q.set('description', query.description);
        if (query.metadata) q.set('metadata', query.metadata);
        const res = await send({ method: 'POST', url: `/admin/v1/models/fuzz/versions?${q}`, headers: { authorization: `Bearer ${s.token}`, ...(type ? { 'content-type': type } : {}) }, payload: body });
        // A bit flip can leave a loadable model; then it is registered, as any good file would be.
        if (res.statusCode === 201 || res.statusCode === 200) registered += 1;
      }), { seed: SEED, numRuns: Math.ceil(RUNS / 3) });

    const after = (await (await s.admin('/admin/v1/models')).json() as { models: { name: string; versions: number[] }[] }).models;
    const fuzz = after.find((m) => m.name === 'fuzz');
    expect(fuzz?.versions.length ?? 0).toBeLessThanOrEqual(registered);
    expect(after.filter((m) => m.name !== 'fuzz')).toEqual(before);
    // The server still serves afterwards.
    const ok = await send({ method: 'POST', url: inferUrl('iris'), headers: { 'content-type': 'application/json' }, payload: Buffer.from(JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] })) });
    expect(ok.statusCode).toBe(200);
  });
});
