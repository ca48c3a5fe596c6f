// Answers of the follower routes; the UI reads GET /admin/v1/follow as FollowStatus. No Node here:
// the UI imports the types.
import { Type, type Static } from '@sinclair/typebox';
import { Bytes, content } from './schemas.js';

export const FollowStateSchema = Type.Object({
  following: Type.Boolean(),
  leader: Type.Union([Type.String(), Type.Null()], { description: 'The leader this server mirrors; null when it is not a follower.' }),
  intervalMs: Type.Union([Type.Integer(), Type.Null()]),
  lastSyncAt: Type.Union([Type.Number(), Type.Null()], { description: 'When the registry last matched the leader (ms since the epoch).' }),
  lastAttemptAt: Type.Union([Type.Number(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()], { description: 'Why the latest sync fell short; null when it mirrored everything.' }),
  lag: Type.Union([Type.Number(), Type.Null()], { description: 'Milliseconds since the registry last matched the leader.' }),
  lastChanges: Type.Array(Type.String()),
  syncs: Type.Integer(),
  leaderInstanceId: Type.Union([Type.String(), Type.Null()], { description: 'The leader\'s instance id as recorded on first contact.' }),
  hold: Type.Union([Type.Object({
    id: Type.String({ description: 'Quote it to confirm: POST /admin/v1/follow/confirm {"hold": id}.' }),
    reason: Type.Union([Type.Literal('leader-changed'), Type.Literal('removals')]),
    message: Type.String(),
    since: Type.Number(),
    removals: Type.Array(Type.String()),
  }), Type.Null()], { description: 'Set while mirroring is stopped until the operator confirms.' }),
});

export const InstanceSchema = Type.Object({ instanceId: Type.String() });

export const ModelFileAnswer = content('The model file as registered; the X-Hearth-Sha256 header carries its SHA-256', {
  'application/octet-stream': Bytes,
});

export type FollowStatus = Static<typeof FollowStateSchema>;
