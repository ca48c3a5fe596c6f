import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { findUiRoot, UI_CSP, uiRoutes } from '../../../../server/http/routes/ui.js';

const INDEX = '<!doctype html><title>Hearth</title><div id="root"></div><script type="module" src="/ui/assets/app-1a2b.js"></script>';

let dir: string;
let app: FastifyInstance;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-ui-'));
  await mkdir(path.join(dir, 'assets'));
  await writeFile(path.join(dir, 'index.html'), INDEX);
  await writeFile(path.join(dir, 'assets', 'app-1a2b.js'), 'console.log("app")');
  app = Fastify();
  await app.register(uiRoutes, { root: dir });
  await app.ready();
});

afterAll(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

describe('GET /ui/', () => {
  test('answers the app with a strict CSP and no caching of index.html', async () => {
    const res = await app.inject({ url: '/ui/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toBe(INDEX);
    expect(res.headers['content-security-policy']).toBe(UI_CSP);
    expect(UI_CSP).toContain("script-src 'self'");
    expect(UI_CSP).not.toContain('unsafe-inline');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  test('answers /ui without the slash and every app path with index.html (links survive a reload)', async () => {
    for (const url of ['/ui', '/ui/models', '/ui/models/iris', '/ui/usage?model=iris']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toBe(INDEX);
      expect(res.headers['content-security-policy'], url).toBe(UI_CSP);
    }
  });

  test('serves hashed assets as immutable', async () => {
    const res = await app.inject({ url: '/ui/assets/app-1a2b.js' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('console.log("app")');
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  test('a missing file is a 404, not the app', async () => {
    const res = await app.inject({ url: '/ui/assets/gone-9z.js' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'No file /ui/assets/gone-9z.js in the admin UI.' });
  });

  test('never serves a file outside the bundle', async () => {
    await writeFile(path.join(path.dirname(dir), 'hearth-ui-secret.txt'), 'TOP-SECRET-CONTENT');
    try {
      for (const url of ['/ui/../hearth-ui-secret.txt', '/ui/..%2fhearth-ui-secret.txt', '/ui/%2e%2e/hearth-ui-secret.txt']) {
        const res = await app.inject({ url });
        expect(res.body, url).not.toContain('TOP-SECRET-CONTENT');
      }
    } finally {
      await rm(path.join(path.dirname(dir), 'hearth-ui-secret.txt'), { force: true });
    }
  });
});

describe('without a built bundle', () => {
  test('says how to build it, with 503', async () => {
    const bare = Fastify();
    await bare.register(uiRoutes, { root: null });
    const res = await bare.inject({ url: '/ui/' });
    await bare.close();
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build');
  });

  test('findUiRoot looks beside the compiled server and under dist/ for the sources', async () => {
    expect(findUiRoot(path.join(dir, 'nowhere', 'http', 'routes'))).toBeUndefined();
    const project = await mkdtemp(path.join(os.tmpdir(), 'hearth-proj-'));
    try {
      await mkdir(path.join(project, 'dist', 'ui'), { recursive: true });
      await writeFile(path.join(project, 'dist', 'ui', 'index.html'), INDEX);
      expect(findUiRoot(path.join(project, 'server', 'http', 'routes'))).toBe(path.join(project, 'dist', 'ui'));
      expect(findUiRoot(path.join(project, 'dist', 'server', 'http', 'routes'))).toBe(path.join(project, 'dist', 'ui'));
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });
});
