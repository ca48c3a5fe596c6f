/**
 * Makes an upgrade fixture: starts the Hearth of an older checkout (its own built dist/), fills a
 * fresh data dir through its HTTP API, stops it cleanly, and copies the data dir and what it
 * answered into OUT. See test/fixtures/db/README.md for the commits used and how to run it.
 *
 *   node dist/scripts/make-db-fixture.js OLD_CHECKOUT OUT
 *
 * Everything goes through the admin and inference API, so one script serves every older version:
 * a route an older version lacks (404) is skipped and noted in fixture.json. OUT gets data/ (the
 * data dir after a clean stop), fixture.json (what the old server answered, the API keys made) and
 * audit-bundle.jsonl (the old server's audit export).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { demoClassifier, mlp } from './onnx-builder.js';

// Fixed, so the fixture's README can name it; the test sets the same token.
const ADMIN_TOKEN = 'fixture-admin-token-not-secret';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => done(port));
    });
  });
}

class OldServer {
  private constructor(private readonly child: ChildProcess, readonly url: string) {}

  static async start(checkout: string, dataDir: string): Promise<OldServer> {
    const port = await freePort();
    const child = spawn(process.execPath, [join(checkout, 'bin', 'hearth.js'), 'serve', '--port', String(port),
      '--data-dir', dataDir, '--workers', '1', '--no-demo-models', '--log-level', 'warn'], {
      cwd: checkout, env: { ...process.env, HEARTH_ADMIN_TOKEN: ADMIN_TOKEN }, stdio: ['ignore', 'inherit', 'inherit'],
    });
    const server = new OldServer(child, `http://127.0.0.1:${port}`);
    for (let i = 0; i < 300; i++) {
      if (child.exitCode !== null) throw new Error(`the old server exited with ${child.exitCode}`);
      const live = await fetch(`${server.url}/v2/health/live`).then((r) => r.ok, () => false);
      if (live) return server;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the old server did not come up in 30 s');
  }

  /** Sends a request; 404 for a route this version does not have answers undefined. */
  async call(method: string, path: string, body?: Json | Uint8Array, auth = `Bearer ${ADMIN_TOKEN}`): Promise<{ status: number; body: Json } | undefined> {
    const headers: Record<string, string> = { authorization: auth };
    let payload: string | Uint8Array | undefined;
    if (body instanceof Uint8Array) { headers['content-type'] = 'application/octet-stream'; payload = body; }
    else if (body !== undefined) { headers['content-type'] = 'application/json'; payload = JSON.stringify(body); }
    const res = await fetch(`${this.url}${path}`, { method, headers, body: payload });
    const text = await res.text();
    const parsed = (text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text) as Json;
    if (res.status === 404 && typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) &&
      /^(No endpoint|Route) /.test(typeof (parsed.error ?? parsed.message) === 'string' ? (parsed.error ?? parsed.message) as string : '')) return undefined;
    return { status: res.status, body: parsed };
  }

  /** Like call, but the request must succeed (or the route be absent). */
  async ok(method: string, path: string, body?: Json | Uint8Array): Promise<Json | undefined> {
    const r = await this.call(method, path, body);
    if (r && (r.status < 200 || r.status > 299)) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r?.body;
  }

  /** The audit bundle as the old server exports it, for `hearth audit verify --extends` later; undefined if it cannot. */
  async auditBundle(): Promise<string | undefined> {
    const res = await fetch(`${this.url}/admin/v1/audit/export`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`audit export: ${res.status} ${await res.text()}`);
    return res.text();
  }

  async stop(): Promise<void> {
    const exited = new Promise<number | null>((r) => this.child.once('exit', (code) => r(code)));
    this.child.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) throw new Error(`the old server stopped with ${code}`);
  }
}

/** A field that must be a string in the server's answer. */
const text = (value: Json | undefined): string => {
  if (typeof value !== 'string') throw new Error(`expected a string, got ${JSON.stringify(value)}`);
  return value;
};

