import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';

/**
 * The UI is one origin's scripts and styles and nothing else: no inline code (Vite emits none),
 * no third-party hosts, no framing. uPlot and React set styles through the CSSOM, which CSP allows.
 */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': UI_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * Where `vite build` put the bundle: dist/ui beside dist/server when running compiled code,
 * or under dist/ when running the sources (tests).
 */
export function findUiRoot(here = path.dirname(fileURLToPath(import.meta.url))): string | undefined {
  const candidates = [path.resolve(here, '../../../ui'), path.resolve(here, '../../../dist/ui')];
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html')));
}

export interface UiOptions {
  /** The built bundle (holds index.html); default: found with findUiRoot(). null: not built. */
  root?: string | null;
}

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Hearth</title>
<h1>The admin UI is not built</h1><p>Run <code>npm run build</code> in the Hearth directory, then reload this page.
The API works without it; see <a href="/docs">/docs</a>.</p></html>`;

/** A path the app routes itself (/ui/models/iris), as opposed to a file that is missing (/ui/assets/x.js). */
const isAppPath = (url: string) => !/\.[A-Za-z0-9]+$/.test(url.split('?')[0]);

/**
 * `/ui/`: the admin web app. Files are public (the app signs in with the admin token); any
 * other path under /ui/ that is not a file gets index.html, so links into the app survive a reload.
 */
export async function uiRoutes(app: FastifyInstance, { root: given = findUiRoot() }: UiOptions = {}): Promise<void> {
  const root = given && existsSync(path.join(given, 'index.html')) ? given : null;
  await app.register(async (ui) => {
    ui.addHook('onSend', async (_req, reply, payload) => {
      void reply.headers(SECURITY_HEADERS);
      return payload;
    });

    const sendIndex = async (reply: FastifyReply) => {
      if (!root) return reply.code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
      const html = await readFile(path.join(root, 'index.html'), 'utf8');
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html);
    };

    if (root) {
      await ui.register(fastifyStatic, {
        root,
        prefix: '/',
        wildcard: true,
        index: false,
        decorateReply: false,
        cacheControl: false,
        dotfiles: 'deny',
        // Vite names assets by content hash: they never change under the same name.
        setHeaders: (res, file) => {
          res.setHeader('cache-control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
        },
      });
    }

    ui.get('/', { config: { access: 'public' }, schema: { hide: true } }, async (_req, reply) => sendIndex(reply));

    ui.setNotFoundHandler(async (req, reply) => {
      if ((req.method === 'GET' || req.method === 'HEAD') && isAppPath(req.url)) return sendIndex(reply);
      return reply.code(404).send({ error: `No file ${req.url.split('?')[0]} in the admin UI.` });
    });
  }, { prefix: '/ui' });
}
