import { readFileSync } from 'node:fs';
import net from 'node:net';
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

/** The first port the kernel hands out to outgoing connections (net.ipv4.ip_local_port_range). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 2048 ? low : 32768;
  } catch {
    return 32768;
  }
}

const canListen = (port: number, host: string) => new Promise<boolean>((resolve) => {
  const probe = net.createServer();
  probe.once('error', () => resolve(false));
  probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
});

/**
 * A port for a test server that will later listen on a LAN address (or on every address) too. A
 * port the kernel picked for 127.0.0.1 comes from the range it also gives outgoing connections; the
 * suite's many LAN clients leave sockets on such ports, and then listening on the LAN address with
 * the same number fails with EADDRINUSE (the server's 409, seen in a CI run; a connected socket on
 * LAN:X was checked to block listening on LAN:X). Below that range, and
 * checked free on every address it will use, that cannot happen.
 */
export async function portBelowEphemeral(hosts: readonly string[]): Promise<number> {
  const low = ephemeralLow();
  const from = Math.max(10_000, low - 12_000);
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = from + Math.floor(Math.random() * (low - from));
    let free = true;
    for (const host of ['0.0.0.0', ...hosts]) if (!(await canListen(port, host))) { free = false; break; }
    if (free) return port;
  }
  throw new Error(`no free port between ${from} and ${low}`);
}
