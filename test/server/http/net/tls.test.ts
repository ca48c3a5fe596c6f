import { execFile, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../server/base/config.js';
import { generateCertificate, TLS_CERT_FILE, TLS_KEY_FILE } from '../../../../server/http/net/tls.js';
import { PROJECT_ROOT } from '../../../../server/serve.js';
import { startTestServer, type TestServer } from '../../../helpers/server.js';
import { IRIS_REQUEST } from './helpers.js';

const run = promisify(execFile);

/** The certificate a server presents, fetched without trusting it. */
function peerCertificate(port: number, host = '127.0.0.1'): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host, port, rejectUnauthorized: false }, () => {
      const raw = sock.getPeerCertificate().raw;
      sock.end();
      resolve(new X509Certificate(raw));
    });
    sock.on('error', reject);
  });
}

/**
 * A client pinned to a certificate fingerprint: it trusts exactly the certificate with that
 * fingerprint and nothing else, as a site's own applications are told to.
 */
async function pinnedRequest(port: number, pin: string, pathname: string, body?: unknown): Promise<{ status: number; text: string }> {
  const presented = await peerCertificate(port);
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port, path: pathname, method: body === undefined ? 'GET' : 'POST', agent: false,
      ca: presented.toString(),
      checkServerIdentity: (_host, cert) => (cert.fingerprint256 === pin ? undefined : new Error(`certificate pin mismatch: ${cert.fingerprint256}`)),
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
    }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => { text += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function verifiedRequest(port: number, options: https.RequestOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/v2/health/live', agent: false, ...options }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

interface NetworkView { tls: { fingerprint256: string; publicKeyPin: string; source: string; certFile: string; subjectAltNames: string[] } | null }

async function networkView(s: TestServer): Promise<NetworkView> {
  const res = await s.app.inject({ method: 'GET', url: '/admin/v1/network', headers: { authorization: `Bearer ${s.token}` } });
  return res.json() as NetworkView;
}

describe('--tls with a certificate made on first start', () => {
  let s: TestServer;
  let port: number;
  let dataDir: string;
  beforeAll(async () => {
    s = await startTestServer({ tls: true });
    dataDir = s.dataDir;
    port = Number(new URL(s.url).port);
  });
  afterAll(async () => {
    await s.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps the certificate in the data directory and shows its fingerprint in the admin API', async () => {
    expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const pem = await readFile(path.join(dataDir, TLS_CERT_FILE), 'utf8');
    const onDisk = new X509Certificate(pem);
    const { tls: info } = await networkView(s);
    expect(info).not.toBeNull();
    expect(info!.source).toBe('generated');
    expect(info!.fingerprint256).toBe(onDisk.fingerprint256);
    expect(info!.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(info!.publicKeyPin).toMatch(/^sha256\/\/[A-Za-z0-9+/]{43}=$/);
    expect(info!.subjectAltNames).toEqual(expect.arrayContaining(['DNS:localhost', `DNS:${os.hostname()}`, 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1']));
    expect((await stat(path.join(dataDir, TLS_KEY_FILE))).mode & 0o777).toBe(0o600);
    // What the server presents on the wire is that certificate.
    expect((await peerCertificate(port)).fingerprint256).toBe(onDisk.fingerprint256);
  });

  it('serves a client pinned to the fingerprint, and a client with a wrong pin fails', async () => {
    const { tls: info } = await networkView(s);
    const ready = await pinnedRequest(port, info!.fingerprint256, '/v2/health/live');
    expect(ready.status).toBe(200);
    const inferred = await pinnedRequest(port, info!.fingerprint256, '/v2/models/iris/infer', IRIS_REQUEST);
    expect(inferred.status).toBe(200);
    expect((JSON.parse(inferred.text) as { model_name: string }).model_name).toBe('iris');
    const wrong = info!.fingerprint256.replace(/^[0-9A-F]{2}/, (h) => (h === '00' ? '01' : '00'));
    await expect(pinnedRequest(port, wrong, '/v2/health/live')).rejects.toThrow(/certificate pin mismatch/);
  });

  it('verifies as a normal certificate for the machine\'s names once trusted, and is refused when not', async () => {
    const ca = await readFile(path.join(dataDir, TLS_CERT_FILE), 'utf8');
    expect(await verifiedRequest(port, { ca })).toBe(200);
    expect(await verifiedRequest(port, { ca, servername: 'localhost' })).toBe(200);
    await expect(verifiedRequest(port, {})).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    await expect(verifiedRequest(port, { ca, servername: 'not-this-machine.example' })).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('keeps the same certificate across restarts', async () => {
    const before = (await networkView(s)).tls!.fingerprint256;
    await s.close();
    s = await startTestServer({ tls: true }, dataDir);
    port = Number(new URL(s.url).port);
    expect((await networkView(s)).tls!.fingerprint256).toBe(before);
    expect((await peerCertificate(port)).fingerprint256).toBe(before);
  });
});

describe('--tls-cert and --tls-key with the site\'s own certificate', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-sitecert-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('serves the given certificate and refuses a key that does not belong to it', async () => {
    const site = await generateCertificate({ dns: ['hearth.site.example', 'localhost'], ips: ['127.0.0.1'] });
    const other = await generateCertificate({ dns: ['other.example'], ips: [] });
    const [certFile, keyFile, otherKey] = ['site.pem', 'site.key', 'other.key'].map((f) => path.join(dir, f));
    await writeFile(certFile, site.cert);
    await writeFile(keyFile, site.key);
    await writeFile(otherKey, other.key);

    const s = await startTestServer({ tlsCert: certFile, tlsKey: keyFile });
    try {
      const { tls: info } = await networkView(s);
      expect(info).toMatchObject({ source: 'site', certFile, fingerprint256: new X509Certificate(site.cert).fingerprint256 });
      const port = Number(new URL(s.url).port);
      expect(await verifiedRequest(port, { ca: site.cert, servername: 'hearth.site.example' })).toBe(200);
    } finally {
      await s.stop();
    }
    const refused = startTestServer({ tlsCert: certFile, tlsKey: otherKey }, path.join(dir, 'data'));
    await expect(refused).rejects.toThrow(ConfigError);
    await expect(refused).rejects.toThrow(/does not belong to the certificate/);
    await expect(startTestServer({ tlsCert: certFile }, path.join(dir, 'data'))).rejects.toThrow(/--tls-cert and --tls-key go together/);
  });
});

/** The environment without Hearth's own variables, so that the flags alone decide. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HEARTH_')));
}

describe('hearth serve --tls', () => {
  it('prints the fingerprint at start, and the CLI reaches the server once it trusts the certificate', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hearth-tlscli-'));
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'hearth.js'), 'serve', '--tls', '--port', '0', '--data-dir', dataDir, '--workers', '1', '--no-demo-models'], {
      env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => { out += d.toString(); if (/Fingerprint:.*\n/.test(out)) resolve(); });
        child.once('exit', (code) => reject(new Error(`hearth serve exited with ${code}: ${out}`)));
      });
      const onDisk = new X509Certificate(await readFile(path.join(dataDir, TLS_CERT_FILE)));
      expect(out).toContain(`Fingerprint: SHA-256 ${onDisk.fingerprint256}`);
      const url = /API: +(https:\/\/127\.0\.0\.1:\d+)\/v2/.exec(out)?.[1];
      expect(url).toBeDefined();
      const show = await run(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'hearth.js'), 'network', 'show', '--url', url!, '--data-dir', dataDir], {
        env: { ...cleanEnv(), NODE_EXTRA_CA_CERTS: path.join(dataDir, TLS_CERT_FILE) },
      });
      expect(show.stdout).toContain(`SHA-256 fingerprint ${onDisk.fingerprint256}`);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
