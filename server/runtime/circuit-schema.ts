import { Type, type Static } from '@sinclair/typebox';

// The circuit's state as the admin API shows it: a schema module apart from circuit.ts so the
// routes' schemas and the renderer's types read it without pulling in the breaker itself.

export type CircuitState = 'closed' | 'open' | 'half_open';

export const CircuitSnapshotSchema = Type.Object({
  state: Type.Union([Type.Literal('closed'), Type.Literal('open'), Type.Literal('half_open')]),
  consecutiveFailures: Type.Integer(),
  threshold: Type.Integer({ description: 'failures in a row that open it; 0: never' }),
  cooldownMs: Type.Integer(),
  opened: Type.Integer({ description: 'times it has opened since the server started' }),
  openedAt: Type.Union([Type.Number(), Type.Null()]),
  retryAfterMs: Type.Integer({ description: 'until a trial request is let through; 0 unless open' }),
  lastFailure: Type.Union([Type.String(), Type.Null()]),
});
export type CircuitSnapshot = Static<typeof CircuitSnapshotSchema>;
