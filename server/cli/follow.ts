import type { Command } from 'commander';
import type { FollowStatus as FollowState } from '../http/routes/follow-schemas.js';
import { when, type Helpers, type Out } from './common.js';

function printState(out: Out, s: FollowState): void {
  if (!s.following) return out.log('This server follows no leader.');
  out.log(`Leader:      ${s.leader} (instance ${s.leaderInstanceId ?? 'not yet seen'})`);
  out.log(`Last match:  ${when(s.lastSyncAt)}${s.lag === null ? '' : ` (${Math.round(s.lag / 1000)} s ago)`}`);
  if (s.lastError) out.log(`Last error:  ${s.lastError}`);
  if (s.hold) {
    out.log(`ON HOLD:     ${s.hold.reason} since ${when(s.hold.since)}, hold ${s.hold.id}`);
    out.log(`             ${s.hold.message}`);
    for (const r of s.hold.removals) out.log(`             - ${r}`);
    out.log(`             To go ahead: hearth follow confirm ${s.hold.id}`);
  }
}

/** `hearth follow show | confirm HOLD`: the follower's state, and the operator's go-ahead after a hold. */
export function addFollowCommands(program: Command, out: Out, { clientOptions, clientFrom }: Helpers): void {
  const follow = program.command('follow').description('Follower mode: the leader mirrored, and holds that wait for you');

  clientOptions(follow.command('show'))
    .description('Show the leader, how recently it was mirrored, and any hold')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const s = await clientFrom(cmd).request<FollowState>('GET', '/admin/v1/follow');
      if (o.json) return out.log(JSON.stringify(s, null, 2));
      printState(out, s);
    });

  clientOptions(follow.command('confirm'))
    .description('Let mirroring go ahead after a hold (another leader instance, or many removals); removed model files are kept for the grace period')
    .argument('<hold>', 'the hold id "hearth follow show" prints')
    .action(async (hold: string, o: { json?: boolean }, cmd: Command) => {
      const s = await clientFrom(cmd).request<FollowState>('POST', '/admin/v1/follow/confirm', { hold });
      if (o.json) return out.log(JSON.stringify(s, null, 2));
      out.log(`Confirmed hold ${hold}; mirroring goes ahead.`);
    });
}
