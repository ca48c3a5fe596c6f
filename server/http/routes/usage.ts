import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import path from 'node:path';
import { badRequest, conflict } from '../errors.js';
import { AuditChainRefused } from '../../usage/chain-guard.js';
import { CHECKPOINT_FILE } from '../../usage/checkpoint-file.js';
import { exportBundle, exportUsage, pruneBefore, queryUsage, summarizeUsage } from '../../usage/index.js';
import { errors } from './schemas.js';
import {
  AuditBundleAnswer, AuditKeySchema, PruneResultSchema, UsageAnswer, UsageSummarySchema,
} from './usage-schemas.js';

/** A time bound as ms since the epoch or an ISO 8601 date; a bad one is the client's mistake. */
export function parseTime(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = /^-?[0-9]+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isSafeInteger(n)) throw badRequest(`"${name}" must be milliseconds since the epoch or an ISO date such as 2026-11-01T00:00:00Z; got "${value}".`);
  return n;
}

const RangeQuery = {
  from: Type.Optional(Type.String({ description: 'inclusive; ms since the epoch or ISO 8601' })),
  to: Type.Optional(Type.String({ description: 'exclusive; ms since the epoch or ISO 8601' })),
};

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

export async function usageRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { db, signingKey } = app.hearth;
  r.addHook('onRoute', (route) => { route.config = { ...(route.config ?? {}), access: 'admin' }; });
  // Records are committed a few milliseconds after their response (the journal made them durable
  // before it): every read here first commits what is pending, so a request just answered is listed.
  r.addHook('preHandler', (_req, _reply, done) => {
    app.rejections.flush().then(() => app.hearth.usage.flush()).then(() => done(), done);
  });

  r.get('/usage', {
    schema: {
      tags: ['admin'], summary: 'The usage log: a page of records as JSON, or the whole range streamed as CSV or JSON Lines',
      querystring: Type.Object({
        ...RangeQuery,
        model: Type.Optional(Type.String()),
        key: Type.Optional(Type.String({ description: 'API key id' })),
        kind: Type.Optional(Type.Union([Type.Literal('inference'), Type.Literal('admin'), Type.Literal('all')])),
        format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('jsonl')])),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
        beforeSeq: Type.Optional(Type.Integer({ minimum: 1 })),
      }),
      response: { 200: UsageAnswer, ...errors(400, 401) },
    },
  }, async (req, reply) => {
    const q = req.query;
    const filter = {
      from: parseTime('from', q.from), to: parseTime('to', q.to), model: q.model, keyId: q.key, kind: q.kind,
    };
    if (!q.format) return queryUsage(db, { ...filter, limit: q.limit, beforeSeq: q.beforeSeq });
    try {
      await app.hearth.recordAdmin({ action: 'export', ip: req.ip, detail: { what: `usage-${q.format}`, ...filter } });
    } catch (err) {
      // While the chain is refused, this export is what the refusal tells the operator to do (export
      // what remains for the auditor): its record stays in the usage journal, as every record then does.
      if (!(err instanceof AuditChainRefused)) throw err;
    }
    return reply
      .header('content-type', q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
      .header('content-disposition', `attachment; filename="hearth-usage-${stamp()}.${q.format === 'csv' ? 'csv' : 'jsonl'}"`)
      .send(Readable.from(exportUsage(db, { ...filter, format: q.format })));
  });

  r.get('/usage/summary', {
    schema: {
      tags: ['admin'], summary: 'Requests, errors, compute seconds and bytes per API key or per model, for chargeback',
      querystring: Type.Object({ ...RangeQuery, by: Type.Optional(Type.Union([Type.Literal('key'), Type.Literal('model')])) }),
      response: { 200: UsageSummarySchema, ...errors(400, 401) },
    },
  }, async (req) => {
    const range = { from: parseTime('from', req.query.from), to: parseTime('to', req.query.to) };
    const by = req.query.by ?? 'key';
    return { by, ...range, rows: by === 'model' ? summarizeUsage(db, { ...range, groupBy: 'model' }) : summarizeUsage(db, { ...range, groupBy: 'key' }) };
  });

  r.post('/usage/prune', {
    schema: {
      tags: ['admin'], summary: 'Delete records older than a time; what remains still verifies',
      body: Type.Object({ before: Type.String({ description: 'ms since the epoch or ISO 8601' }) }, { additionalProperties: false }),
      response: { 200: PruneResultSchema, ...errors(400, 401) },
    },
  }, async (req) => {
    const before = parseTime('before', req.body.before) as number;
    await app.hearth.usage.flush();
    const result = pruneBefore(db, before);
    await app.hearth.recordAdmin({ action: 'prune', ip: req.ip, detail: { before, ...result } });
    return result;
  });

  r.get('/audit/key', {
    schema: { tags: ['admin'], summary: 'The public key that signs audit checkpoints, and its fingerprint to pin', response: { 200: AuditKeySchema, ...errors(401) } },
  }, async () => ({ fingerprint: signingKey.fingerprint, publicKeyPem: signingKey.publicKeyPem }));

  r.get('/audit/export', {
    schema: {
      tags: ['admin'], summary: 'An audit bundle (JSON Lines) that `hearth audit verify` checks offline',
      querystring: Type.Object(RangeQuery),
      response: { 200: AuditBundleAnswer, ...errors(400, 401, 409) },
    },
  }, async (req, reply) => {
    const range = { from: parseTime('from', req.query.from), to: parseTime('to', req.query.to) };
    // A chain that no longer holds its signed checkpoints is not signed again (409, with why).
    const refused = app.hearth.usage.refused;
    if (refused) throw conflict(refused);
    const checkpointFile = path.join(app.hearth.config.dataDir, CHECKPOINT_FILE);
    try {
      // The export is itself an audited action, and is committed before the bundle is cut.
      await app.hearth.recordAdmin({ action: 'export', ip: req.ip, detail: { what: 'audit-bundle', ...range } });
      await app.hearth.usage.flush();
      const bundle = exportBundle(db, { ...range, signer: signingKey, checkpointFile });
      // The first chunk comes before the status is sent, so a refusal is still a clean 409.
      const first = await bundle.next();
      async function* rest(): AsyncGenerator<string> {
        if (!first.done) yield first.value;
        yield* bundle;
      }
      return reply
        .header('content-type', 'application/x-ndjson')
        .header('content-disposition', `attachment; filename="hearth-audit-${stamp()}.jsonl"`)
        .send(Readable.from(rest()));
    } catch (error) {
      if (error instanceof AuditChainRefused) throw conflict(error.message);
      throw error;
    }
  });
}
