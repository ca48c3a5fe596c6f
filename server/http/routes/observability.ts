import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { badRequest } from '../errors.js';
import {
  LatencyQuerySchema, LatencyResponseSchema, UptimeReportSchema, UptimeTargetSchema,
} from '../../observability/api.js';
import { errors } from './schemas.js';

const HOUR_MS = 3_600_000;
const MAX_POINTS = 10_080;

/** Uptime and latency history for the desktop UI; registered under /admin/v1 (admin token). */
export async function observabilityRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { observability, registry } = app.hearth;

  r.get('/uptime', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'Availability over 24 h, 7 d and 30 d of the server and each model\'s production version',
      description: 'Time the server was down (stopped or crashed) counts as down. A window reaching back before tracking ' +
        'began counts only from then. A model is up while the server is and its production version is READY.',
      response: { 200: UptimeReportSchema, ...errors(401) },
    },
  }, async () => observability.uptime.report());

  r.put('/uptime/target', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'Set the availability target the error budget is measured against (default 0.999)',
      body: UptimeTargetSchema, response: { 200: UptimeTargetSchema, ...errors(400, 401) },
    },
  }, async (req) => {
    const previous = observability.uptime.target();
    observability.uptime.setTarget(req.body.target);
    await app.hearth.recordAdmin({ action: 'setting_changed', ip: req.ip, detail: { uptimeTarget: req.body.target, previous } });
    return { target: observability.uptime.target() };
  });

  r.get('/latency', {
    config: { access: 'admin' },
    schema: {
      tags: ['admin'], summary: 'Latency history of a model (version) per step: count, errors, p50/p95/p99 in ms, rps',
      description: 'Percentiles come from merged per-minute histograms of successful requests. The current minute is included.',
      querystring: LatencyQuerySchema, response: { 200: LatencyResponseSchema, ...errors(400, 401, 404) },
    },
  }, async (req) => {
    const { model, version } = req.query;
    registry.getModel(model);
    const step = req.query.step ?? 60;
    const to = req.query.to ?? observability.now();
    const from = req.query.from ?? to - HOUR_MS;
    if (from >= to) throw badRequest('"from" must be before "to".');
    const points = Math.ceil((to - Math.floor(from / (step * 1000)) * step * 1000) / (step * 1000));
    if (points > MAX_POINTS) throw badRequest(`That range holds ${points} steps of ${step} s; the limit is ${MAX_POINTS}. Use a larger step.`);
    return {
      model, version: version ?? null, from, to, step,
      points: observability.latency.query({ model, version, from, to, stepS: step }),
    };
  });
}
