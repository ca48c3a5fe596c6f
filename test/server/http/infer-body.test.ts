import Fastify, { type FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { collectInferBody } from '../../../server/http/routes/infer-body.js';

let app: FastifyInstance | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

/** A server with the /infer body collector, answering where the body's raw tensor bytes lie in memory. */
async function server(limit = 1 << 20): Promise<FastifyInstance> {
  app = Fastify();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { bodyLimit: limit }, collectInferBody(limit));
  app.post('/infer', async (request) => {
    const body = request.body as Buffer;
    const h = Number(request.headers['inference-header-content-length'] ?? 0);
    return { length: body.length, hex: body.toString('hex'), misalignment: (body.byteOffset + h) % 8 };
  });
  return app;
}

function bytes(n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff));
}

describe('collectInferBody', () => {
  it('puts the raw tensor bytes at an 8-byte boundary whatever the JSON header length, small body or large', async () => {
    const a = await server();
    // Small bodies come from Node's shared pool (at some offset in it), large ones have memory of their own.
    for (const [headerLength, tensorBytes] of [[1, 40], [2, 40], [3, 40], [4, 40], [5, 40], [6, 40], [7, 40], [8, 40], [61, 40], [64, 40], [1, 9000], [3, 110_592], [6, 110_592]]) {
      const body = bytes(headerLength + tensorBytes);
      // Several chunks, as a socket delivers a large body.
      const res = await a.inject({
        method: 'POST', url: '/infer',
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(body.length), 'inference-header-content-length': String(headerLength) },
        payload: Readable.from([body.subarray(0, 5), body.subarray(5, 17), body.subarray(17)]),
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ length: body.length, hex: body.toString('hex'), misalignment: 0 });
    }
  });

  it('collects a body without Content-Length (chunked) the same way', async () => {
    const a = await server();
    const body = bytes(99);
    const res = await a.inject({
      method: 'POST', url: '/infer',
      headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked', 'inference-header-content-length': '13' },
      payload: Readable.from([body.subarray(0, 50), body.subarray(50)]),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ length: 99, hex: body.toString('hex'), misalignment: 0 });
  });

  it('takes a JSON body as it is', async () => {
    const a = await server();
    const text = JSON.stringify({ inputs: [{ name: 'x', shape: [1], datatype: 'FP32', data: [1] }] });
    const res = await a.inject({ method: 'POST', url: '/infer', headers: { 'content-type': 'application/json' }, payload: text });
    expect(Buffer.from(res.json<{ hex: string }>().hex, 'hex').toString()).toBe(text);
  });

  it('refuses a body over the limit (413), declared or not, and one shorter than declared (400), as Fastify does', async () => {
    const a = await server(64);
    const over = await a.inject({ method: 'POST', url: '/infer', headers: { 'content-type': 'application/octet-stream' }, payload: bytes(65) });
    expect(over.statusCode).toBe(413);
    expect(over.json()).toMatchObject({ code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    const chunked = await a.inject({
      method: 'POST', url: '/infer',
      headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
      payload: Readable.from([bytes(40), bytes(40)]),
    });
    expect(chunked.statusCode).toBe(413);
    const short = await a.inject({
      method: 'POST', url: '/infer',
      headers: { 'content-type': 'application/octet-stream', 'content-length': '50' },
      payload: Readable.from([bytes(20)]),
    });
    expect(short.statusCode).toBe(400);
    expect(short.json()).toMatchObject({ code: 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' });
  });
});
