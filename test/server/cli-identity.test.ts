/**
 * The CLI sends the admin token only to a server that first proved it holds it. An impostor
 * listening where the CLI looks for Hearth answers every request as Hearth would, and must never
 * see the token.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { cli } from '../helpers/cli.js';

const TOKEN = 'hearth_admin_cli-identity-test-token-0123456789';

/** Answers 200 with plausible JSON to anything, and keeps every request's head. */
async function startImpostor(): Promise<{ url: string; heads: string[]; close: () => Promise<void> }> {
  const heads: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    heads.push(`${req.method} ${req.url}\n${JSON.stringify(req.headers)}`);
    res.setHeader('content-type', 'application/json');
    if (req.url?.startsWith('/admin/v1/identity')) {
      res.end(JSON.stringify({ server: 'hearth', nonce: 'impostor', proof: '0'.repeat(64) }));
    } else {
      res.end(JSON.stringify({ models: [] }));
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    heads,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('the CLI confirms the server before sending the admin token', () => {
  let real: TestServer;
  beforeAll(async () => {
    real = await startTestServer({ adminToken: TOKEN });
  });
  afterAll(async () => {
    await real.stop();
  });

  it('never sends the token to an impostor on the port, and says why it stopped', async () => {
    const impostor = await startImpostor();
    try {
      const res = await cli(['model', 'list', '--url', impostor.url, '--token', TOKEN]);
      expect(res.code).toBe(1);
      expect(res.err).toMatch(/did not prove it holds the admin token/);
      expect(impostor.heads.length).toBeGreaterThan(0);
      for (const head of impostor.heads) {
        expect(head).not.toContain(TOKEN);
        expect(head.toLowerCase()).not.toContain('authorization');
      }
    } finally {
      await impostor.close();
    }
  });

  it('talks to the real server, which proves it holds the token', async () => {
    const res = await cli(['model', 'list', '--url', real.url, '--token', TOKEN]);
    expect(res.err).toBe('');
    expect(res.out).toMatch(/^iris\t/m);
  });

  it('refuses with the same message when the token is wrong, before sending it', async () => {
    const res = await cli(['model', 'list', '--url', real.url, '--token', `${TOKEN}-wrong`]);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/did not prove it holds the admin token/);
  });

  it('answers a malformed challenge with 400 and a proof only for a well-formed one', async () => {
    expect((await fetch(`${real.url}/admin/v1/identity?challenge=short`)).status).toBe(400);
    expect((await fetch(`${real.url}/admin/v1/identity`)).status).toBe(400);
    const ok = await fetch(`${real.url}/admin/v1/identity?challenge=${'a'.repeat(43)}`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ server: 'hearth', proof: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown });
  });
});
