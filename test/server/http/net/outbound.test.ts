import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../../server/serve.js';
import { IRIS_REQUEST } from './helpers.js';

const run = promisify(execFile);
const PROBE = pathToFileURL(path.join(PROJECT_ROOT, 'test', 'server', 'http', 'net', 'outbound-probe.mjs')).href;

interface ProcSocket { proto: string; local: string; remote: string; state: string }

/** "0100007F:1F90" (IPv4) or 32 hex digits (IPv6), each 32-bit word in host (little-endian) order. */
function decodeAddress(hex: string): string {
  const [addr, port] = hex.split(':');
  const words = addr.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/.{2}/g) ?? []).reverse().map((b) => parseInt(b, 16)));
  const p = parseInt(port, 16);
  if (bytes.length === 4) return `${bytes.join('.')}:${p}`;
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] << 8) | bytes[2 * i + 1]).toString(16));
  const v6 = groups.join(':');
  const mapped = /^0:0:0:0:0:ffff:([0-9a-f]+):([0-9a-f]+)$/.exec(v6);
  if (mapped) return `::ffff:${bytes.slice(12).join('.')}:${p}`;
  return `[${v6}]:${p}`;
}

const isLoopbackEndpoint = (e: string) => /^(127\.|::ffff:127\.|\[0:0:0:0:0:0:0:1\])/.test(e);
const isUnset = (e: string) => /^(0\.0\.0\.0|\[0:0:0:0:0:0:0:0\]):0$/.test(e);

/** The sockets a process holds: its socket inodes, looked up in its network namespace's tables. */
async function socketsOf(pid: number): Promise<ProcSocket[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [])) {
    const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m) inodes.add(m[1]);
  }
  const out: ProcSocket[] = [];
  for (const proto of ['tcp', 'tcp6', 'udp', 'udp6']) {
    const table = await readFile(`/proc/${pid}/net/${proto}`, 'utf8').catch(() => '');
    for (const line of table.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || !inodes.has(f[9])) continue;
      out.push({ proto, local: decodeAddress(f[1]), remote: decodeAddress(f[2]), state: f[3] });
    }
  }
  return out;
}

async function waitForUrl(child: ChildProcess): Promise<string> {
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /API: +(http:\/\/127\.0\.0\.1:\d+)\/v2/.exec(out);
      if (m) resolve(m[1]);
    });
    child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}): ${out}`)));
  });
}

function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HEARTH_')));
}

describe('nothing leaves the site', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-outbound-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('the probe sees an outbound connection and datagram when a process makes them (the control)', async () => {
    const log = path.join(dir, 'control.jsonl');
    await writeFile(log, '');
    await run(process.execPath, ['--import', PROBE, '-e', `
      const s = require('node:net').connect({ host: '192.0.2.1', port: 9 }); s.on('error', () => {}); s.destroy();
      const u = require('node:dgram').createSocket('udp4'); u.send('x', 9, '192.0.2.1', () => u.close());
      fetch('http://192.0.2.1:9/').catch(() => {}); setTimeout(() => process.exit(0), 200);
    `], { env: { ...cleanEnv(), HEARTH_OUTBOUND_LOG: log } });
    const targets = (await readFile(log, 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { target: string }).target);
    expect(targets).toEqual(expect.arrayContaining(['192.0.2.1:9']));
    expect(targets.filter((t) => t === '192.0.2.1:9').length).toBeGreaterThanOrEqual(3);
  });

  it('the server serves, registers and reports while making no outbound connection of its own', async () => {
    const log = path.join(dir, 'server.jsonl');
    await writeFile(log, '');
    const dataDir = path.join(dir, 'data');
    const child = spawn(process.execPath, ['--import', PROBE, path.join(PROJECT_ROOT, 'bin', 'hearth.js'), 'serve',
      '--port', '0', '--data-dir', dataDir, '--workers', '1', '--log-level', 'warn'], {
      env: { ...cleanEnv(), HEARTH_OUTBOUND_LOG: log }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const seen: ProcSocket[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling && child.pid !== undefined) {
        seen.push(...await socketsOf(child.pid));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      const url = await waitForUrl(child);
      const token = (await readFile(path.join(dataDir, 'admin-token'), 'utf8')).trim();
      const admin = { authorization: `Bearer ${token}` };
      let ready = 0;
      while (ready !== 200) ready = (await fetch(`${url}/v2/health/ready`)).status;

      const infer = await fetch(`${url}/v2/models/iris/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(IRIS_REQUEST) });
      expect(infer.status).toBe(200);
      const upload = await fetch(`${url}/admin/v1/models/copy/versions`, {
        method: 'POST', headers: { ...admin, 'content-type': 'application/octet-stream' }, duplex: 'half',
        body: Readable.toWeb(createReadStream(path.join(PROJECT_ROOT, 'resources', 'models', 'demo-v1.onnx'))) as ReadableStream,
      } as RequestInit);
      expect(upload.status).toBe(201);
      expect((await fetch(`${url}/v2/models/copy/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(IRIS_REQUEST) })).status).toBe(200);
      for (const p of ['/admin/v1/system', '/admin/v1/network', '/admin/v1/keys', '/admin/v1/usage', '/admin/v1/models']) {
        expect((await fetch(`${url}${p}`, { headers: admin })).status, p).toBe(200);
      }
      expect((await fetch(`${url}/metrics`)).status).toBe(200);
      expect((await fetch(`${url}/admin/v1/keys`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'k' }) })).status).toBe(201);
    } finally {
      sampling = false;
      await sampler;
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    }

    // What the process tried: nothing but loopback (the probe also runs in its worker threads).
    const attempts = (await readFile(log, 'utf8')).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; target: string });
    expect(attempts.filter((a) => !/^(127\.|localhost:|::1|\[::1\])/.test(a.target) && !a.target.startsWith('/'))).toEqual([]);

    // What it held, sampled all along: listening on loopback, connections only with loopback peers, no datagram sockets.
    const listening = seen.filter((s) => s.state === '0A');
    expect(listening.length).toBeGreaterThan(0);
    expect(listening.every((s) => isLoopbackEndpoint(s.local))).toBe(true);
    const connected = seen.filter((s) => s.proto.startsWith('tcp') && s.state !== '0A');
    // The sampler saw the test's own connections, so it was looking at the right sockets.
    expect(connected.length).toBeGreaterThan(0);
    expect(connected.filter((s) => !isUnset(s.remote) && !isLoopbackEndpoint(s.remote))).toEqual([]);
    expect(seen.filter((s) => s.proto.startsWith('udp'))).toEqual([]);
  });
});
