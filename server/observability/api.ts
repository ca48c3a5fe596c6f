import { Type, type Static } from '@sinclair/typebox';

/** The shapes of the observability admin API; the UI imports the types. */

const Seconds = (description: string) => Type.Number({ description });

export const WindowReportSchema = Type.Object({
  availability: Type.Union([Type.Number(), Type.Null()], { description: 'up / observed, 0 to 1; null when nothing observed yet' }),
  observedSeconds: Seconds('the window, or the part of it since tracking began if that is shorter'),
  downSeconds: Seconds('observed time not covered by heartbeats (for a model: also time its production version was not READY)'),
  budgetSeconds: Seconds('(1 − target) × observedSeconds'),
  budgetLeftSeconds: Seconds('budgetSeconds − downSeconds; negative once spent'),
});

const Windows = {
  '24h': WindowReportSchema,
  '7d': WindowReportSchema,
  '30d': WindowReportSchema,
};

export const UptimeReportSchema = Type.Object({
  target: Type.Number({ description: 'availability target, e.g. 0.999' }),
  server: Type.Object(Windows),
  models: Type.Array(Type.Object({
    name: Type.String(),
    version: Type.Integer({ description: 'the production version now' }),
    ready: Type.Boolean({ description: 'whether that version is READY now' }),
    since: Type.Union([Type.Integer(), Type.Null()], { description: 'ms since the epoch: first seen with a production version' }),
    ...Windows,
  })),
  since: Type.Union([Type.Integer(), Type.Null()], { description: 'ms since the epoch: the first start ever on this data dir' }),
  startedAt: Type.Union([Type.Integer(), Type.Null()], { description: 'ms since the epoch: this run of the server' }),
});
export type UptimeReportBody = Static<typeof UptimeReportSchema>;

export const UptimeTargetSchema = Type.Object({
  target: Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'e.g. 0.999 for "three nines"' }),
}, { additionalProperties: false });

export const LatencyQuerySchema = Type.Object({
  model: Type.String({ minLength: 1 }),
  version: Type.Optional(Type.Integer({ minimum: 1, description: 'without it, every version of the model merged' })),
  from: Type.Optional(Type.Integer({ minimum: 0, description: 'ms since the epoch; default: an hour before "to"' })),
  to: Type.Optional(Type.Integer({ minimum: 0, description: 'ms since the epoch, exclusive; default: now' })),
  step: Type.Optional(Type.Integer({ minimum: 60, maximum: 86_400, multipleOf: 60, description: 'seconds per point, a multiple of 60; default 60' })),
});

export const LatencyPointSchema = Type.Object({
  t: Type.Integer({ description: 'ms since the epoch: start of the step (UTC-aligned)' }),
  count: Type.Integer({ description: 'requests that reached the model version, failures included' }),
  errors: Type.Integer(),
  p50: Type.Union([Type.Number(), Type.Null()], { description: 'milliseconds, successful requests only; null when none' }),
  p95: Type.Union([Type.Number(), Type.Null()]),
  p99: Type.Union([Type.Number(), Type.Null()]),
  rps: Type.Number({ description: 'count / step seconds' }),
});

export const LatencyResponseSchema = Type.Object({
  model: Type.String(),
  version: Type.Union([Type.Integer(), Type.Null()]),
  from: Type.Integer(),
  to: Type.Integer(),
  step: Type.Integer(),
  points: Type.Array(LatencyPointSchema),
});
export type LatencyResponse = Static<typeof LatencyResponseSchema>;
