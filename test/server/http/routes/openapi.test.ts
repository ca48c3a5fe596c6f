// The OpenAPI document at /docs/json lists an answer with a schema for every route, so clients,
// the UI and the CLI can rely on one described shape per route.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { json, startTestServer, type TestServer } from '../../../helpers/server.js';

interface Response { description?: string; content?: Record<string, { schema?: Record<string, unknown> }> }
interface Operation { responses?: Record<string, Response> }
type Doc = { paths: Record<string, Record<string, Operation>> };

/** Answers whose status is the whole answer: 200 (or 400) with an empty body. */
const EMPTY_BODY = new Set([
  'GET /v2/health/live',
  'GET /v2/health/ready',
  'GET /v2/models/{name}/ready',
  'GET /v2/models/{name}/versions/{version}/ready',
]);

/** Answers that are not (only) JSON: their media types, as documented. */
const NOT_JSON: Record<string, string[]> = {
  'GET /metrics': ['text/plain'],
  'GET /admin/v1/models/{name}/versions/{version}/file': ['application/octet-stream'],
  'GET /admin/v1/models/{name}/versions/{version}/assets/{key}': ['application/octet-stream'],
  'GET /admin/v1/audit/export': ['application/x-ndjson'],
  'GET /admin/v1/export/triton': ['application/x-tar'],
  'GET /admin/v1/usage': ['application/json', 'text/csv', 'application/x-ndjson'],
  'POST /v2/models/{name}/infer': ['application/json', 'application/octet-stream'],
  'POST /v2/models/{name}/versions/{version}/infer': ['application/json', 'application/octet-stream'],
};

/** Routes left out of the document: the admin UI's static files, and the document and its page. */
const UNDOCUMENTED = [/^\/ui(\/|$)/, /^\/docs(\/|$)/];

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** "METHOD /path/{param}" for every route Fastify serves, read from its route tree. */
function servedRoutes(tree: string): string[] {
  const prefixes: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:[│ ] {3})*)[├└]── (\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = [...m[1]].length / 4;
    const path = (depth > 0 ? prefixes[depth - 1] : '') + m[2];
    prefixes[depth] = path;
    const methods = (m[3] ?? '').split(',').map((s) => s.trim()).filter((s) => METHODS.includes(s));
    for (const method of methods) routes.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
  }
  return routes;
}

describe('the OpenAPI document', () => {
  let s: TestServer;
  let doc: Doc;
  let operations: [string, Operation][];
  beforeAll(async () => {
    s = await startTestServer();
    const { status, body } = await json<Doc>(fetch(`${s.url}/docs/json`));
    expect(status).toBe(200);
    doc = body;
    operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]): [string, Operation] => [`${method.toUpperCase()} ${path}`, op]));
  });
  afterAll(async () => { await s.stop(); });

  test('lists every route the server serves, but the UI files and the document itself', () => {
    const served = servedRoutes(s.app.printRoutes({ commonPrefix: false }));
    // The tree was read: a change of its format must not make this test pass with nothing to check.
    expect(served).toEqual(expect.arrayContaining(['GET /admin/v1/models/{name}', 'PATCH /admin/v1/models/{name}/versions/{version}/settings', 'GET /ui/']));
    const documented = new Set(operations.map(([route]) => route));
    const missing = served.filter((route) => !documented.has(route) && !UNDOCUMENTED.some((re) => re.test(route.split(' ')[1])));
    expect(missing).toEqual([]);
    expect(operations.length).toBeGreaterThanOrEqual(50);
  });

  test('gives every route a 2xx answer with a schema, JSON unless listed', () => {
    const problems: string[] = [];
    for (const [route, op] of operations) {
      const ok = Object.entries(op.responses ?? {}).filter(([code]) => code.startsWith('2'));
      if (ok.length === 0) { problems.push(`${route}: no 2xx answer`); continue; }
      for (const [code, answer] of ok) {
        const media = Object.keys(answer.content ?? {});
        const expected = EMPTY_BODY.has(route) ? [] : NOT_JSON[route] ?? ['application/json'];
        if (media.join() !== expected.join()) problems.push(`${route} ${code}: media types [${media.join()}], expected [${expected.join()}]`);
        for (const type of media) {
          const schema = answer.content?.[type].schema;
          if (!schema || Object.keys(schema).length === 0) problems.push(`${route} ${code} ${type}: no schema`);
        }
        if (answer.description === undefined || (media.length === 0 && answer.description === 'Default Response')) {
          problems.push(`${route} ${code}: no description of the empty answer`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test('names only routes that exist among its exceptions', () => {
    const documented = new Set(operations.map(([route]) => route));
    for (const route of [...EMPTY_BODY, ...Object.keys(NOT_JSON)]) expect(documented, route).toContain(route);
  });

  test('describes the model reads the UI and the CLI depend on, field by field', () => {
    const detail = doc.paths['/admin/v1/models/{name}'].get.responses?.['200'].content?.['application/json'].schema as
      { properties: Record<string, { items?: { properties?: Record<string, unknown> } }> };
    expect(Object.keys(detail.properties).sort()).toEqual(['aliasHistory', 'aliases', 'createdAt', 'name', 'versions']);
    expect(Object.keys(detail.properties.versions.items?.properties ?? {})).toEqual(expect.arrayContaining(['sha256', 'state', 'aliases', 'circuit']));
    const list = doc.paths['/admin/v1/models'].get.responses?.['200'].content?.['application/json'].schema as
      { properties: { models: { items: { properties: Record<string, unknown> } } } };
    expect(Object.keys(list.properties.models.items.properties).sort()).toEqual(['aliases', 'createdAt', 'loaded', 'name', 'versions']);
  });
});