const field = (value: Json | undefined, key: string): Json | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? value[key] : undefined;

const features = (row: number[]): Json => ({ inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: row }] });
const scorerInput = (row: number[]): Json => ({ inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: row }] });

async function fill(server: OldServer): Promise<Record<string, Json>> {
  const skipped: string[] = [];
  const q = (description: string, metadata: Json, tags: string) =>
    `?description=${encodeURIComponent(description)}&metadata=${encodeURIComponent(JSON.stringify(metadata))}&tags=${tags}`;

  // Two models: iris (the demo classifier's two weight sets) and scorer (three tiny MLPs).
  await server.ok('POST', `/admin/v1/models/iris/versions${q('weights set 1', { trainedOn: 'iris-2025-01', accuracy: 0.94 }, 'demo,linear')}`, demoClassifier({ version: 1 }));
  await server.ok('POST', `/admin/v1/models/iris/versions${q('weights set 2', { trainedOn: 'iris-2025-06', accuracy: 0.96 }, 'demo')}`, demoClassifier({ version: 2 }));
  for (const seed of [1, 2, 3]) {
    await server.ok('POST', `/admin/v1/models/scorer/versions${q(`seed ${seed}`, { seed, parent: seed > 1 ? seed - 1 : null }, 'mlp')}`,
      mlp({ layers: [4, 8, 3], seed }));
  }

  // Aliases with history: iris promoted 1 then 2, rolled back to 1; a canary; scorer in production and staging.
  await server.ok('PUT', '/admin/v1/models/iris/aliases/production', { version: 1 });
  await server.ok('PUT', '/admin/v1/models/iris/aliases/production', { version: 2 });
  await server.ok('POST', '/admin/v1/models/iris/rollback');
  await server.ok('PUT', '/admin/v1/models/iris/aliases/canary', { version: 2 });
  await server.ok('PUT', '/admin/v1/models/scorer/aliases/production', { version: 3 });
  await server.ok('PUT', '/admin/v1/models/scorer/aliases/staging', { version: 2 });

  await server.ok('PATCH', '/admin/v1/models/scorer/versions/2/settings', { maxBatchSize: 8, maxQueueDelayUs: 500, responseCache: true });
  await server.ok('PATCH', '/admin/v1/models/iris/versions/1/settings', { maxQueueSize: 64, preferredBatchSizes: [4, 8] });

  // Keys: one per model with limits where the version has them, one for every model, one revoked.
  const keys: Json[] = [];
  const makeKey = async (body: Json) => {
    const made = await server.ok('POST', '/admin/v1/keys', body);
    const id = text(field(made, 'id'));
    keys.push({ id, key: text(field(made, 'key')), name: text(field(body, 'name')) });
    return id;
  };
  const irisKey = await makeKey({ name: 'clinic app', scopes: ['infer', 'metadata'], models: ['iris'] });
  await makeKey({ name: 'reports', scopes: ['infer'], expiresAt: Date.UTC(2099, 0, 1) });
  const revoked = await makeKey({ name: 'old laptop' });
  await server.ok('DELETE', `/admin/v1/keys/${revoked}`);
  if (await server.ok('PUT', `/admin/v1/network/keys/${irisKey}`, { ratePerSecond: 50, maxConcurrent: 4 }) === undefined) skipped.push('key limits');
  if (await server.ok('PUT', '/admin/v1/network', { corsOrigins: ['https://reports.hospital.example'] }) === undefined) skipped.push('network settings');
  if (await server.ok('PUT', '/admin/v1/uptime/target', { target: 0.995 }) === undefined) skipped.push('uptime target');

  // Inference records: each key, a call without a key (loopback may), and one a bad input fails.
  const [clinic, reports] = keys.map((k) => `Bearer ${text(field(k, 'key'))}`);
  const answers: Record<string, Json> = {};
  for (const [i, row] of [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5]].entries()) {
    const r = await server.call('POST', '/v2/models/iris/infer', features(row), clinic);
    if (r?.status !== 200) throw new Error(`iris infer: ${r?.status} ${JSON.stringify(r?.body)}`);
    answers[`iris ${i}`] = field(r.body, 'outputs') ?? null;
  }
  const scored = await server.call('POST', '/v2/models/scorer/infer', scorerInput([0.5, -1, 2, 0.25]), reports);
  if (scored?.status !== 200) throw new Error(`scorer infer: ${scored?.status}`);
  answers.scorer = field(scored.body, 'outputs') ?? null;
  const canary = await server.call('POST', '/v2/models/iris/versions/2/infer', features([5.1, 3.5, 1.4, 0.2]), '');
  if (canary?.status !== 200) throw new Error(`canary infer: ${canary?.status}`);
  const bad = await server.call('POST', '/v2/models/scorer/infer', scorerInput([1, 2]), reports);
  if (bad?.status !== 400) throw new Error(`a bad input should fail with 400, got ${bad?.status}`);

  const models: Record<string, Json> = {};
  for (const name of ['iris', 'scorer']) models[name] = await server.ok('GET', `/admin/v1/models/${name}`) ?? null;
  return {
    adminToken: ADMIN_TOKEN,
    keys,
    keyList: await server.ok('GET', '/admin/v1/keys') ?? null,
    models,
    answers,
    network: await server.ok('GET', '/admin/v1/network') ?? null,
    uptimeTarget: field(await server.ok('GET', '/admin/v1/uptime'), 'target') ?? null,
    skipped,
  };
}

