import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../helpers/server.js';
import { createKey } from './helpers.js';
import { cli } from '../../../helpers/cli.js';

describe('hearth network', () => {
  let s: TestServer;
  let conn: string[];
  beforeAll(async () => {
    s = await startTestServer();
    conn = ['--url', s.url, '--data-dir', s.dataDir];
  });
  afterAll(async () => { await s.stop(); });

  it('shows the policy in force', async () => {
    const r = await cli(['network', 'show', ...conn]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/Exposure: +loopback \(this machine only\)/);
    expect(r.out).toMatch(/Allowed: +127\.0\.0\.0\/8, ::1\/128, 10\.0\.0\.0\/8, .*\(and loopback, always\)/);
    expect(r.out).toMatch(/CORS: +off/);
    expect(r.out).toMatch(/Rate limits: +no rate limit, no concurrency limit per key/);
    expect(r.out).toMatch(/TLS: +off/);
  });

  it('edits the allowlist and refuses a bad range with the server\'s reason', async () => {
    const add = await cli(['network', 'allow', '--add', '198.51.100.0/24', ...conn]);
    expect(add.code, add.err).toBe(0);
    expect(add.out).toMatch(/198\.51\.100\.0\/24 \(and loopback, always\)/);
    const bad = await cli(['network', 'allow', '--add', '198.51.100.0/99', ...conn]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/hearth: 400: .*bad prefix length/);
    const missing = await cli(['network', 'allow', '--remove', '203.0.113.0/24', ...conn]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/Not in the list: 203\.0\.113\.0\/24/);
    const reset = await cli(['network', 'allow', '--default', '--json', ...conn]);
    expect((JSON.parse(reset.out) as { allow: string[] }).allow).not.toContain('198.51.100.0/24');
  });

  it('turns CORS on for an origin and off again', async () => {
    const on = await cli(['network', 'cors', '--add', 'https://dash.example.org', ...conn]);
    expect(on.code, on.err).toBe(0);
    expect(on.out).toMatch(/CORS: +https:\/\/dash\.example\.org/);
    const res = await fetch(`${s.url}/v2/models/iris`, { headers: { origin: 'https://dash.example.org' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://dash.example.org');
    const off = await cli(['network', 'cors', '--off', ...conn]);
    expect(off.out).toMatch(/CORS: +off/);
    expect((await fetch(`${s.url}/v2/models/iris`, { headers: { origin: 'https://dash.example.org' } })).status).toBe(403);
  });

  it('sets the default rate limit and one key\'s own', async () => {
    const d = await cli(['network', 'limit', '--per-second', '20', '--concurrent', '4', ...conn]);
    expect(d.code, d.err).toBe(0);
    expect(d.out).toMatch(/Rate limits: +20\/s, 4 at once per key/);
    const { id } = await createKey(s, { name: 'batch job' });
    const k = await cli(['network', 'limit', '--key', id, '--per-second', '2', ...conn]);
    expect(k.code, k.err).toBe(0);
    expect(k.out).toBe(`${id} "batch job": 2/s, no concurrency limit (unset limits follow the server default)`);
    const show = await cli(['network', 'show', ...conn]);
    expect(show.out).toContain(`${id} "batch job": 2/s, 4 at once`);
    const off = await cli(['network', 'limit', '--per-second', 'off', '--concurrent', 'off', ...conn]);
    expect(off.out).toMatch(/Rate limits: +no rate limit, no concurrency limit per key/);
    const bad = await cli(['network', 'limit', '--concurrent', '1.5', ...conn]);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/--concurrent must be a whole number above 0/);
  });
});
