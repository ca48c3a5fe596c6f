import { Readable } from 'node:stream';
import type { TestServer } from '../../../helpers/server.js';

export const IRIS_REQUEST = { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }] };

/** A request body that sends its first bytes and then waits until `finish()`; `sent` counts what left. */
export function heldBody(firstBytes = 12) {
  let finish!: () => void;
  const released = new Promise<void>((resolve) => { finish = resolve; });
  const json = JSON.stringify(IRIS_REQUEST);
  const first = json.slice(0, firstBytes);
  const rest = json.slice(firstBytes);
  let startRead!: () => void;
  const body = {
    finished: false,
    /** Whether the server has asked for the body at all. */
    readStarted: false,
    /** Settles once the server has begun to read the body, i.e. the request is past its onRequest hooks. */
    reading: new Promise<void>((resolve) => { startRead = resolve; }),
    stream: new Readable({ read() { /* pushed below */ } }),
    finish: () => { body.finished = true; finish(); },
  };
  // The stream machinery itself calls read(0) to fill its buffer; a consumer calls read().
  const read = body.stream.read.bind(body.stream);
  body.stream.read = (size?: number): unknown => {
    if (size !== 0) { body.readStarted = true; startRead(); }
    return read(size);
  };
  body.stream.push(first);
  void released.then(() => { body.stream.push(rest); body.stream.push(null); });
  return body;
}

export async function createKey(s: TestServer, body: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const res = await s.admin('/admin/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`key not created: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; key: string };
}

export async function putNetwork(s: TestServer, body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await s.admin('/admin/v1/network', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