function copyDataDir(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    // After a clean close the WAL is checkpointed; -shm is only an index of it.
    if (name.endsWith('-wal') || name.endsWith('-shm')) continue;
    const src = join(from, name);
    if (statSync(src).isDirectory()) copyDataDir(src, join(to, name));
    else copyFileSync(src, join(to, name));
  }
}

async function main(): Promise<void> {
  const [checkoutArg, outArg] = process.argv.slice(2);
  if (!checkoutArg || !outArg) throw new Error('usage: make-db-fixture OLD_CHECKOUT OUT');
  const checkout = resolve(checkoutArg);
  const out = resolve(outArg);
  if (!existsSync(join(checkout, 'dist', 'server', 'cli.js'))) throw new Error(`${checkout} is not built (npx tsc -p tsconfig.json there)`);
  const commit = execFileSync('git', ['-C', checkout, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  const dataDir = mkdtempSync(join(tmpdir(), 'hearth-fixture-'));
  try {
    const server = await OldServer.start(checkout, dataDir);
    let facts: Record<string, Json>;
    let bundle: string | undefined;
    try {
      facts = await fill(server);
      bundle = await server.auditBundle();
      if (bundle === undefined) (facts.skipped as Json[]).push('audit export');
    } finally {
      await server.stop();
    }

    const dbFile = join(dataDir, 'hearth.db');
    const db = new Database(dbFile);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const schema = db.pragma('user_version', { simple: true }) as number;
    const counts = db.prepare('SELECT kind, count(*) AS n FROM records GROUP BY kind ORDER BY kind').all() as { kind: string; n: number }[];
    db.close();

    rmSync(out, { recursive: true, force: true });
    copyDataDir(dataDir, join(out, 'data'));
    const fixture = { schema, commit, records: Object.fromEntries(counts.map((c) => [c.kind, c.n])), ...facts };
    writeFileSync(join(out, 'fixture.json'), `${JSON.stringify(fixture, null, 2)}\n`);
    if (bundle !== undefined) writeFileSync(join(out, 'audit-bundle.jsonl'), bundle);
    console.log(`schema ${schema} from ${commit.slice(0, 7)} -> ${out}: ${JSON.stringify(fixture.records)}; skipped: ${JSON.stringify(facts.skipped)}`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
