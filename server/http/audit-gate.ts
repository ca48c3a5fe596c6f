import type { FastifyInstance, FastifyRequest, preHandlerHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError } from './errors.js';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Routes that are not the admin's (inference, metadata, metrics, the pages, what followers read). */
const NOT_ADMIN = new Set(['public', 'infer', 'metadata', 'metrics', 'follow']);

/**
 * Admin changes wait for an audit log that can record them. Every admin action is answered only
 * once its record is committed to the audit chain; while the chain is refused (someone cut or
 * rewrote hearth.db, see usage/chain-guard.ts) that commit never comes, and before this gate the
 * change was made anyway and the admin got an error for it: a promote moved production with no
 * record in the chain. Now a change is refused (503) before it is made. Reads, exports of what
 * remains and inference go on. Bad input is still answered 400 first: this runs after validation.
 */
export const auditGatePlugin = fp(async (app: FastifyInstance) => {
  const { usage } = app.hearth;
  let checked = false;
  void usage.checked.then(() => { checked = true; });
  const decide = (done: (err?: Error) => void): void => {
    const refused = usage.refused;
    if (refused === null) done();
    else done(new HttpError(503, `Admin changes are refused, since the audit log cannot record them: ${refused}`));
  };
  const gate: preHandlerHookHandler = (request: FastifyRequest, _reply, done) => {
    if (request.routeOptions.config.access !== 'admin') return done();
    // Just after a start, the log thread may not have checked the chain yet.
    if (checked) decide(done);
    else void usage.checked.then(() => decide(done));
  };
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.every((m) => READ_METHODS.has(m))) return;
    // Admin routes may be marked by their plugin's own onRoute hook after this one runs: the access is read per request.
    const access = route.config?.access;
    if (access !== undefined && NOT_ADMIN.has(access)) return;
    const existing = route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler];
    route.preHandler = [gate, ...existing];
  });
}, { name: 'hearth-audit-gate', dependencies: ['hearth-auth'] });
