import { Type, type Static } from '@sinclair/typebox';

export const RolloutGuardSchema = Type.Object({
  errorRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Roll back when more than this fraction of the new version\'s requests fail.' })),
  p99Ms: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Roll back when the new version\'s 99th percentile latency exceeds this many milliseconds.' })),
  windowSeconds: Type.Integer({ minimum: 1, maximum: 86_400, description: 'How long after a promote the new version is watched.' }),
  minRequests: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Requests needed before a verdict; fewer in the whole window is inconclusive.' }),
}, { additionalProperties: false });
export type RolloutGuardSettings = Static<typeof RolloutGuardSchema>;

export const WATCH_STATES = ['watching', 'passed', 'inconclusive', 'rolling-back', 'rolled-back', 'superseded', 'failed'] as const;

export const WatchStatusSchema = Type.Object({
  model: Type.String(),
  version: Type.Integer({ description: 'the promoted version being watched' }),
  from: Type.Integer({ description: 'the version production moves back to on a breach' }),
  startedAt: Type.Number(),
  endsAt: Type.Number(),
  status: Type.Union(WATCH_STATES.map((s) => Type.Literal(s))),
  requests: Type.Integer(),
  errors: Type.Integer(),
  errorRate: Type.Union([Type.Number(), Type.Null()]),
  p99Ms: Type.Union([Type.Number(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
  resumedAt: Type.Optional(Type.Union([Type.Number(), Type.Null()], {
    description: 'when a restarted server took up this watch, left open when the server stopped inside its window; ' +
      'null if it never was. The counts carry over; p99Ms is then of the requests since that restart.',
  })),
});
export type WatchStatus = Static<typeof WatchStatusSchema>;
